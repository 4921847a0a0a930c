"""Calendars for the workbench's sample managers, so a newcomer sees focus time without a feed
of their own.

`sample_feed_ics(user_id, week_start)` builds an iCalendar feed around the week that starts on
`week_start` (the Monday of the workbench clock's week, in the manager's zone): weekly series
that began eight weeks earlier (so the App Home chart has history), a few one-off events this
week, and the things real feeds carry (a declined invitation, a cancelled occurrence, a moved
one, an out-of-office day). Each manager has a different week:

- Alice (New York): meeting-heavy; little focus, most of it fragmented.
- Bob (Berlin): protects his mornings with focus blocks.
- Chen (Sydney): a meeting every couple of hours: plenty of free time, none of it long.
- Dana (Kolkata): out of office on Friday; a moved 1:1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from workbench.sample import ALICE, BOB, CHEN, DANA, sample_users

HISTORY_WEEKS = 8
_DAYS = ("MO", "TU", "WE", "TH", "FR")


@dataclass(frozen=True)
class _Series:
    summary: str
    weekday: int  # first occurrence's weekday, 0 = Monday
    start: time
    minutes: int
    byday: tuple[str, ...] = ()  # empty: weekly on `weekday`
    interval: int = 1
    with_team: bool = True  # other attendees: a meeting; none: busy or focus by its title
    cancelled_this_week: bool = False  # an EXDATE on this week's occurrence


@dataclass(frozen=True)
class _OneOff:
    summary: str
    weekday: int
    start: time
    minutes: int
    with_team: bool = True
    declined: bool = False


_SERIES: dict[str, tuple[_Series, ...]] = {
    ALICE: (
        _Series("Standup", 0, time(9, 30), 15, byday=_DAYS),
        _Series("1:1 Priya", 1, time(10), 60),
        _Series("1:1 Marcus", 1, time(14), 60),
        _Series("Product sync", 2, time(11), 60),
        _Series("Staff meeting", 3, time(13), 90),
        _Series("Sprint demo", 4, time(15), 60, interval=2),
        _Series("Architecture review", 2, time(15), 60, cancelled_this_week=True),
        _Series("Customer call", 0, time(11), 60, byday=("MO", "TH")),
        _Series("Planning", 0, time(14), 90),
        _Series("Interviews", 1, time(15, 30), 60, byday=("TU", "TH")),
        _Series("Skip-level", 4, time(10, 30), 60),
        _Series("Cross-team sync", 4, time(13), 60),
        _Series("Leads lunch", 2, time(12, 30), 60),
        _Series("Hiring sync", 2, time(14, 30), 30),
    ),
    BOB: (
        _Series("Standup", 0, time(9, 15), 15, byday=_DAYS),
        _Series("Focus: architecture", 0, time(10), 120, byday=("MO", "WE"), with_team=False),
        _Series("1:1 Jonas", 3, time(14), 60, interval=2),
        _Series("Team retro", 4, time(15), 60),
    ),
    CHEN: (
        _Series("Check-in", 0, time(9), 30, byday=_DAYS[:4]),
        _Series("Design review", 0, time(11), 30, byday=_DAYS[:4]),
        _Series("Support triage", 0, time(13), 30, byday=_DAYS[:4]),
        _Series("Pairing slot", 0, time(15), 30, byday=_DAYS[:4]),
        _Series("No meetings", 4, time(9), 180, with_team=False),
    ),
    DANA: (
        _Series("Standup", 0, time(10), 15, byday=_DAYS),
        _Series("1:1 Ravi", 1, time(11), 60),
        _Series("Roadmap planning", 2, time(14), 90, interval=2),
    ),
}

_THIS_WEEK: dict[str, tuple[_OneOff, ...]] = {
    ALICE: (
        _OneOff("Hiring debrief", 3, time(10), 90),
        _OneOff("Vendor demo", 0, time(13), 60, declined=True),
    ),
    BOB: (_OneOff("Incident review", 1, time(14), 60),),
    CHEN: (_OneOff("Budget call", 4, time(14), 60),),
    DANA: (),
}


def sample_feed_ics(user_id: str, week_start: date) -> bytes | None:
    """The sample manager's feed around this week, or None for anyone else."""
    user = next((u for u in sample_users() if u.id == user_id), None)
    if user is None or user_id not in _SERIES:
        return None
    zone = ZoneInfo(user.tz)
    owner = sample_email(user_id)
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//Pendulum//workbench sample calendar//EN")
    calendar.add("VERSION", "2.0")
    calendar.add("X-WR-CALNAME", owner)  # as Google does: declines are read against it
    for series in _SERIES[user_id]:
        calendar.add_component(_series_event(user_id, series, week_start, zone, owner))
    for one_off in _THIS_WEEK[user_id]:
        calendar.add_component(_one_off_event(user_id, one_off, week_start, zone, owner))
    for extra in _quirks(user_id, week_start, zone, owner):
        calendar.add_component(extra)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def sample_email(user_id: str) -> str:
    user = next(u for u in sample_users() if u.id == user_id)
    return user.email or f"{user.name}@acme.example"


