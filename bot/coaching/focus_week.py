"""Words and numbers for a measured calendar week (the figures come from
`bot.calendar.measure`): hours as people read them, stretches as day and times."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo

from bot.calendar.model import CalendarEvent, Stretch
from bot.coaching.when import DAY_NAMES


def hours_text(hours: float) -> str:
    """`6.5 h`, `3 h`, `0 h`: the nearest tenth, without a trailing `.0`."""
    tenth = math.floor(max(hours, 0.0) * 10 + 0.5) / 10
    return f"{tenth:g} h"


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def stretch_label(stretch: Stretch, tz: tzinfo) -> str:
    """`Tuesday 13:00–16:00`, in the manager's zone."""
    start, end = stretch.start.astimezone(tz), stretch.end.astimezone(tz)
    return f"{DAY_NAMES[start.weekday()].capitalize()} {start:%H:%M}–{end:%H:%M}"


def focus_events_starting(
    events: Sequence[CalendarEvent], start: datetime, end: datetime
) -> list[CalendarEvent]:
    """Focus-marked events (not all-day) that start in [start, end), earliest first."""
    found = [e for e in events if e.kind == "focus" and not e.all_day and start <= e.start < end]
    return sorted(found, key=lambda e: e.start)
