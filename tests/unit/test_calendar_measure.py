"""Week figures against hand-computed ones (fixed dates, no wall clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar.events import events_between
from bot.calendar.measure import (
    best_open_stretches,
    heaviest_recurring_meeting,
    measure_week,
    split_week,
)
from bot.calendar.model import CalendarEvent, EventKind, Stretch, WorkingHours
from tests.support.calendar_feeds import fixture

FOCUS_WORDS = ("Focus", "No meetings", "Deep work")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = WorkingHours(days=frozenset(range(5)), start=time(9), end=time(17))
EVERY_DAY = WorkingHours(days=frozenset(range(7)), start=time(9), end=time(17))


def feed_events(
    name: str, week_start: date, tz: ZoneInfo, owner: str | None
) -> list[CalendarEvent]:
    low = datetime.combine(week_start, time(0), tzinfo=tz)
    high = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=tz)
    return events_between(
        fixture(name), low, high, owner_email=owner, focus_words=FOCUS_WORDS, tz=tz
    )


def at(day: date, hour: float, tz: ZoneInfo) -> datetime:
    minutes = round(hour * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)


def ev(
    day: date, start: float, end: float, kind: EventKind, tz: ZoneInfo = BERLIN
) -> CalendarEvent:
    return CalendarEvent(at(day, start, tz), at(day, end, tz), kind, kind, all_day=False)


def spans(stretches: tuple[Stretch, ...] | list[Stretch], tz: ZoneInfo) -> list[str]:
    return [f"{s.start.astimezone(tz):%a %H:%M}-{s.end.astimezone(tz):%H:%M}" for s in stretches]


MON = date(2026, 3, 2)


def test_the_one_on_ones_week_in_berlin() -> None:
    """Mon 2 – Fri 6 March 2026, 09:00–17:00 Berlin, owner bob:
    Mon  1:1 Ana moved to 15–16        meeting 1    focus 9–15 = 6     fragmented 16–17 = 1
    Tue  1:1 Ben 13–13:30              meeting 0.5  focus 9–13 + 13:30–17 = 7.5
    Wed  1:1 Ana cancelled (EXDATE)                 focus 9–17 = 8
    Thu  Focus 9–11, 1:1 Ben (RDATE) 13–13:30
                                       meeting 0.5  focus 9–13 (focus event + free) + 13:30–17 = 7.5
    Fri  Vendor pitch declined, Retro 14:30–16, Deep work 16–17
                                       meeting 1.5  focus 9–14:30 = 5.5, Deep work 1 (short but
                                                    marked) = 6.5
    Total: meeting 3.5, focus 35.5, fragmented 1 (= 40 working hours)."""
    events = feed_events("one_on_ones.ics", MON, BERLIN, "bob@example.com")

    figures = measure_week(events, MON, OFFICE, BERLIN)

    assert (figures.meeting_hours, figures.focus_hours, figures.fragmented_hours) == (
        3.5,
        35.5,
        1.0,
    )
    assert figures.ooo_days == ()
    assert spans(figures.open_stretches, BERLIN) == [
        "Mon 09:00-15:00",
        "Tue 09:00-13:00",
        "Tue 13:30-17:00",
        "Wed 09:00-17:00",
        "Thu 11:00-13:00",  # the free part after the focus block, long enough to book
        "Thu 13:30-17:00",
        "Fri 09:00-14:30",
    ]
    assert spans(figures.focus_stretches, BERLIN)[-2:] == ["Fri 09:00-14:30", "Fri 16:00-17:00"]


def test_a_berlin_week_ending_in_the_dst_change() -> None:
    """Mon 23 – Sun 29 March 2026, working every day 09:00–17:00; clocks go forward on Sunday
    02:00. A daily 09:00–09:30 handover: each day meeting 0.5, focus 09:30–17:00 = 7.5.
    Sunday is still 8 working hours (07:00–15:00 UTC). Total: meeting 3.5, focus 52.5."""
    sunday = date(2026, 3, 29)
    events = feed_events("berlin_dst.ics", date(2026, 3, 23), BERLIN, None)

    figures = measure_week(events, date(2026, 3, 23), EVERY_DAY, BERLIN)

    assert (figures.meeting_hours, figures.focus_hours, figures.fragmented_hours) == (
        3.5,
        52.5,
        0.0,
    )
    last = figures.open_stretches[-1]
    assert (last.start.date(), last.hours) == (sunday, 7.5)
    assert last.start.astimezone(UTC).hour == 7  # 09:30 CEST


def test_a_new_york_week_after_the_dst_change_with_an_ooo_day() -> None:
    """Mon 9 – Fri 13 March 2026 (clocks went forward Sun 8), 09:00–17:00 New York, owner alice:
    Mon  Team sync 10–11 (set up as 15:00Z in winter; 10:00 local now)
                                     meeting 1  fragmented 9–10 = 1  focus 11–17 = 6
    Tue  Lunch with Sam 12–13 (busy) meeting 1  focus 9–12 + 13–17 = 7
    Wed  Budget review declined                 focus 8
    Thu  Team sync 10–11 (birthday is free, offsite cancelled)
                                     meeting 1  fragmented 1  focus 6
    Fri  out of office: not working time
    Total: meeting 3, focus 27, fragmented 2 (= 32 working hours), OOO Friday."""
    events = feed_events("newyork_dst.ics", date(2026, 3, 9), NEW_YORK, None)

    figures = measure_week(events, date(2026, 3, 9), OFFICE, NEW_YORK)

    assert (figures.meeting_hours, figures.focus_hours, figures.fragmented_hours) == (
        3.0,
        27.0,
        2.0,
    )
    assert figures.ooo_days == (date(2026, 3, 13),)


def test_overlapping_meetings_are_counted_once() -> None:
    """Meetings 10–11:30 and 11–12 overlap: 2 h of meetings, not 2.5. Free 9–10 (1 h,
    fragmented) and 12–17 (5 h, focus)."""
    events = [ev(MON, 10, 11.5, "meeting"), ev(MON, 11, 12, "busy")]
    one_day = WorkingHours(frozenset({0}), time(9), time(17))

    figures = measure_week(events, MON, one_day, BERLIN)

    assert (figures.meeting_hours, figures.focus_hours, figures.fragmented_hours) == (2.0, 5.0, 1.0)


def test_a_meeting_inside_a_focus_block_is_a_meeting() -> None:
    """Focus 9–13 with a meeting 10–11: meeting 1; 9–10 is focus-marked (1 h, short but
    marked) = focus; 11–13 is 2 h uninterrupted = focus; 13–17 free = focus. Focus 7."""
    events = [ev(MON, 9, 13, "focus"), ev(MON, 10, 11, "meeting")]
    one_day = WorkingHours(frozenset({0}), time(9), time(17))

    figures = measure_week(events, MON, one_day, BERLIN)

    assert (figures.meeting_hours, figures.focus_hours, figures.fragmented_hours) == (1.0, 7.0, 0.0)
    assert spans(figures.open_stretches, BERLIN) == ["Mon 13:00-17:00"]


def test_a_short_out_of_office_removes_working_time_and_a_whole_day_one_the_day() -> None:
    """Mon: OOO 13–17 leaves 9–13 (focus 4). Tue: OOO 08–18 covers the day: an OOO day.
    Events outside working hours (Wed 18–20) change nothing: Wed focus 8."""
    tue, wed = MON + timedelta(days=1), MON + timedelta(days=2)
    events = [ev(MON, 13, 17, "ooo"), ev(tue, 8, 18, "ooo"), ev(wed, 18, 20, "meeting")]
    three = WorkingHours(frozenset({0, 1, 2}), time(9), time(17))

    figures = measure_week(events, MON, three, BERLIN)

    assert (figures.meeting_hours, figures.focus_hours, figures.fragmented_hours) == (
        0.0,
        12.0,
        0.0,
    )
    assert figures.ooo_days == (tue,)


def test_so_far_and_ahead_add_up_and_the_best_stretches_are_still_open() -> None:
    """The one-on-ones week seen on Thursday 5 March at 12:00 Berlin.
    So far: Mon–Wed (meeting 1.5, focus 21.5, fragmented 1) + Thu 9–12 (focus 3: part of the
    9–13 stretch) = meeting 1.5, focus 24.5, fragmented 1.
    Ahead: Thu 12–13 (rest of that stretch: focus 1), 1:1 Ben 13–13:30, 13:30–17 (focus 3.5),
    Fri (meeting 1.5, focus 6.5) = meeting 2, focus 11, fragmented 0.
    Open ahead: Thu 12–13 is only 1 h now (not bookable), Thu 13:30–17 (3.5 h), Fri 9–14:30
    (5.5 h): the two best are those two, in time order."""
    events = feed_events("one_on_ones.ics", MON, BERLIN, "bob@example.com")
    now = at(date(2026, 3, 5), 12, BERLIN)

    split = split_week(events, MON, OFFICE, BERLIN, now)
    whole = measure_week(events, MON, OFFICE, BERLIN)

    so_far, ahead = split.so_far, split.ahead
    assert (so_far.meeting_hours, so_far.focus_hours, so_far.fragmented_hours) == (1.5, 24.5, 1.0)
    assert (ahead.meeting_hours, ahead.focus_hours, ahead.fragmented_hours) == (2.0, 11.0, 0.0)
    assert spans(ahead.open_stretches, BERLIN) == ["Thu 13:30-17:00", "Fri 09:00-14:30"]
    best = best_open_stretches(whole, now)
    assert spans(best, BERLIN) == ["Thu 13:30-17:00", "Fri 09:00-14:30"]
    assert spans(best_open_stretches(whole, now, n=1), BERLIN) == ["Fri 09:00-14:30"]


def test_best_open_stretches_cut_a_stretch_that_has_begun() -> None:
    """At Monday 11:00 the Monday 9–15 stretch has 4 h left; Wednesday's 8 h is still best."""
    events = feed_events("one_on_ones.ics", MON, BERLIN, "bob@example.com")
    figures = measure_week(events, MON, OFFICE, BERLIN)

    best = best_open_stretches(figures, at(MON, 11, BERLIN), n=3)

    assert spans(best, BERLIN) == ["Mon 11:00-15:00", "Wed 09:00-17:00", "Fri 09:00-14:30"]