def _at(day: date, start: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, start, tzinfo=zone)


def _event(
    uid: str, summary: str, begin: datetime, minutes: int, owner: str, with_team: bool
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("UID", f"{uid}@workbench.pendulum")
    event.add("SUMMARY", summary)
    event.add("DTSTART", begin)
    event.add("DTEND", begin + timedelta(minutes=minutes))
    event.add("DTSTAMP", begin)
    if with_team:
        event.add("ORGANIZER", f"mailto:{owner}")
        event.add("ATTENDEE", f"mailto:{owner}", parameters={"PARTSTAT": "ACCEPTED"})
        event.add("ATTENDEE", "mailto:team@acme.example", parameters={"PARTSTAT": "ACCEPTED"})
    return event


def _uid(user_id: str, summary: str) -> str:
    return f"{user_id.lower()}-{summary.lower().replace(' ', '-').replace(':', '')}"


def _series_event(
    user_id: str, series: _Series, week_start: date, zone: ZoneInfo, owner: str
) -> icalendar.Event:
    first_week = week_start - timedelta(weeks=HISTORY_WEEKS)
    begin = _at(first_week + timedelta(days=series.weekday), series.start, zone)
    event = _event(
        _uid(user_id, series.summary),
        series.summary,
        begin,
        series.minutes,
        owner,
        series.with_team,
    )
    rule: dict[str, object] = {"FREQ": "WEEKLY", "INTERVAL": series.interval}
    if series.byday:
        rule["BYDAY"] = list(series.byday)
    event.add("RRULE", rule)
    if series.cancelled_this_week:
        event.add("EXDATE", _at(week_start + timedelta(days=series.weekday), series.start, zone))
    return event


def _one_off_event(
    user_id: str, one_off: _OneOff, week_start: date, zone: ZoneInfo, owner: str
) -> icalendar.Event:
    begin = _at(week_start + timedelta(days=one_off.weekday), one_off.start, zone)
    uid = f"{_uid(user_id, one_off.summary)}-{week_start.isoformat()}"
    if not one_off.declined:
        return _event(uid, one_off.summary, begin, one_off.minutes, owner, one_off.with_team)
    event = _event(uid, one_off.summary, begin, one_off.minutes, "sales@vendor.example", False)
    event.add("ORGANIZER", "mailto:sales@vendor.example")
    event.add("ATTENDEE", f"mailto:{owner}", parameters={"PARTSTAT": "DECLINED"})
    event.add("ATTENDEE", "mailto:sales@vendor.example", parameters={"PARTSTAT": "ACCEPTED"})
    return event


def _quirks(user_id: str, week_start: date, zone: ZoneInfo, owner: str) -> list[icalendar.Event]:
    """This week's exceptions to the series: what makes a sample feed look like a real one."""
    if user_id == DANA:
        # Tuesday's 1:1 moves to Wednesday afternoon; Friday is out of office.
        original = _at(week_start + timedelta(days=1), time(11), zone)
        moved = _event(
            _uid(DANA, "1:1 Ravi"),
            "1:1 Ravi",
            _at(week_start + timedelta(days=2), time(16), zone),
            60,
            owner,
            True,
        )
        moved.add("RECURRENCE-ID", original)
        away = icalendar.Event()
        away.add("UID", f"{_uid(DANA, 'ooo')}-{week_start.isoformat()}@workbench.pendulum")
        away.add("SUMMARY", "Out of office")
        away.add("DTSTART", week_start + timedelta(days=4))
        away.add("DTEND", week_start + timedelta(days=5))
        away.add("DTSTAMP", original)
        away.add("TRANSP", "OPAQUE")
        return [moved, away]
    return []
