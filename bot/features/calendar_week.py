"""This week from a stored calendar, for `/pendulum focus`, the connect form's answer, App
Home and the Monday nudge. Pure: a stored `Calendar` and `now` in, figures and template
context out (no Slack calls, no writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.calendar.measure import (
    best_open_stretches,
    heaviest_recurring_meeting,
    measure_week,
    split_week,
)
from bot.calendar.model import Stretch, WeekFigures
from bot.coaching.focus_week import hours_text, stretch_label, week_start
from bot.content.compose import render_template
from bot.content.library import Library
from bot.delivery.timing import zone
from bot.store.calendars import Calendar, StoredWeek

BEST_STRETCHES = 2


@dataclass(frozen=True)
class WeekView:
    tz: str
    goal_hours: float
    whole: WeekFigures
    so_far: WeekFigures
    ahead: WeekFigures
    best: tuple[Stretch, ...]
    heaviest: tuple[str, float] | None

    @property
    def focus_ahead(self) -> float:
        return self.ahead.focus_hours


def week_view(cal: Calendar, tz: str, now: datetime, min_focus: timedelta) -> WeekView:
    place = zone(tz)
    start = week_start(now.astimezone(place).date())
    events = list(cal.events)
    whole = measure_week(events, start, cal.hours, place, min_focus=min_focus)
    split = split_week(events, start, cal.hours, place, now, min_focus=min_focus)
    best = best_open_stretches(whole, now, BEST_STRETCHES, min_focus=min_focus)
    heaviest = heaviest_recurring_meeting(events, start, cal.hours, place)
    return WeekView(
        tz=tz,
        goal_hours=cal.goal_hours,
        whole=whole,
        so_far=split.so_far,
        ahead=split.ahead,
        best=tuple(best),
        heaviest=heaviest,
    )


def week_context(view: WeekView) -> dict[str, Any]:
    """The `calendar-week` template's variables."""
    place = zone(view.tz)
    return {
        "goal": hours_text(view.goal_hours),
        "focus": hours_text(view.whole.focus_hours),
        "focus_done": hours_text(view.so_far.focus_hours),
        "focus_ahead": hours_text(view.ahead.focus_hours),
        "meetings": hours_text(view.whole.meeting_hours),
        "meetings_done": hours_text(view.so_far.meeting_hours),
        "meetings_ahead": hours_text(view.ahead.meeting_hours),
        "fragmented": hours_text(view.whole.fragmented_hours),
        "goal_met": view.whole.focus_hours + 1e-9 >= view.goal_hours,
        "ooo_days": len(view.whole.ooo_days),
        "stretches": [stretch_label(s, place) for s in view.best],
        "tz": view.tz,
    }


def nudge_context(view: WeekView) -> dict[str, Any]:
    """The Monday nudge's `week`: focus ahead, the goal, the best open stretches, and the
    recurring meeting to question when no stretch is open."""
    place = zone(view.tz)
    question = None
    if not view.best and view.heaviest is not None:
        question = {"summary": view.heaviest[0], "hours": hours_text(view.heaviest[1])}
    return {
        "focus_ahead": hours_text(view.ahead.focus_hours),
        "goal": hours_text(view.goal_hours),
        "stretches": [stretch_label(s, place) for s in view.best],
        "question": question,
    }


def week_text(library: Library, view: WeekView) -> str:
    return render_template(library, library.message("calendar-week"), None, week_context(view))


def chart_text(weeks: list[StoredWeek], goal_hours: float) -> str:
    """The chart's figures as text, for screen readers: one line per week."""
    lines = [
        f"{w.week_start:%d %b}: focus {hours_text(w.focus_hours)}, meetings "
        f"{hours_text(w.meeting_hours)}"
        for w in weeks
    ]
    return "\n".join(lines)
