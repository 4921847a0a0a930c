"""Value types shared by the calendar modules and the features that use them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

EventKind = Literal["meeting", "focus", "busy", "ooo"]


@dataclass(frozen=True)
class WorkingHours:
    """The manager's working days (0 = Monday) and daily hours, in their own time zone."""

    days: frozenset[int]
    start: time
    end: time

    @staticmethod
    def default() -> WorkingHours:
        return WorkingHours(days=frozenset(range(5)), start=time(9), end=time(17))


@dataclass(frozen=True)
class CalendarEvent:
    """One concrete occurrence that takes time away from free time.

    `start`/`end` are timezone-aware. All-day events carry midnight-to-midnight in the
    manager's zone as resolved by the parser; `all_day` tells them apart.
    """

    start: datetime
    end: datetime
    kind: EventKind
    summary: str
    all_day: bool
    recurring: bool = False  # one occurrence of a series (RRULE/RDATE, or a moved instance)


@dataclass(frozen=True)
class Stretch:
    """A span of time (timezone-aware ends)."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        # Subtract instants, not wall clocks: aware datetimes sharing a tzinfo subtract as
        # wall-clock times, which is an hour off across a DST change.
        return (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds() / 3600


@dataclass(frozen=True)
class WeekFigures:
    """What one week looks like within working hours.

    focus_stretches: free stretches long enough to count as focus, and focus-marked events.
    open_stretches: the free (unbooked) stretches long enough to count as focus.
    """

    week_start: date
    meeting_hours: float
    focus_hours: float
    fragmented_hours: float
    ooo_days: tuple[date, ...]
    focus_stretches: tuple[Stretch, ...]
    open_stretches: tuple[Stretch, ...]
