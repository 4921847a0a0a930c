"""Is this process healthy? The database answers, the scheduler runs, and it ticked recently.

The scheduler's tick calls `Heartbeat.beat(now)` at the start of every run; `/healthz` (and
`pendulum-bot health`, the container's HEALTHCHECK) turns 503 when the last beat is older
than `stale_after`, or the scheduler reports that it stopped. Before the first beat the age
counts from start-up, so a scheduler that never starts is caught too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.clock import Clock
from bot.store.db import Store

log = logging.getLogger("pendulum.health")

DEFAULT_STALE_AFTER = 180.0  # seconds: three missed ticks at the slowest allowed interval


def stale_after_for(tick_seconds: float) -> float:
    """How old the last tick may get: three intervals, and never under three minutes (a tick
    that drains a large fan-out holds the next one back)."""
    return max(DEFAULT_STALE_AFTER, 3 * tick_seconds)


class Heartbeat:
    """The last time the scheduler ticked, shared between the tick thread and `/healthz`."""

    def __init__(
        self,
        started: datetime | None = None,
        *,
        on_beat: Callable[[datetime], None] | None = None,
    ) -> None:
        self._started = started or datetime.now(UTC)
        self._last: datetime | None = None
        self._beats = 0
        self._lock = threading.Lock()
        self._alive: Callable[[], bool] | None = None
        self.on_beat = on_beat

    def start(self, now: datetime) -> None:
        """Count the age from `now` until the first beat (call once at process start, with
        the same clock the tick uses)."""
        with self._lock:
            self._started = now

    def beat(self, now: datetime) -> None:
        """Record a tick (call it at the start of each scheduler run)."""
        with self._lock:
            self._last = now
            self._beats += 1
        if self.on_beat is not None:
            try:
                self.on_beat(now)
            except Exception as exc:  # a busy database must not break the tick
                log.warning("could not record the tick: %s", exc)

    def attach(self, is_alive: Callable[[], bool]) -> None:
        """Tell the heartbeat how to ask the scheduler whether it is still running."""
        self._alive = is_alive

    @property
    def last(self) -> datetime | None:
        with self._lock:
            return self._last

    @property
    def beats(self) -> int:
        with self._lock:
            return self._beats

    def age(self, now: datetime) -> float:
        """Seconds since the last beat (since start-up when there has been none)."""
        with self._lock:
            since = self._last or self._started
        return max(0.0, (now - since).total_seconds())

    def scheduler_state(self) -> str:
        """'running', 'stopped', or 'unknown' (no scheduler attached)."""
        if self._alive is None:
            return "unknown"
        try:
            return "running" if self._alive() else "stopped"
        except Exception:
            return "stopped"


class Health:
    """The `/healthz` check: (ok, detail)."""

    def __init__(
        self,
        store: Store,
        heartbeat: Heartbeat,
        clock: Clock,
        *,
        stale_after: float = DEFAULT_STALE_AFTER,
        extra: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.store = store
        self.heartbeat = heartbeat
        self.clock = clock
        self.stale_after = stale_after
        self.extra = extra

    def database(self) -> str:
        try:
            self.store.db.execute("SELECT 1").fetchone()
        except Exception as exc:
            return f"error: {type(exc).__name__}"
        return "ok"

    def __call__(self) -> tuple[bool, dict[str, Any]]:
        now = self.clock.now()
        db = self.database()
        scheduler = self.heartbeat.scheduler_state()
        age = self.heartbeat.age(now)
        last = self.heartbeat.last
        stale = age > self.stale_after
        problems = []
        if db != "ok":
            problems.append("database unreachable")
        if scheduler == "stopped":
            problems.append("scheduler stopped")
        if stale:
            problems.append(
                f"last tick {age:.0f} s ago (more than {self.stale_after:.0f} s)"
                if last
                else f"no tick in {age:.0f} s since start-up"
            )
        detail: dict[str, Any] = {
            "database": db,
            "scheduler": scheduler,
            "last_tick_at": last.astimezone(UTC).isoformat(timespec="seconds") if last else None,
            "last_tick_age_seconds": round(age, 3),
            "stale_after_seconds": self.stale_after,
        }
        if self.extra is not None:
            detail.update(self.extra())
        if problems:
            detail["problems"] = problems
        return not problems, detail
