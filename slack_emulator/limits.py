"""Rate limits and injected faults: both off until a test turns them on."""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

# Slack's published tiers, in calls per minute per method per workspace.
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "apps.connections.open": 1,
    "users.list": 2,
    "conversations.list": 2,
    "chat.update": 3,
    "chat.delete": 3,
    "conversations.open": 3,
    "conversations.info": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.join": 3,
    "team.info": 3,
    "users.lookupByEmail": 3,
    "users.info": 4,
    "chat.postEphemeral": 4,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "conversations.members": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "files.delete": 3,
    "auth.test": 4,
    "oauth.v2.access": 4,
    "chat.getPermalink": 4,
}
POST_METHOD = "chat.postMessage"


class _Bucket:
    """A token bucket: `capacity` calls at once, refilled at `per_second`."""

    def __init__(self, capacity: float, per_second: float, now: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.tokens = capacity
        self.stamp = now

    def wait_needed(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.per_second)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class RateLimits:
    """Token buckets: chat.postMessage per channel (≈1/s with a small burst) and per
    workspace per minute; every other method by its tier."""

    enabled: bool = False
    post_per_second: float = 1.0
    post_burst: int = 3
    workspace_per_minute: int = 300
    tier_per_minute: dict[int, int] = field(default_factory=lambda: dict(TIER_PER_MINUTE))
    _buckets: dict[str, _Bucket] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _bucket(self, key: str, capacity: float, per_second: float, now: float) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket(capacity, per_second, now)
        return self._buckets[key]

    def check(self, method: str, channel: str | None) -> int | None:
        """None if the call may go ahead (and count it), else the Retry-After seconds."""
        if not self.enabled:
            return None
        now = time.monotonic()
        with self._lock:
            if method == POST_METHOD:
                cap = self.workspace_per_minute
                buckets = [self._bucket("post:workspace", cap, cap / 60, now)]
                if channel:
                    buckets.append(
                        self._bucket(f"post:{channel}", self.post_burst, self.post_per_second, now)
                    )
            else:
                per_minute = self.tier_per_minute[METHOD_TIERS.get(method, 3)]
                buckets = [self._bucket(f"tier:{method}", per_minute, per_minute / 60, now)]
            wait = max(b.wait_needed(now) for b in buckets)
            if wait > 0:
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.take()
            return None

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


FaultKind = Literal["429", "503", "lost"]


@dataclass
class _Fault:
    method: str | None
    p429: float
    p503: float
    p_lost: float
    retry_after: int
    times: int | None
    rng: random.Random


class Faults:
    """Injected failures per method (or for all methods when `method` is None).

    `lost` means Slack did the work but the response never arrived (the app sees a 503):
    the case that tests "claim, send, record" against duplicates.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []

    def add(
        self,
        method: str | None,
        *,
        p429: float,
        p503: float,
        p_lost: float,
        retry_after: int,
        times: int | None,
        seed: int | None,
    ) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f.method != method]
            self._faults.append(
                _Fault(method, p429, p503, p_lost, retry_after, times, random.Random(seed))
            )

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def draw(self, method: str) -> tuple[FaultKind, int] | None:
        with self._lock:
            for fault in self._faults:
                if fault.method not in (None, method) or fault.times == 0:
                    continue
                roll = fault.rng.random()
                kind: FaultKind | None = None
                if roll < fault.p429:
                    kind = "429"
                elif roll < fault.p429 + fault.p503:
                    kind = "503"
                elif roll < fault.p429 + fault.p503 + fault.p_lost:
                    kind = "lost"
                if kind is not None:
                    if fault.times is not None:
                        fault.times -= 1
                    return kind, fault.retry_after
            return None