def test_the_recurring_meeting_that_takes_most_hours() -> None:
    """1:1 Ana (moved, 1 h) and 1:1 Ben (0.5 + 0.5 h) recur; Retro does not. Ties go to the
    title first in alphabetical order."""
    events = feed_events("one_on_ones.ics", MON, BERLIN, "bob@example.com")

    assert heaviest_recurring_meeting(events, MON, OFFICE, BERLIN) == ("1:1 Ana (moved)", 1.0)
    assert heaviest_recurring_meeting([], MON, OFFICE, BERLIN) is None


def test_a_week_with_no_events_is_all_focus_in_any_zone() -> None:
    """A New York week with the DST change on Sunday 8 March, every day 09:00–17:00: 7 × 8 h."""
    figures = measure_week([], date(2026, 3, 2), EVERY_DAY, NEW_YORK)

    assert figures.focus_hours == 56.0
    assert all(s.hours == 8.0 for s in figures.open_stretches)


KINDS = st.sampled_from(["meeting", "busy", "focus", "ooo"])


@st.composite
def timed_events(draw: st.DrawFn) -> CalendarEvent:
    day = MON + timedelta(days=draw(st.integers(0, 6)))
    start = draw(st.integers(0, 94))  # quarter hours
    end = min(start + draw(st.integers(1, 24)), 95)
    return ev(day, start / 4, end / 4, draw(KINDS))


@settings(deadline=None, max_examples=200)
@given(st.lists(timed_events(), max_size=25), st.integers(0, 7 * 24 * 4))
def test_the_parts_always_add_up_to_the_working_time(
    events: list[CalendarEvent], quarter: int
) -> None:
    """meeting + focus + fragmented = working time not out of office, whatever the events;
    and so far + ahead = the whole week."""
    figures = measure_week(events, MON, OFFICE, BERLIN)
    away = measure_week([e for e in events if e.kind == "ooo"], MON, OFFICE, BERLIN)
    working = away.focus_hours + away.fragmented_hours  # an empty calendar but for OOO

    total = figures.meeting_hours + figures.focus_hours + figures.fragmented_hours
    assert abs(total - working) < 1e-9
    now = datetime.combine(MON, time(0), tzinfo=BERLIN) + timedelta(minutes=15 * quarter)
    split = split_week(events, MON, OFFICE, BERLIN, now)
    for name in ("meeting_hours", "focus_hours", "fragmented_hours"):
        parts = getattr(split.so_far, name) + getattr(split.ahead, name)
        assert abs(parts - getattr(figures, name)) < 1e-9
