"""Weekly team-channel tips, as plain data: reading `/pendulum remind …` arguments, and the
rotation that walks the tip pool without a repeat.

Rotation: each channel (or, for the Monday nudge's ideas, each person) gets its own stable
shuffle of the pool, seeded by its id, and takes the first item not yet used in the current
cycle. When every item has been used a new cycle starts with a fresh shuffle, and its first
pick is never the item used last, so no tip shows up two weeks running even across cycles.
Tips added to `prompts/tips.yaml` join the current cycle; removed ones simply stop coming.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from bot.coaching.when import (
    looks_like_channel,
    parse_channel,
    parse_date,
    parse_day,
    parse_time,
    parse_tz,
    split_words,
)

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_TIME = "09:30"
FILLER = frozenset({"at", "on", "every", "each", "in", "for", "to"})


class RemindError(ValueError):
    """Unreadable `remind` arguments; the message says which word and what was expected."""


@dataclass(frozen=True)
class RemindArgs:
    """`[#channel] [day] [HH:MM] [tz]`, each optional, in any order."""

    channel: str | None = None
    weekday: int | None = None
    local_time: str | None = None
    tz: str | None = None


def _clip(word: str) -> str:
    return word if len(word) <= 40 else word[:39] + "…"


def parse_remind(text: str) -> RemindArgs:
    channel: str | None = None
    weekday: int | None = None
    local_time: str | None = None
    tz: str | None = None
    for word in split_words(text):
        if word.lower() in FILLER:
            continue
        if looks_like_channel(word):
            found = parse_channel(word)
            if found is None:
                raise RemindError(
                    f"I couldn't tell which channel {_clip(word)!r} is. Pick it from Slack's "
                    "autocomplete after typing #, so Slack sends me the channel itself."
                )
            channel = _only_one(channel, found, "Name one channel at a time.")
            continue
        day = parse_day(word)
        if day is not None:
            weekday = _only_one(weekday, day, "Pick one day of the week for the tip.")
            continue
        clock = parse_time(word)
        if clock is not None:
            local_time = _only_one(local_time, clock, "Pick one time of day for the tip.")
            continue
        zone_name = parse_tz(word)
        if zone_name is not None:
            tz = zone_name
            continue
        raise RemindError(
            f"I couldn't read {_clip(word)!r}. Try `remind #channel monday 09:30 Europe/Berlin` "
            "(all parts optional): a channel, a day, a 24-hour time, an IANA time zone."
        )
    return RemindArgs(channel, weekday, local_time, tz)


_T = TypeVar("_T")


def _only_one(current: _T | None, found: _T, complaint: str) -> _T:
    """`found`, unless a different value was already given (then RemindError(complaint))."""
    if current is not None and found != current:
        raise RemindError(complaint)
    return found


def parse_channel_only(text: str) -> str | None:
    """`[#channel]` for `remind off|now`; None means the current channel."""
    args = parse_remind(text)
    if args.weekday is not None or args.local_time is not None or args.tz is not None:
        raise RemindError("Only a channel goes here, like `remind off #team`.")
    return args.channel


def parse_skip(text: str) -> tuple[date, str | None]:
    """`YYYY-MM-DD [#channel]` (either order) → (the local date to skip, channel or None)."""
    day: date | None = None
    rest: list[str] = []
    for word in split_words(text):
        found = parse_date(word)
        if found is not None and day is None:
            day = found
        else:
            rest.append(word)
    if day is None:
        raise RemindError("Tell me which date to skip, like `remind skip 2026-12-28 #team`.")
    return day, parse_channel_only(" ".join(rest))


# -- rotation --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pick:
    item: str
    cycle: int


def shuffled(pool: Sequence[str], seed: str) -> list[str]:
    """A stable shuffle of the pool (same seed, same pool → same order, in every process)."""
    order = sorted(set(pool))
    random.Random(seed).shuffle(order)
    return order


def next_pick(
    pool: Sequence[str],
    used: Collection[str],
    *,
    cycle: int,
    last: str | None,
    seed: str,
) -> Pick:
    """The next item for one channel: the first unused one of this cycle's order; when the
    cycle is exhausted, the first of the next cycle's order that is not `last`.

    `used` holds the items picked in `cycle`; `last` the most recent pick of all."""
    if not pool:
        raise ValueError("the pool is empty")
    order = shuffled(pool, f"{seed}#{cycle}")
    for item in order:
        if item not in used:
            return Pick(item, cycle)
    fresh = shuffled(pool, f"{seed}#{cycle + 1}")
    for item in fresh:
        if item != last:
            return Pick(item, cycle + 1)
    return Pick(fresh[0], cycle + 1)  # a pool of one
