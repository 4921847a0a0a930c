"""trigger_ids: minted per interaction, good for one views.open/push within 3 seconds."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from slack_emulator.errors import ApiError
from slack_emulator.ids import Ids

TRIGGER_TTL = 3.0


@dataclass
class _Trigger:
    user: str
    issued: float
    used: bool = False


class Triggers:
    """Expiry runs on the real monotonic clock: it measures the app's own latency."""

    def __init__(self, ids: Ids, ttl: float = TRIGGER_TTL) -> None:
        self.ids = ids
        self.ttl = ttl
        self._lock = threading.Lock()
        self._triggers: dict[str, _Trigger] = {}

    def issue(self, user: str) -> str:
        trigger_id = self.ids.trigger_id()
        with self._lock:
            self._triggers[trigger_id] = _Trigger(user, time.monotonic())
        return trigger_id

    def exchange(self, trigger_id: str) -> str:
        """The user the trigger belongs to; raises Slack's error if it can't be used."""
        with self._lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise ApiError("invalid_trigger_id", problem=f"unknown trigger_id {trigger_id!r}")
            if trigger.used:
                raise ApiError("exchanged_trigger_id", problem="trigger_id used twice")
            age = time.monotonic() - trigger.issued
            if age > self.ttl:
                raise ApiError(
                    "expired_trigger_id",
                    problem=f"trigger_id used after {age:.2f}s (> {self.ttl:g}s)",
                )
            trigger.used = True
            return trigger.user

    def expire(self, trigger_id: str) -> None:
        """Age a trigger past its lifetime (tests use this instead of sleeping)."""
        with self._lock:
            self._triggers[trigger_id].issued -= self.ttl + 1
