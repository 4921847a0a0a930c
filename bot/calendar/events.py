"""Turn an iCalendar feed into the occurrences that shape a week.

Recurrence (RRULE, RDATE, EXDATE, moved instances with RECURRENCE-ID), VTIMEZONE and Google's
X-WR-TIMEZONE are left to `icalendar` and `recurring-ical-events`; this module only decides
what each occurrence means for the manager's time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from bot.calendar.model import CalendarEvent, EventKind

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_OCCURRENCES = 20_000  # a week of a sane calendar holds a few hundred at most


class CalendarParseError(ValueError):
    """The feed is not an iCalendar document this module can read."""


def events_between(
    ics: bytes,
    start: datetime,
    end: datetime,
    *,
    owner_email: str | None,
    focus_words: Sequence[str],
    tz: tzinfo = UTC,
) -> list[CalendarEvent]:
    """The occurrences overlapping [start, end), sorted by start.

    `tz` is the manager's zone: it places all-day events and floating times that the feed
    leaves without a zone (a feed's X-WR-TIMEZONE wins over it). Declined, cancelled and free
    (TRANSP:TRANSPARENT) events are left out. Raises `CalendarParseError` and nothing else
    for a feed it can't read.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("events_between needs timezone-aware bounds")
    try:
        return _events_between(ics, start, end, owner_email, focus_words, tz)
    except CalendarParseError:
        raise
    except Exception as exc:  # the parsers raise many types for bad input; one is ours
        raise CalendarParseError(f"unreadable calendar ({type(exc).__name__})") from exc


def _events_between(
    ics: bytes,
    start: datetime,
    end: datetime,
    owner_email: str | None,
    focus_words: Sequence[str],
    tz: tzinfo,
) -> list[CalendarEvent]:
    try:
        calendar = icalendar.Calendar.from_ical(ics)
    except Exception as exc:
        raise CalendarParseError(f"not an iCalendar document ({type(exc).__name__})") from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise CalendarParseError("no VCALENDAR in the feed")
    owner = _owner(calendar, owner_email)
    focus = _focus_pattern(focus_words)
    zone = _feed_zone(calendar) or tz
    _drop_what_would_sink_the_feed(calendar)
    query = recurring_ical_events.of(
        calendar, keep_recurrence_attributes=True, skip_bad_series=True
    )
    # Pad by a day: all-day and floating events are placed in a zone only afterwards.
    occurrences = query.between(
        start.astimezone(UTC) - timedelta(days=1), end.astimezone(UTC) + timedelta(days=1)
    )
    if len(occurrences) > _MAX_OCCURRENCES:
        raise CalendarParseError("too many events in one week")
    found: list[CalendarEvent] = []
    for component in occurrences:
        event = _event(component, owner, focus, zone)
        if event is not None and event.start < end and event.end > start:
            found.append(event)
    found.sort(key=lambda e: (e.start, e.end, e.summary))
    return found


def _owner(calendar: icalendar.Calendar, owner_email: str | None) -> str | None:
    """Whose declines count: the given address, or Google's X-WR-CALNAME when it's one."""
    if owner_email:
        return owner_email.strip().lower()
    name = str(calendar.get("X-WR-CALNAME", "")).strip()
    return name.lower() if _EMAIL.match(name) else None


def _feed_zone(calendar: icalendar.Calendar) -> tzinfo | None:
    name = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


def _drop_what_would_sink_the_feed(calendar: icalendar.Calendar) -> None:
    """One odd event or an unknown zone name should not make a whole feed unreadable."""
    if "X-WR-TIMEZONE" in calendar and _feed_zone(calendar) is None:
        del calendar["X-WR-TIMEZONE"]
    calendar.subcomponents = [
        c for c in calendar.subcomponents if c.name != "VEVENT" or "DTSTART" in c
    ]


def _focus_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    phrases = [w.strip() for w in words if w.strip()]
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _event(
    component: Any, owner: str | None, focus: re.Pattern[str] | None, zone: tzinfo
) -> CalendarEvent | None:
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if owner and _declined(component, owner):
        return None
    begin = component.get("DTSTART")
    if begin is None:
        return None
    finish = component.get("DTEND")
    start_value = begin.dt
    end_value = finish.dt if finish is not None else None
    all_day = isinstance(start_value, date) and not isinstance(start_value, datetime)
    start = _instant(start_value, zone)
    end = _instant(end_value, zone) if end_value is not None else None
    if end is None:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    if end <= start:
        return None
    summary = str(component.get("SUMMARY", "")).strip()
    kind = _kind(component, summary, all_day, owner, focus)
    if kind is None:
        return None
    return CalendarEvent(
        start=start,
        end=end,
        kind=kind,
        summary=summary,
        all_day=all_day,
        recurring=_recurring(component, start_value),
    )


def _recurring(component: Any, start_value: date | datetime) -> bool:
    if "RRULE" in component or "RDATE" in component:
        return True
    # recurring-ical-events stamps every copy with RECURRENCE-ID = DTSTART; a moved
    # instance keeps the original slot, which differs from where it now starts.
    recurrence_id = component.get("RECURRENCE-ID")
    return recurrence_id is not None and recurrence_id.dt != start_value


def _instant(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    return datetime.combine(value, time(0), tzinfo=zone)


def _kind(
    component: Any,
    summary: str,
    all_day: bool,
    owner: str | None,
    focus: re.Pattern[str] | None,
) -> EventKind | None:
    busy_status = str(component.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper()
    if busy_status == "OOF":
        return "ooo"
    transparent = str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
    if transparent or busy_status == "FREE":
        return None
    if focus is not None and focus.search(summary):
        return "focus"
    if all_day:
        return "ooo"
    if _others_attend(component, owner):
        return "meeting"
    return "busy"


def _attendees(component: Any) -> list[Any]:
    value = component.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _address(value: Any) -> str:
    text = str(value).strip().lower()
    return text[len("mailto:") :] if text.startswith("mailto:") else text


def _declined(component: Any, owner: str) -> bool:
    for attendee in _attendees(component):
        if _address(attendee) == owner:
            params = getattr(attendee, "params", {})
            return str(params.get("PARTSTAT", "")).upper() == "DECLINED"
    return False


def _others_attend(component: Any, owner: str | None) -> bool:
    organizer = component.get("ORGANIZER")
    people = {_address(a) for a in _attendees(component)}
    if organizer is not None and people:
        people.add(_address(organizer))
    if owner:
        people.discard(owner)
    # Without a known owner, one attendee is the owner themselves; two or more is a meeting.
    return len(people) >= (1 if owner else 2)
