"""Identifier and timestamp minting: Slack-shaped, unique, and deterministic in order."""

from __future__ import annotations

import itertools
import secrets
import threading

from bot.clock import Clock


class Ids:
    """Mints message `ts`, view ids, trigger ids and the rest, thread-safely."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._last_ts = 0.0

    def now(self) -> float:
        return self._clock.now().timestamp()

    def ts(self) -> str:
        """A message timestamp: seconds.micros, strictly increasing across the workspace."""
        with self._lock:
            value = max(self.now(), self._last_ts + 0.000001)
            self._last_ts = value
            return f"{value:.6f}"

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def view_id(self) -> str:
        return f"V{self._next():010d}"

    def view_hash(self) -> str:
        return f"{int(self.now())}.{secrets.token_hex(4)}"

    def trigger_id(self) -> str:
        return f"{int(self.now())}.{self._next()}.{secrets.token_hex(16)}"

    def envelope_id(self) -> str:
        return f"{secrets.token_hex(4)}-{self._next():04d}-{secrets.token_hex(6)}"

    def event_id(self) -> str:
        return f"Ev{self._next():010d}"

    def file_id(self) -> str:
        return f"F{self._next():010d}"

    def action_ts(self) -> str:
        return f"{self.now():.6f}"

    def secret(self) -> str:
        return secrets.token_urlsafe(16)
