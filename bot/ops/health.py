"""Is this process healthy? Checked against what the app needs, not just "a connection opens".

`/healthz` (and `pendulum-bot health`, the container's HEALTHCHECK) turns 503 when:

- the database cannot be read (`SELECT 1` on this thread's connection);
- the database cannot be written: every tick writes the heartbeat row (`record_tick`), and
  the outcome of that write is kept (a full disk or a read-only file shows up here);
- the database is damaged: `PRAGMA quick_check` runs at start-up and then hourly from the
  tick (never per request: it reads every page), and its last verdict is kept. On
  PostgreSQL, which keeps its own pages sound, the same check asks whether the server
  answers and accepts writes (a replica pointed at a standby is unhealthy);
- the scheduler stopped, or its last two ticks failed;
- the scheduler went quiet: nothing from it for longer than `stale_after`. A tick counts
  as it starts (`Heartbeat.beat`) and, during a long fan-out, every few seconds of sending
  (`Heartbeat.progress`, the delivery engine's `on_progress`), so a drain that takes
  minutes is not mistaken for a hang. Before the first beat the age counts from start-up,
  so a scheduler that never starts is caught too.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.store import admin
from bot.store.db import Store

log = logging.getLogger("pendulum.health")

DEFAULT_STALE_AFTER = 180.0  # seconds: three missed ticks at the slowest allowed interval
FAILED_TICKS_UNHEALTHY = 2  # one failed tick (a lock held for a while) is not yet a problem
INTEGRITY_EVERY = timedelta(hours=1)


def stale_after_for(tick_seconds: float) -> float:
    """How long the scheduler may stay quiet: three intervals, and never under three minutes."""
    return max(DEFAULT_STALE_AFTER, 3 * tick_seconds)


def describe(exc: BaseException) -> str:
    """`Type: message`, one line, for the health detail (never a traceback)."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


class Heartbeat:
    """What the scheduler did last, shared between the tick thread and `/healthz`."""

    def __init__(
        self,
        started: datetime | None = None,
        *,
        on_beat: Callable[[datetime], None] | None = None,
    ) -> None:
        self._started = started or datetime.now(UTC)
        self._last: datetime | None = None
        self._activity: datetime | None = None
        self._beats = 0
        self._lock = threading.Lock()
        self._alive: Callable[[], bool] | None = None
        self.on_beat = on_beat
        self.write_error: str | None = None  # the last heartbeat write's failure, if it failed
        self.failed_ticks = 0  # consecutive ticks that raised
        self.last_tick_error: str | None = None

    def start(self, now: datetime) -> None:
        """Count the age from `now` until the first beat (call once at process start, with
        the same clock the tick uses)."""
        with self._lock:
            self._started = now

    def beat(self, now: datetime) -> None:
        """Record a tick (call it at the start of each scheduler run); writes the heartbeat
        row through `on_beat` and remembers whether that write worked."""
        with self._lock:
            self._last = now
            self._activity = now
            self._beats += 1
        if self.on_beat is not None:
            try:
                self.on_beat(now)
            except Exception as exc:  # the tick goes on; /healthz reports it
                log.warning("could not record the tick: %s", exc)
                self.write_error = describe(exc)
            else:
                self.write_error = None

    def progress(self, now: datetime) -> None:
        """The scheduler is busy sending (a long fan-out): alive, though no new tick began."""
        with self._lock:
            self._activity = now

    def tick_done(self) -> None:
        self.failed_ticks, self.last_tick_error = 0, None

    def tick_failed(self, exc: BaseException) -> None:
        self.failed_ticks += 1
        self.last_tick_error = describe(exc)

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
        """Seconds since the scheduler last showed life (a tick starting, or sending during a
        long one); since start-up when there has been none."""
        with self._lock:
            since = self._activity or self._started
        return max(0.0, (now - since).total_seconds())

    def scheduler_state(self) -> str:
        """'running', 'stopped', or 'unknown' (no scheduler attached)."""
        if self._alive is None:
            return "unknown"
        try:
            return "running" if self._alive() else "stopped"
        except Exception:
            return "stopped"


