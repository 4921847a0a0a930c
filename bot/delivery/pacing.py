"""How long to wait before the next Slack call. Pure arithmetic on a Clock; it never sleeps.

Slack allows `chat.postMessage` about one message per second per channel with short bursts,
plus a workspace-wide cap, and answers 429 with `Retry-After` when either is exceeded. The
pacer keeps one GCRA ("virtual scheduling") bucket per channel and one per workspace and hands
out *reservations*: each caller gets the earliest instant that satisfies both buckets and any
Retry-After pause, and the buckets move past it at once. So N worker threads can wait for
their own slots in parallel and the aggregate rate stays exactly at the cap.

Other methods the engine calls (`conversations.history`/`conversations.open` during
reconciliation, Tier 3) get one bucket per workspace and method family.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.clock import Clock

POST = "post"
HISTORY = "history"


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"rate {self} needs per_second > 0 and burst >= 1")

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        """How far ahead of the steady rate a burst may run."""
        return (self.burst - 1) * self.interval


@dataclass(frozen=True)
class RateLimits:
    """Defaults follow Slack's published guidance; the workspace cap is not published as a
    number (\"several hundred per minute\"), so it is deliberately conservative."""

    per_channel: Rate = Rate(1.0, 3)
    workspace: Rate = Rate(5.0, 10)
    methods: Mapping[str, Rate] = field(default_factory=lambda: {HISTORY: Rate(50 / 60, 3)})


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter for 5xx and network errors: attempt n waits between
    half and all of min(cap, base·2ⁿ⁻¹) seconds, so retries spread out instead of stampeding."""

    base: float = 1.0
    cap: float = 60.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def retry_after_seconds(headers: Mapping[str, object] | None, default: float = 1.0) -> float:
    """Slack's Retry-After (whole seconds); a missing or odd value falls back to `default`."""
    if headers:
        for name, value in headers.items():
            if name.lower() == "retry-after":
                raw = value[0] if isinstance(value, list | tuple) and value else value
                try:
                    return max(float(str(raw)), 0.0)
                except ValueError:
                    return default
    return default


class Pacer:
    """Thread-safe reservations against per-channel, per-workspace and per-method buckets."""

    PRUNE_AT = 20_000  # channel buckets kept before idle ones are dropped

    def __init__(self, clock: Clock, limits: RateLimits | None = None) -> None:
        self.clock = clock
        self.limits = limits or RateLimits()
        self._lock = threading.Lock()
        self._origin = clock.now()  # times are seconds since this instant (keeps float precision)
        self._tat: dict[tuple[str, ...], float] = {}  # theoretical arrival time per bucket
        self._paused: dict[tuple[str, str], float] = {}

    def _now(self) -> float:
        return (self.clock.now() - self._origin).total_seconds()

    def _reserve(
        self, buckets: list[tuple[tuple[str, ...], Rate]], pause_key: tuple[str, str]
    ) -> float:
        with self._lock:
            now = self._now()
            slot = max(now, self._paused.get(pause_key, now))
            for key, rate in buckets:
                tat = self._tat.get(key, now)
                slot = max(slot, tat - rate.tolerance)
            for key, rate in buckets:
                self._tat[key] = max(self._tat.get(key, now), slot) + rate.interval
            if len(self._tat) > self.PRUNE_AT:
                self._tat = {k: v for k, v in self._tat.items() if v > now}
            wait = slot - now
            return wait if wait > 1e-9 else 0.0

    def reserve_post(self, team_id: str, channel: str) -> float:
        """Seconds to wait before this `chat.postMessage`; the slot is taken on return."""
        return self._reserve(
            [
                (("channel", team_id, channel), self.limits.per_channel),
                (("workspace", team_id), self.limits.workspace),
            ],
            (team_id, POST),
        )

    def reserve_call(self, team_id: str, family: str = HISTORY) -> float:
        """Seconds to wait before a call in another method family (e.g. history look-ups)."""
        rate = self.limits.methods.get(family, Rate(1.0, 1))
        return self._reserve([(("method", team_id, family), rate)], (team_id, family))

    def pause(self, team_id: str, seconds: float, family: str = POST) -> None:
        """Hold every call of `family` in this workspace for `seconds` (a 429's Retry-After).
        The workspace bucket restarts without a burst when the pause ends."""
        with self._lock:
            now = self._now()
            until = max(self._paused.get((team_id, family), now), now + seconds)
            self._paused[(team_id, family)] = until
            if family == POST:
                rate = self.limits.workspace
                key: tuple[str, ...] = ("workspace", team_id)
                self._tat[key] = max(self._tat.get(key, now), until + rate.tolerance)

    def paused_for(self, team_id: str, family: str = POST) -> float:
        """Seconds left on a pause (0 when not paused)."""
        with self._lock:
            return max(0.0, self._paused.get((team_id, family), 0.0) - self._now())
