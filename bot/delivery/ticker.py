"""The one APScheduler job: call `engine.tick()` every `interval_s` seconds.

No per-user jobs and no job store: schedules live in SQLite and the tick reads them, so
nothing double-fires on DST fall-back, is lost in a crash, or has to be pickled.
Each run calls `engine.tick(wait=False)`: it plans, reconciles and queues, then returns
while the engine's lanes send, so the tick keeps its interval during a 5,000-person fan-out
(later due sends join the queue by deadline, the heartbeat stays fresh, and APScheduler never
finds the previous run still going). Should a run still be slow (a long reconciliation),
the next one returns at once (`skipped` counts them) instead of APScheduler warning
"maximum number of running instances" every interval: `max_instances=2` lets it start,
the run lock makes it a no-op. `coalesce=True`: missed runs collapse into one.
`misfire_grace_time=None`: a late run still runs (the engine decides what is too late).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.engine import DeliveryEngine, TickReport

log = logging.getLogger("pendulum.delivery")
JOB_ID = "pendulum-delivery-tick"


class Scheduler:
    def __init__(
        self,
        engine: DeliveryEngine,
        interval_s: float = 30.0,
        *,
        on_tick: Callable[[], None] | None = None,
        on_report: Callable[[TickReport], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
    ) -> None:
        if not 0 < interval_s <= 60:
            raise ValueError(f"interval_s={interval_s}: the tick must run at least once a minute")
        self.engine = engine
        self.interval_s = interval_s
        self._scheduler: BackgroundScheduler | None = None
        self._recovered = False
        self._running = threading.Lock()
        self.ticks = 0
        self.skipped = 0  # runs that found the previous one still going
        self.on_tick = on_tick  # e.g. the health heartbeat; called as each run starts
        self.on_report = on_report  # e.g. metrics; called with each tick's outcomes
        self.on_failure = on_failure  # e.g. the health check; called when a tick raises

    def _run(self) -> None:
        if not self._running.acquire(blocking=False):
            self.skipped += 1
            log.debug("tick skipped: the previous one is still running")
            return
        try:
            self._tick()
        finally:
            self._running.release()

    def _tick(self) -> None:
        if self.on_tick is not None:
            try:
                self.on_tick()
            except Exception:
                log.exception("tick hook failed")
        try:
            if not self._recovered:
                self.engine.recover()
                self._recovered = True
            report = self.engine.tick(wait=False)
            if self.on_report is not None:
                self.on_report(report)
        except Exception as exc:
            log.exception("delivery tick failed; the next tick retries")
            if self.on_failure is not None:
                self.on_failure(exc)
        finally:
            self.ticks += 1

    def start(self) -> None:
        """Start ticking in a background thread; the first tick (with start-up recovery)
        runs immediately."""
        if self._scheduler is not None:
            return
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(
            self._run,
            IntervalTrigger(seconds=self.interval_s, timezone=UTC),
            id=JOB_ID,
            coalesce=True,
            max_instances=2,  # the second returns at once (see _run)
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
        self._scheduler = scheduler

    def shutdown(self, wait: bool = True) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
            self._scheduler = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None and bool(self._scheduler.running)
