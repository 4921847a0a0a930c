"""Wall-clock weekly slots resolved to UTC instants. Pure: no I/O, no "now" of its own.

A slot is (weekday, local HH:MM, IANA zone). Each local date gives exactly one instant:

* fall-back (the wall time happens twice): the FIRST occurrence (``fold=0``), so a 01:30
  send goes out once, never again an hour later;
* spring-forward (the wall time never happens): the gap is shifted forward, so a 02:30 send
  on a day that jumps 02:00 → 03:00 goes out at 03:30 local (``zoneinfo``'s fold=0 rule for
  non-existent times gives exactly that).

Occurrences are found by walking LOCAL dates, never by adding 7×24 h to a UTC instant, which
is what makes per-user interval jobs double-fire or drift across DST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.delivery.person import Person

Period = Literal["week", "day"]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ScheduleValueError(ValueError):
    """A schedule field is malformed; the message names the value and the expected form."""


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (cached: ZoneInfo construction is the slow part of a sweep)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin'"
        ) from exc


def parse_local_time(text: str) -> time:
    match = _HHMM.match(text)
    if match is None:
        raise ScheduleValueError(f"local time {text!r} is not 24-hour 'HH:MM' (e.g. '09:30')")
    return time(int(match.group(1)), int(match.group(2)))


def check_weekday(weekday: int) -> int:
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ScheduleValueError(f"weekday {weekday!r} must be 0 (Monday) … 6 (Sunday)")
    return weekday


@dataclass(frozen=True)
class WeeklySlot:
    weekday: int  # 0 = Monday
    local_time: time
    tz: ZoneInfo

    @classmethod
    def parse(cls, weekday: int, local_time: str, tz: str) -> WeeklySlot:
        return cls(check_weekday(weekday), parse_local_time(local_time), zone(tz))


@dataclass(frozen=True)
class Occurrence:
    """One concrete send time of a slot: the local date it belongs to and its UTC instant."""

    local_date: date
    due_at: datetime  # UTC
    manual: bool = False  # True for "send it now" requests
    # a DM's recipient as the people cache knows them (None: a channel, or unknown)
    recipient: Person | None = None


def resolve(local_date: date, local_time: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall time: first of two on fall-back, gap shifted on spring-forward."""
    return datetime.combine(local_date, local_time, tzinfo=tz).astimezone(UTC)


def local_date_of(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def occurrence_on(slot: WeeklySlot, local_date: date) -> Occurrence:
    return Occurrence(local_date, resolve(local_date, slot.local_time, slot.tz))


def first_occurrence_from(slot: WeeklySlot, instant: datetime) -> Occurrence:
    """The first occurrence whose instant is at or after `instant`."""
    today = local_date_of(instant, slot.tz)
    candidate = today + timedelta(days=(slot.weekday - today.weekday()) % 7)
    occ = occurrence_on(slot, candidate)
    if occ.due_at < instant:
        occ = occurrence_on(slot, candidate + timedelta(days=7))
    return occ


def next_occurrence(slot: WeeklySlot, after: datetime) -> Occurrence:
    """The first occurrence strictly after `after`."""
    return first_occurrence_from(slot, after + timedelta(microseconds=1))


def period_key(local_date: date, period: Period = "week") -> str:
    """`2026-W47` (ISO week of the local date: the year is the ISO year, so 2027-01-01 is
    `2026-W53`) or, for daily kinds, the local date itself."""
    if period == "day":
        return local_date.isoformat()
    iso = local_date.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def end_of_local_day(local_date: date, tz: ZoneInfo) -> datetime:
    """The UTC instant the next local day starts (midnight; shifted if midnight is a gap)."""
    return resolve(local_date + timedelta(days=1), time(0, 0), tz)


def expires_at(occ: Occurrence, tz: ZoneInfo, grace: timedelta) -> datetime:
    """The last instant a late send of `occ` is still welcome: within `grace` of its time
    AND on the same local day (never a Monday tip on Thursday, nor a 23:00 one at 00:30)."""
    return min(occ.due_at + grace, end_of_local_day(occ.local_date, tz) - timedelta(seconds=1))


class Action(Enum):
    SEND = "send"
    MISSED = "missed"  # late beyond grace or past its local day
    PAUSED = "paused"  # paused until a later date
    SKIPPED = "skipped"  # the owner skipped that date


@dataclass(frozen=True)
class Step:
    occurrence: Occurrence
    action: Action
    expires_at: datetime


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    next_due_at: datetime  # the cursor to store: the first occurrence still in the future


MAX_CATCH_UP = 60  # weeks of missed occurrences recorded after an outage; older are dropped


def plan(
    slot: WeeklySlot,
    cursor: datetime,
    now: datetime,
    grace: timedelta,
    *,
    paused_until: date | None = None,
    skip_dates: frozenset[date] = frozenset(),
) -> Plan:
    """What to do with every occurrence from `cursor` (the stored next-due instant) up to
    `now`, and where the cursor goes next. Only occurrences still within their grace window
    are sent; older ones are reported MISSED so they can be recorded as skipped."""
    steps: list[Step] = []
    # After a very long outage only the last MAX_CATCH_UP weeks are looked at (and recorded).
    occ = first_occurrence_from(slot, max(cursor, now - timedelta(weeks=MAX_CATCH_UP)))
    while occ.due_at <= now:
        expiry = expires_at(occ, slot.tz, grace)
        if paused_until is not None and occ.local_date < paused_until:
            action = Action.PAUSED
        elif occ.local_date in skip_dates:
            action = Action.SKIPPED
        elif now <= expiry:
            action = Action.SEND
        else:
            action = Action.MISSED
        steps.append(Step(occ, action, expiry))
        occ = occurrence_on(slot, occ.local_date + timedelta(days=7))  # = next_occurrence
    return Plan(steps, occ.due_at)


def utc_text(instant: datetime) -> str:
    """The one format every delivery timestamp is stored in (sorts as text)."""
    if instant.tzinfo is None:
        raise ValueError("utc_text needs a timezone-aware instant")
    return instant.astimezone(UTC).isoformat(timespec="seconds")


def parse_utc(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
