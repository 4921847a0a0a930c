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
_MAX_OCCURRENCES_PER_WEEK = 20_000  # a sane calendar's week holds a few hundred at most


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
    """The occurrences overlapping [start, end), sorted by start (see `Feed.events_between`).

    Parsing dominates the cost (seconds for a feed of several MB): to look at several weeks,
    `read_feed` once and ask the `Feed` for each range, or ask once for the whole span.
    """
    feed = read_feed(ics, owner_email=owner_email, focus_words=focus_words, tz=tz)
    return feed.events_between(start, end)


def read_feed(
    ics: bytes, *, owner_email: str | None, focus_words: Sequence[str], tz: tzinfo = UTC
) -> Feed:
    """Parse a feed once. Raises `CalendarParseError` and nothing else for a feed it can't read.

    `tz` is the manager's zone: it places all-day events and floating times that the feed
    leaves without a zone (a feed's X-WR-TIMEZONE wins over it). Declines are read against
    `owner_email`, or against Google's X-WR-CALNAME when that is an address.
    """
    try:
        calendar = icalendar.Calendar.from_ical(ics)
    except Exception as exc:  # the parser raises many types for bad input; one is ours
        raise CalendarParseError(f"not an iCalendar document ({type(exc).__name__})") from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise CalendarParseError("no VCALENDAR in the feed")
    try:
        owner = _owner(calendar, owner_email)
        zone = _feed_zone(calendar) or tz
        _drop_what_would_sink_the_feed(calendar)
        query = recurring_ical_events.of(
            calendar, keep_recurrence_attributes=True, skip_bad_series=True
        )
    except Exception as exc:
        raise CalendarParseError(f"unreadable calendar ({type(exc).__name__})") from exc
    return Feed(query, owner, _focus_pattern(focus_words), zone)


class Feed:
    """A parsed feed, ready to be asked for the occurrences of any span."""

    def __init__(
        self, query: Any, owner: str | None, focus: re.Pattern[str] | None, zone: tzinfo
    ) -> None:
        self._query = query
        self._owner = owner
        self._focus = focus
        self._zone = zone

    def events_between(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        """The occurrences overlapping [start, end), sorted by start. Declined, cancelled and
        free (TRANSP:TRANSPARENT) events are left out. Raises `CalendarParseError` for a
        series the libraries can't expand, and nothing else."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("events_between needs timezone-aware bounds")
        try:
            return self._events_between(start, end)
        except CalendarParseError:
            raise
        except Exception as exc:  # expansion is lazy: bad input can surface only here
            raise CalendarParseError(f"unreadable calendar ({type(exc).__name__})") from exc

    def _events_between(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        # Pad by a day: all-day and floating events are placed in a zone only afterwards.
        day = timedelta(days=1)
        occurrences = self._query.between(start.astimezone(UTC) - day, end.astimezone(UTC) + day)
        weeks = max(1.0, (end - start) / timedelta(weeks=1))
        if len(occurrences) > _MAX_OCCURRENCES_PER_WEEK * weeks:
            raise CalendarParseError("too many events")
        found: list[CalendarEvent] = []
        for component in occurrences:
            event = _event(component, self._owner, self._focus, self._zone)
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
        c for c in calendar.subcomponents if c.name != "VEVENT" or _well_formed(c)
    ]


_ONCE = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")  # properties allowed at most once


def _well_formed(event: Any) -> bool:
    """An event the recurrence library can place: a start, and no doubled time property
    (which the parser hands over as a list, and the library then trips on)."""
    if "DTSTART" not in event:
        return False
    return all(not isinstance(event.get(name), list) for name in _ONCE)


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
    if transparent or busy_status in ("FREE", "WORKINGELSEWHERE"):
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
