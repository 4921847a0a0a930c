"""Flood guards: how much one person can ask of Pendulum in one workspace.

A person who sends 500 commands in ten seconds (a stuck key, a script, a curious tester) must
not make 500 `users.info` calls, 500 Home publishes and 500 DMs, nor slow everyone else down.
Each person gets a sliding window per kind of request (commands; exports, which build and
upload a file); past it, the request does nothing but answer "slow down, try again in …".
Refused attempts are not counted, so waiting always works.

The limits live in `prompts/rules.yaml` under `limits` (defaults below when absent). Counts
are kept in memory: they protect one process, and a restart forgetting them is harmless.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.config import REQUEST_LIMIT_NAMES
from bot.content.compose import template_message
from bot.content.library import Library

MAX_TRACKED = 50_000  # people × kinds kept at once; the quietest are dropped past this


@dataclass(frozen=True)
class Limit:
    count: int
    per: timedelta


@dataclass(frozen=True)
class Limits:
    commands: Limit = Limit(20, timedelta(minutes=1))
    exports: Limit = Limit(3, timedelta(hours=1))
    tip_channels_per_person: int = 25

    @classmethod
    def from_rules(
        cls, rules: Mapping[str, Any], overrides: Mapping[str, int] | None = None
    ) -> Limits:
        """`limits:` in rules.yaml, then `overrides` (PENDULUM_REQUEST_LIMITS, emulator only);
        a missing or malformed value keeps its default (the content lint reports it)."""
        spec = rules.get("limits")
        spec = {**(spec if isinstance(spec, Mapping) else {}), **(overrides or {})}
        default = cls()
        commands = _whole(spec.get("commands_per_minute")) or default.commands.count
        exports = _whole(spec.get("exports_per_hour")) or default.exports.count
        tips = _whole(spec.get("tip_channels_per_person")) or default.tip_channels_per_person
        return cls(
            commands=Limit(commands, timedelta(minutes=1)),
            exports=Limit(exports, timedelta(hours=1)),
            tip_channels_per_person=tips,
        )


KNOWN_LIMITS = REQUEST_LIMIT_NAMES


def _whole(value: object) -> int | None:
    """A whole number of at least 1, or None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


def limit_problems(rules: Mapping[str, Any]) -> list[str]:
    """What is wrong with `limits:` in rules.yaml (for `content lint`)."""
    spec = rules.get("limits")
    if spec is None:
        return []
    if not isinstance(spec, Mapping):
        return ["limits must be a mapping"]
    known = ", ".join(KNOWN_LIMITS)
    problems = [f"limits.{k} is not one of {known}" for k in spec if k not in KNOWN_LIMITS]
    for key in KNOWN_LIMITS:
        if key in spec and _whole(spec[key]) is None:
            problems.append(f"limits.{key} must be a whole number of at least 1")
    return problems


class Limiter:
    """Sliding-window counters keyed by (kind, team, user), on the injected clock."""

    def __init__(self, clock: Clock, *, max_tracked: int = MAX_TRACKED) -> None:
        self.clock = clock
        self.max_tracked = max_tracked
        self._lock = threading.Lock()
        self._uses: dict[tuple[str, str, str], deque[datetime]] = {}

    def take(self, kind: str, team_id: str, user_id: str, limit: Limit) -> timedelta | None:
        """Count one use and return None, or, when the window is full, return how long until
        the next use is allowed (and count nothing)."""
        now = self.clock.now()
        key = (kind, team_id, user_id)
        with self._lock:
            uses = self._uses.get(key)
            if uses is None:
                if len(self._uses) >= self.max_tracked:
                    self._drop_idle(now, limit.per)
                uses = self._uses[key] = deque()
            while uses and now - uses[0] >= limit.per:
                uses.popleft()
            if len(uses) >= limit.count:
                return uses[0] + limit.per - now
            uses.append(now)
            return None

    def _drop_idle(self, now: datetime, per: timedelta) -> None:
        idle = [k for k, uses in self._uses.items() if not uses or now - uses[-1] >= per]
        for key in idle or list(self._uses)[: len(self._uses) // 2]:
            del self._uses[key]


def wait_words(wait: timedelta) -> dict[str, int]:
    """Whole seconds and minutes (rounded up) for a template to say "try again in …"."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    return {"seconds": seconds, "minutes": max(1, math.ceil(seconds / 60))}


def slow_down(library: Library, command: str, what: str, wait: timedelta) -> dict[str, Any]:
    """The friendly "slow down" answer: what was limited and when to try again."""
    extra = {"what": what, "command": command, **wait_words(wait)}
    return dict(template_message(library, "slow-down", None, extra))
