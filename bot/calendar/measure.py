"""What a week holds, within the manager's working hours: pure rules over calendar events.

- Meeting hours: meetings and anything busy, overlaps merged.
- Focus hours: uninterrupted stretches (free time plus focus-marked events) of at least
  `min_focus`, and focus-marked events wherever they are.
- Fragmented hours: the free time left over, in stretches shorter than `min_focus`.
- Out-of-office days (all-day OOO/busy events, or OOO covering the whole working day) are
  not working time at all; a shorter OOO event removes its span from working time.

So meeting + focus + fragmented = working time of the week. All arithmetic happens on UTC
instants built from wall-clock times in the manager's zone, so DST weeks come out right (a
09:00–17:00 day is 8 h on the day the clocks change).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar.model import CalendarEvent, Stretch, WeekFigures, WorkingHours

MIN_FOCUS = timedelta(hours=2)

Span = tuple[datetime, datetime]  # UTC, start < end


@dataclass(frozen=True)
class _Week:
    week_start: date
    meetings: tuple[Span, ...]
    focus: tuple[Span, ...]
    fragmented: tuple[Span, ...]
    open: tuple[Span, ...]  # free stretches of at least min_focus, no event in them
    ooo_days: tuple[date, ...]


@dataclass(frozen=True)
class WeekSplit:
    """One week seen from `now`: what is behind and what is still ahead."""

    so_far: WeekFigures
    ahead: WeekFigures


def measure_week(
    events: Iterable[CalendarEvent],
    week_start: date,
    hours: WorkingHours,
    tz: ZoneInfo,
    *,
    min_focus: timedelta = MIN_FOCUS,
) -> WeekFigures:
    """The figures of the seven days from `week_start` (a date in the manager's zone)."""
    return _figures(_classify(list(events), week_start, hours, tz, min_focus), tz)


def split_week(
    events: Iterable[CalendarEvent],
    week_start: date,
    hours: WorkingHours,
    tz: ZoneInfo,
    now: datetime,
    *,
    min_focus: timedelta = MIN_FOCUS,
) -> WeekSplit:
    """The week's figures cut at `now`: so_far + ahead add up to the whole week.

    A stretch is classified by its full length, then cut: the first hour of a three-hour
    stretch that `now` falls into still counts as focus so far. The open stretches ahead are
    only those still at least `min_focus` long from `now` on (time that can still be booked).
    """
    week = _classify(list(events), week_start, hours, tz, min_focus)
    instant = now.astimezone(UTC)
    before = _cut(week, None, instant)
    after = _cut(week, instant, None)
    after = _Week(
        week_start=after.week_start,
        meetings=after.meetings,
        focus=after.focus,
        fragmented=after.fragmented,
        open=tuple(s for s in after.open if s[1] - s[0] >= min_focus),
        ooo_days=after.ooo_days,
    )
    return WeekSplit(so_far=_figures(before, tz), ahead=_figures(after, tz))


def best_open_stretches(
    figures: WeekFigures, now: datetime, n: int = 2, *, min_focus: timedelta = MIN_FOCUS
) -> list[Stretch]:
    """The `n` longest free stretches still ahead of `now` (ties: the earlier), in time order."""
    instant = now.astimezone(UTC)
    ahead: list[Stretch] = []
    for stretch in figures.open_stretches:
        start = max(stretch.start.astimezone(UTC), instant)
        end = stretch.end.astimezone(UTC)
        if end - start >= min_focus:
            ahead.append(Stretch(start.astimezone(stretch.start.tzinfo), stretch.end))
    best = sorted(ahead, key=lambda s: (-s.hours, s.start))[:n]
    return sorted(best, key=lambda s: s.start)


def heaviest_recurring_meeting(
    events: Iterable[CalendarEvent],
    week_start: date,
    hours: WorkingHours,
    tz: ZoneInfo,
) -> tuple[str, float] | None:
    """The recurring meeting (by title) that takes the most working hours this week."""
    totals: dict[str, float] = {}
    windows = [w for _, w in _working_windows(week_start, hours, tz)]
    for event in events:
        if event.kind != "meeting" or not event.recurring or event.all_day:
            continue
        span = _utc(event)
        inside = sum(_overlap(span, w) for w in windows)
        if inside > 0:
            totals[event.summary] = totals.get(event.summary, 0.0) + inside / 3600
    if not totals:
        return None
    title = max(sorted(totals), key=lambda t: totals[t])
    return title, totals[title]


def _classify(
    events: Sequence[CalendarEvent],
    week_start: date,
    hours: WorkingHours,
    tz: ZoneInfo,
    min_focus: timedelta,
) -> _Week:
    away_dates = _all_day_ooo_dates(events)
    timed = [e for e in events if not e.all_day]
    meetings_all = _merge(_utc(e) for e in timed if e.kind in ("meeting", "busy"))
    away_all = _merge(_utc(e) for e in timed if e.kind == "ooo")
    focus_marked_all = _merge(_utc(e) for e in timed if e.kind == "focus")

    meetings: list[Span] = []
    focus: list[Span] = []
    fragmented: list[Span] = []
    open_: list[Span] = []
    ooo_days: list[date] = []
    for day, window in _working_windows(week_start, hours, tz):
        working = _subtract([window], away_all)
        if day in away_dates or not working:
            ooo_days.append(day)
            continue
        day_meetings = _intersect(meetings_all, working)
        meetings.extend(day_meetings)
        uninterrupted = _subtract(working, day_meetings)
        marked = _intersect(focus_marked_all, uninterrupted)
        for stretch in uninterrupted:
            if stretch[1] - stretch[0] >= min_focus:
                focus.append(stretch)
                open_.extend(s for s in _subtract([stretch], marked) if s[1] - s[0] >= min_focus)
            else:
                inside = _intersect(marked, [stretch])
                focus.extend(inside)
                fragmented.extend(_subtract([stretch], inside))
    return _Week(
        week_start=week_start,
        meetings=tuple(meetings),
        focus=tuple(focus),
        fragmented=tuple(fragmented),
        open=tuple(open_),
        ooo_days=tuple(ooo_days),
    )


def _figures(week: _Week, tz: ZoneInfo) -> WeekFigures:
    def stretches(spans: Iterable[Span]) -> tuple[Stretch, ...]:
        return tuple(Stretch(s.astimezone(tz), e.astimezone(tz)) for s, e in spans)

    return WeekFigures(
        week_start=week.week_start,
        meeting_hours=_hours(week.meetings),
        focus_hours=_hours(week.focus),
        fragmented_hours=_hours(week.fragmented),
        ooo_days=week.ooo_days,
        focus_stretches=stretches(_merge(week.focus)),
        open_stretches=stretches(week.open),
    )


def _cut(week: _Week, start: datetime | None, end: datetime | None) -> _Week:
    low = start or datetime.min.replace(tzinfo=UTC)
    high = end or datetime.max.replace(tzinfo=UTC)
    bound = [(low, high)]
    return _Week(
        week_start=week.week_start,
        meetings=tuple(_intersect(week.meetings, bound)),
        focus=tuple(_intersect(week.focus, bound)),
        fragmented=tuple(_intersect(week.fragmented, bound)),
        open=tuple(_intersect(week.open, bound)),
        ooo_days=week.ooo_days,
    )


def _working_windows(
    week_start: date, hours: WorkingHours, tz: ZoneInfo
) -> list[tuple[date, Span]]:
    windows: list[tuple[date, Span]] = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        if day.weekday() not in hours.days:
            continue
        start = datetime.combine(day, hours.start, tzinfo=tz).astimezone(UTC)
        end = datetime.combine(day, hours.end, tzinfo=tz).astimezone(UTC)
        if end > start:
            windows.append((day, (start, end)))
    return windows


def _all_day_ooo_dates(events: Iterable[CalendarEvent]) -> set[date]:
    """The calendar dates an all-day OOO event covers (its end date is exclusive)."""
    dates: set[date] = set()
    for event in events:
        if event.all_day and event.kind == "ooo":
            day, last = event.start.date(), event.end.date()
            while day < last:
                dates.add(day)
                day += timedelta(days=1)
    return dates


def _utc(event: CalendarEvent) -> Span:
    return event.start.astimezone(UTC), event.end.astimezone(UTC)


def _hours(spans: Iterable[Span]) -> float:
    return sum((e - s).total_seconds() for s, e in spans) / 3600


def _overlap(a: Span, b: Span) -> float:
    return max(0.0, (min(a[1], b[1]) - max(a[0], b[0])).total_seconds())


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(spans: Iterable[Span], within: Iterable[Span]) -> list[Span]:
    found: list[Span] = []
    bounds = _merge(within)
    for start, end in _merge(spans):
        for low, high in bounds:
            s, e = max(start, low), min(end, high)
            if s < e:
                found.append((s, e))
    return _merge(found)


def _subtract(spans: Iterable[Span], holes: Iterable[Span]) -> list[Span]:
    remaining = _merge(spans)
    for hole_start, hole_end in _merge(holes):
        next_remaining: list[Span] = []
        for start, end in remaining:
            if hole_end <= start or hole_start >= end:
                next_remaining.append((start, end))
                continue
            if start < hole_start:
                next_remaining.append((start, hole_start))
            if hole_end < end:
                next_remaining.append((hole_end, end))
        remaining = next_remaining
    return remaining
