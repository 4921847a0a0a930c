"""The workbench's sample managers come with calendars that show what the feature measures."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.events import events_between
from bot.calendar.measure import measure_week
from bot.calendar.model import CalendarEvent, WeekFigures, WorkingHours
from workbench.sample import ALICE, BOB, CHEN, DANA, sample_users
from workbench.sample_calendars import HISTORY_WEEKS, sample_feed_ics

FOCUS_WORDS = ("Focus", "No meetings", "Deep work")
WEEK = date(2026, 3, 9)  # New York's first week of summer time: the samples must not care


def zone(user_id: str) -> ZoneInfo:
    return ZoneInfo(next(u.tz for u in sample_users() if u.id == user_id))


def week_of(user_id: str, week_start: date) -> tuple[list[CalendarEvent], WeekFigures]:
    tz = zone(user_id)
    ics = sample_feed_ics(user_id, WEEK)
    assert ics is not None
    low = datetime.combine(week_start, time(0), tzinfo=tz)
    events = events_between(
        ics, low, low + timedelta(days=7), owner_email=None, focus_words=FOCUS_WORDS, tz=tz
    )
    return events, measure_week(events, week_start, WorkingHours.default(), tz)


def titles(events: list[CalendarEvent]) -> set[str]:
    return {e.summary for e in events}


def test_alice_spends_her_week_in_meetings() -> None:
    events, figures = week_of(ALICE, WEEK)

    assert figures.meeting_hours > 2 * figures.focus_hours
    assert figures.focus_hours < 8  # under the default goal: the nudge has something to say
    assert figures.fragmented_hours > figures.focus_hours
    assert "Vendor demo" not in titles(events)  # declined
    assert "Architecture review" not in titles(events)  # cancelled this week (EXDATE)
    last_week, _ = week_of(ALICE, WEEK - timedelta(weeks=1))
    assert "Architecture review" in titles(last_week)


def test_bob_protects_his_mornings() -> None:
    events, figures = week_of(BOB, WEEK)

    assert figures.focus_hours >= 30
    assert [e.kind for e in events if e.summary.startswith("Focus")] == ["focus", "focus"]
    assert len(figures.open_stretches) >= 5


def test_chen_has_free_time_but_no_long_stretch_before_friday() -> None:
    _, figures = week_of(CHEN, WEEK)

    assert figures.fragmented_hours > figures.focus_hours
    assert all(s.start.weekday() == 4 for s in figures.open_stretches)


def test_dana_is_out_on_friday_and_her_one_on_one_moved() -> None:
    events, figures = week_of(DANA, WEEK)

    assert figures.ooo_days == (WEEK + timedelta(days=4),)
    ravi = [e for e in events if e.summary == "1:1 Ravi"]
    assert [(e.start.astimezone(zone(DANA)).weekday(), e.start.hour) for e in ravi] == [(2, 16)]


@pytest.mark.parametrize("user_id", [ALICE, BOB, CHEN, DANA])
def test_every_sample_has_eight_weeks_of_history(user_id: str) -> None:
    oldest = WEEK - timedelta(weeks=HISTORY_WEEKS - 1)

    events, figures = week_of(user_id, oldest)
    before, _ = week_of(user_id, WEEK - timedelta(weeks=HISTORY_WEEKS + 1))

    assert events and figures.meeting_hours > 0
    assert before == []


def test_only_sample_managers_have_a_sample_calendar() -> None:
    assert sample_feed_ics("U0SOMEONE", WEEK) is None
