"""Reading a feed into occurrences: recurrence, zones, declines, free time, focus, OOO."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar.events import CalendarParseError, events_between
from bot.calendar.model import CalendarEvent
from tests.support.calendar_feeds import fixture

FOCUS_WORDS = ("Focus", "No meetings", "Deep work")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def week(start: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(0), tzinfo=tz),
        datetime.combine(start + timedelta(days=7), time(0), tzinfo=tz),
    )


def read(name: str, start: date, tz: ZoneInfo, owner: str | None = None) -> list[CalendarEvent]:
    low, high = week(start, tz)
    return events_between(
        fixture(name), low, high, owner_email=owner, focus_words=FOCUS_WORDS, tz=tz
    )


def local(event: CalendarEvent, tz: ZoneInfo) -> tuple[str, str, str, str]:
    return (
        event.start.astimezone(tz).strftime("%a %d %H:%M"),
        event.end.astimezone(tz).strftime("%H:%M"),
        event.kind,
        event.summary,
    )


def test_recurring_one_on_ones_with_an_exdate_an_rdate_and_a_moved_instance() -> None:
    events = read("one_on_ones.ics", date(2026, 3, 2), BERLIN, owner="bob@example.com")

    assert [local(e, BERLIN) for e in events] == [
        ("Mon 02 15:00", "16:00", "meeting", "1:1 Ana (moved)"),  # moved from 10:00
        ("Tue 03 13:00", "13:30", "meeting", "1:1 Ben"),  # tentative still counts
        # Wed 04 10:00 1:1 Ana is an EXDATE
        ("Thu 05 09:00", "11:00", "focus", "Focus: design doc"),
        ("Thu 05 13:00", "13:30", "meeting", "1:1 Ben"),  # the RDATE
        # Fri 06 10:00 Vendor pitch is declined by bob
        ("Fri 06 14:30", "16:00", "meeting", "Retro"),
        ("Fri 06 16:00", "17:00", "focus", "Deep work"),
    ]
    assert [e.recurring for e in events] == [True, True, False, True, False, False]


def test_a_declined_event_counts_only_for_whom_it_was_not_declined() -> None:
    events = read("one_on_ones.ics", date(2026, 3, 2), BERLIN, owner=None)

    assert "Vendor pitch" in [e.summary for e in events]  # no owner known: can't tell


def test_a_daily_event_keeps_its_wall_clock_time_across_the_berlin_dst_change() -> None:
    events = read("berlin_dst.ics", date(2026, 3, 23), BERLIN)

    assert [local(e, BERLIN)[:2] for e in events] == [
        (f"{day} 09:00", "09:30")
        for day in ("Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27", "Sat 28", "Sun 29")
    ]
    # Sunday is the first day of summer time: 09:00 CEST is 07:00 UTC, not 08:00.
    assert events[-1].start.astimezone(ZoneInfo("UTC")).hour == 7
    assert events[0].start.astimezone(ZoneInfo("UTC")).hour == 8


def test_a_google_feed_in_new_york_after_the_dst_change() -> None:
    """Google writes recurring times in UTC and names the zone in X-WR-TIMEZONE: the weekly
    sync set up at 10:00 EST (15:00Z) stays at 10:00 local (14:00Z) after the change."""
    events = read("newyork_dst.ics", date(2026, 3, 9), NEW_YORK)

    assert [local(e, NEW_YORK) for e in events] == [
        ("Mon 09 10:00", "11:00", "meeting", "Team sync"),
        ("Tue 10 12:00", "13:00", "busy", "Lunch with Sam"),  # floating time: New York
        # Wed 11 Budget review: alice (X-WR-CALNAME) declined
        ("Thu 12 10:00", "11:00", "meeting", "Team sync"),
        # Thu 12 birthday is transparent; Offsite planning is cancelled
        ("Fri 13 00:00", "00:00", "ooo", "Out of office"),
    ]
    assert events[-1].all_day
    assert events[-1].end - events[-1].start == timedelta(days=1)


def test_focus_words_match_whole_words_in_any_case() -> None:
    ics = calendar(
        event("a", "20260302T090000Z", "20260302T100000Z", "NO MEETINGS please"),
        event("b", "20260302T110000Z", "20260302T120000Z", "Refocus retro"),
        event("c", "20260302T130000Z", "20260302T140000Z", "Deep work: migration"),
    )
    low, high = week(date(2026, 3, 2), ZoneInfo("UTC"))

    events = events_between(ics, low, high, owner_email=None, focus_words=FOCUS_WORDS)

    assert [e.kind for e in events] == ["focus", "busy", "focus"]


def test_outlook_busy_status_decides_free_and_out_of_office() -> None:
    ics = calendar(
        event(
            "a", "20260302T090000Z", "20260302T100000Z", "Hold", "X-MICROSOFT-CDO-BUSYSTATUS:FREE"
        ),
        event(
            "b", "20260302T120000Z", "20260302T170000Z", "Dentist", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"
        ),
        event(
            "c",
            "20260303T090000Z",
            "20260303T170000Z",
            "Office",
            "X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE",
        ),
    )
    low, high = week(date(2026, 3, 2), ZoneInfo("UTC"))

    events = events_between(ics, low, high, owner_email=None, focus_words=FOCUS_WORDS)

    assert [(e.summary, e.kind) for e in events] == [("Dentist", "ooo")]


def test_an_event_with_only_the_owner_is_busy_and_with_others_a_meeting() -> None:
    me = "ORGANIZER:mailto:me@example.com\nATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com"
    them = me + "\nATTENDEE;PARTSTAT=ACCEPTED:mailto:you@example.com"
    ics = calendar(
        event("a", "20260302T090000Z", "20260302T100000Z", "Prep", me),
        event("b", "20260302T110000Z", "20260302T120000Z", "Sync", them),
    )
    low, high = week(date(2026, 3, 2), ZoneInfo("UTC"))

    events = events_between(ics, low, high, owner_email="Me@Example.com", focus_words=())

    assert [e.kind for e in events] == ["busy", "meeting"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html></html>",
        b"BEGIN:VCALENDAR\r\n",
        b"BEGIN:VEVENT\r\nEND:VEVENT\r\n",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:not-a-date\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"\xff\xfe\x00garbage",
    ],
)
def test_a_malformed_feed_is_a_parse_error(body: bytes) -> None:
    low, high = week(date(2026, 3, 2), ZoneInfo("UTC"))
    try:
        events = events_between(body, low, high, owner_email=None, focus_words=FOCUS_WORDS)
    except CalendarParseError as error:
        assert str(error)
    else:
        assert events == []  # what the parser could read held nothing this week


def test_a_feed_without_any_calendar_is_a_parse_error() -> None:
    low, high = week(date(2026, 3, 2), ZoneInfo("UTC"))

    with pytest.raises(CalendarParseError):
        events_between(b"hello", low, high, owner_email=None, focus_words=())


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_nothing_but_a_parse_error(body: bytes) -> None:
    low, high = week(date(2026, 3, 2), ZoneInfo("UTC"))
    with contextlib.suppress(CalendarParseError):
        events_between(body, low, high, owner_email=None, focus_words=FOCUS_WORDS)


ICS_LINES = st.sampled_from(
    [
        "BEGIN:VCALENDAR",
        "END:VCALENDAR",
        "BEGIN:VEVENT",
        "END:VEVENT",
        "DTSTART:20260302T090000Z",
        "DTSTART;VALUE=DATE:20260303",
        "DTSTART;TZID=Europe/Berlin:20260302T090000",
        "DTSTART;TZID=Nowhere/Else:20260302T090000",
        "DTEND:20260302T080000Z",
        "DTEND:20260302T110000Z",
        "DURATION:PT1H",
        "DURATION:-P1D",
        "RRULE:FREQ=DAILY",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,XX",
        "RRULE:FREQ=MINUTELY;INTERVAL=0",
        "EXDATE:20260303T090000Z",
        "RDATE:garbage",
        "RECURRENCE-ID:20260302T090000Z",
        "TRANSP:TRANSPARENT",
        "STATUS:CANCELLED",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com",
        "X-WR-TIMEZONE:America/New_York",
        "X-WR-TIMEZONE:Not/AZone",
        "SUMMARY:Focus",
        "BEGIN:VTIMEZONE",
        "END:VTIMEZONE",
        "TZID:Europe/Berlin",
    ]
)


@settings(deadline=None, max_examples=300)
@given(st.lists(ICS_LINES, max_size=30))
def test_almost_calendars_raise_nothing_but_a_parse_error(lines: list[str]) -> None:
    body = "\r\n".join(["BEGIN:VCALENDAR", *lines, "END:VCALENDAR"]).encode()
    low, high = week(date(2026, 3, 2), ZoneInfo("UTC"))
    try:
        events = events_between(body, low, high, owner_email=None, focus_words=FOCUS_WORDS)
    except CalendarParseError:
        return
    for e in events:
        assert e.start < e.end
        assert e.start.tzinfo is not None


def event(uid: str, start: str, end: str, summary: str, extra: str = "") -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}@pendulum.test",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"SUMMARY:{summary}",
        *([extra] if extra else []),
        "END:VEVENT",
    ]
    return "\n".join(lines)


def calendar(*events: str) -> bytes:
    text = "\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", *events, "END:VCALENDAR"]
    )
    return text.replace("\n", "\r\n").encode()


def test_a_malformed_event_or_an_unknown_zone_name_does_not_sink_the_feed() -> None:
    doubled = "\n".join(
        [
            "BEGIN:VEVENT",
            "UID:doubled@pendulum.test",
            "DTSTART:20260303T090000",
            "DTSTART:20260303T100000",
            "RECURRENCE-ID:20260303T090000",
            "END:VEVENT",
        ]
    )
    ics = calendar(
        "BEGIN:VEVENT\nUID:broken@pendulum.test\nSUMMARY:No start\nEND:VEVENT",
        doubled,
        event("ok", "20260302T090000", "20260302T100000", "Planning"),
    ).replace(b"VERSION:2.0", b"VERSION:2.0\r\nX-WR-TIMEZONE:Not/AZone")
    low, high = week(date(2026, 3, 2), BERLIN)

    events = events_between(ics, low, high, owner_email=None, focus_words=(), tz=BERLIN)

    assert [local(e, BERLIN) for e in events] == [("Mon 02 09:00", "10:00", "busy", "Planning")]