class IntegrityCheck:
    """`admin.quick_check`, run at start-up and then at most every `every` (from the tick),
    with its last verdict kept for `/healthz`: "ok", "damaged: …" (SQLite), "read-only: …"
    (PostgreSQL) or "unknown"."""

    def __init__(self, store: Store, every: timedelta = INTEGRITY_EVERY) -> None:
        self.store = store
        self.every = every
        self.verdict = "unknown"
        self.checked_at: datetime | None = None

    def run(self, now: datetime) -> str:
        try:
            found = admin.quick_check(self.store.db)
            if found == ["ok"]:
                self.verdict = "ok"
            elif found[0].startswith(admin.READ_ONLY):
                self.verdict = found[0][:300]
            else:
                self.verdict = f"damaged: {'; '.join(found)[:300]}"
        except sqlite3.DatabaseError as exc:
            self.verdict = f"damaged: {describe(exc)}"
        except Exception as exc:  # busy, gone: not a verdict on the file itself
            log.warning("integrity check could not run: %s", exc)
            return self.verdict
        self.checked_at = now
        if self.verdict != "ok":
            log.error("the database failed its integrity check: %s", self.verdict)
        return self.verdict

    def due(self, now: datetime) -> bool:
        return self.checked_at is None or now - self.checked_at >= self.every

    def run_if_due(self, now: datetime) -> None:
        if self.due(now):
            self.run(now)


class Health:
    """The `/healthz` check: (ok, detail)."""

    def __init__(
        self,
        store: Store,
        heartbeat: Heartbeat,
        clock: Clock,
        *,
        stale_after: float = DEFAULT_STALE_AFTER,
        integrity: IntegrityCheck | None = None,
        extra: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.store = store
        self.heartbeat = heartbeat
        self.clock = clock
        self.stale_after = stale_after
        self.integrity = integrity
        self.extra = extra

    def database(self) -> str:
        try:
            admin.ping(self.store.db)
        except Exception as exc:
            return f"error: {type(exc).__name__}"
        return "ok"

    def __call__(self) -> tuple[bool, dict[str, Any]]:
        now = self.clock.now()
        heartbeat = self.heartbeat
        db = self.database()
        scheduler = heartbeat.scheduler_state()
        age = heartbeat.age(now)
        last = heartbeat.last
        problems = []
        if db != "ok":
            problems.append("database unreachable")
        if heartbeat.write_error:
            problems.append(f"database not writable ({heartbeat.write_error})")
        integrity = self.integrity.verdict if self.integrity is not None else "unknown"
        if integrity.startswith(("damaged", admin.READ_ONLY)):
            problems.append(f"database {integrity}")
        if scheduler == "stopped":
            problems.append("scheduler stopped")
        if heartbeat.failed_ticks >= FAILED_TICKS_UNHEALTHY:
            problems.append(
                f"the last {heartbeat.failed_ticks} ticks failed ({heartbeat.last_tick_error})"
            )
        if age > self.stale_after:
            problems.append(
                f"last tick {age:.0f} s ago (more than {self.stale_after:.0f} s)"
                if last
                else f"no tick in {age:.0f} s since start-up"
            )
        detail: dict[str, Any] = {
            "database": db,
            "database_writable": heartbeat.write_error is None,
            "integrity": integrity,
            "scheduler": scheduler,
            "last_tick_at": last.astimezone(UTC).isoformat(timespec="seconds") if last else None,
            "last_tick_age_seconds": round(age, 3),
            "last_tick_ok": heartbeat.failed_ticks == 0,
            "stale_after_seconds": self.stale_after,
        }
        if self.extra is not None:
            detail.update(self.extra())
        if problems:
            detail["problems"] = problems
        return not problems, detail
