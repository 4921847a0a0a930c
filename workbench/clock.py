"""The workbench's movable clock: real time plus an offset that only ever grows.

The app, the emulator and the workbench share one instance, so "jump to the next scheduled
send" moves time for all of them at once. It exists only in the workbench, which always
talks to the built-in emulator: an app connected to a real Slack reads `SystemClock`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class MovableClock:
    def __init__(self, real: Callable[[], datetime] | None = None) -> None:
        self._real = real or (lambda: datetime.now(UTC))
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._real() + self._offset

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never backwards); returns the new now."""
        if delta < timedelta(0):
            raise ValueError("the workbench clock never moves backwards")
        with self._lock:
            self._offset += delta
            return self._real() + self._offset

    def reset(self) -> datetime:
        """Back to real time. Only for "Start over", with the app stopped and its database
        deleted: nothing that remembers a later time is left."""
        with self._lock:
            self._offset = timedelta(0)
            return self._real()

    def jump_to(self, instant: datetime) -> datetime:
        """Move forward so that now >= `instant` (a no-op if it is already past)."""
        if instant.tzinfo is None:
            raise ValueError("jump_to needs a timezone-aware instant")
        with self._lock:
            now = self._real() + self._offset
            if instant > now:
                self._offset += instant - now
            return self._real() + self._offset
