"""Time sources. Everything that asks "what time is it?" takes a Clock, so tests and the
offline workbench can move time while production reads the system clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (tests, the workbench's clock control)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start instant")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FakeClock.set needs a timezone-aware instant")
        with self._lock:
            if instant.astimezone(UTC) < self._now:
                raise ValueError("FakeClock never moves backwards")
            self._now = instant.astimezone(UTC)


class OffsetFileClock:
    """System time shifted by an offset (seconds) read from a file.

    Lets the scenario tests and the offline workbench jump a separate app process forward to
    the next scheduled send. The config refuses it unless the app talks to a local emulator,
    so the clock of an app connected to a real Slack can never be moved.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._cache: tuple[float, float] = (-1.0, 0.0)  # (file mtime, offset seconds)
        self._lock = threading.Lock()

    def offset(self) -> float:
        import os

        try:
            mtime = os.stat(self.path).st_mtime_ns / 1e9
        except FileNotFoundError:
            return 0.0
        with self._lock:
            if mtime != self._cache[0]:
                try:
                    with open(self.path, encoding="utf-8") as handle:
                        text = handle.read().strip()
                    self._cache = (mtime, float(text or 0))
                except ValueError:
                    pass  # half-written file: keep the previous offset
            return self._cache[1]

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset())

    @staticmethod
    def write(path: str, offset_seconds: float) -> None:
        """Atomically set the offset (used by tests and the workbench)."""
        import os

        tmp = f"{path}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(repr(float(offset_seconds)))
        os.replace(tmp, path)
