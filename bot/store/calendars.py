"""A manager's calendar feed and the figures derived from it (tables `calendars` and
`calendar_weeks`, m011).

The feed address is a secret: it is sealed with the operator's key (`SecretBox`) before it
is written and opened only to fetch; nothing here logs it. The events kept (this week's and
next week's) are sealed the same way. `claim_fetch` moves a feed's next fetch an hour ahead
before anyone fetches it, so two ticks (or two replicas) never fetch the same feed twice
within the hour.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, cast

from bot.calendar.model import CalendarEvent, EventKind, WeekFigures, WorkingHours
from bot.delivery.timing import utc_text
from bot.store.db import Store
from bot.store.secret import SecretBox, Unreadable

KINDS: frozenset[str] = frozenset({"meeting", "focus", "busy", "ooo"})


@dataclass(frozen=True)
class Calendar:
    team_id: str
    user_id: str
    feed: str | None  # None when it can't be decrypted with the configured key
    tz: str
    hours: WorkingHours
    goal_hours: float
    etag: str | None
    last_modified: str | None
    events: tuple[CalendarEvent, ...]
    fetched_at: datetime | None
    fetch_outcome: str | None
    next_fetch_at: datetime
    chart_key: str | None
    chart_file_id: str | None


@dataclass(frozen=True)
class StoredWeek:
    week_start: date
    meeting_hours: float
    focus_hours: float
    fragmented_hours: float
    ooo_days: int
    focus_blocks: int  # stretches of focus (the check-in's "focus blocks" question)


# -- encoding --------------------------------------------------------------------------------
def hours_text(hours: WorkingHours) -> tuple[str, str, str]:
    days = ",".join(str(d) for d in sorted(hours.days))
    return days, f"{hours.start:%H:%M}", f"{hours.end:%H:%M}"


def hours_of(days: str, start: str, end: str) -> WorkingHours:
    return WorkingHours(
        days=frozenset(int(d) for d in days.split(",") if d.strip()),
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
    )


def events_json(events: Iterable[CalendarEvent]) -> str:
    return json.dumps(
        [
            {
                "s": e.start.isoformat(),
                "e": e.end.isoformat(),
                "k": e.kind,
                "t": e.summary,
                "a": e.all_day,
                "r": e.recurring,
            }
            for e in events
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )


def events_of(text: str) -> tuple[CalendarEvent, ...]:
    out: list[CalendarEvent] = []
    for item in json.loads(text):
        kind = str(item.get("k"))
        if kind not in KINDS:
            continue
        out.append(
            CalendarEvent(
                start=datetime.fromisoformat(item["s"]),
                end=datetime.fromisoformat(item["e"]),
                kind=cast(EventKind, kind),
                summary=str(item.get("t") or ""),
                all_day=bool(item.get("a")),
                recurring=bool(item.get("r")),
            )
        )
    return tuple(out)


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


_COLUMNS = (
    "team_id, user_id, feed, tz, work_days, work_start, work_end, goal_hours, etag, "
    "last_modified, events, fetched_at, fetch_outcome, next_fetch_at, chart_key, chart_file_id"
)


def _calendar(box: SecretBox, row: Sequence[Any]) -> Calendar:
    (team, user, feed, tz, days, start, end, goal, etag, modified, events) = row[:11]
    (fetched, outcome, next_at, chart_key, chart_file) = row[11:]
    try:
        address: str | None = box.open(str(feed))
    except Unreadable:
        address = None
    try:
        kept = events_of(box.open(str(events))) if events else ()
    except (Unreadable, ValueError, KeyError):
        kept = ()
    next_fetch = _instant(next_at)
    assert next_fetch is not None
    return Calendar(
        team_id=str(team),
        user_id=str(user),
        feed=address,
        tz=str(tz),
        hours=hours_of(str(days), str(start), str(end)),
        goal_hours=float(goal),
        etag=etag,
        last_modified=modified,
        events=kept,
        fetched_at=_instant(fetched),
        fetch_outcome=outcome,
        next_fetch_at=next_fetch,
        chart_key=chart_key,
        chart_file_id=chart_file,
    )


# -- reads -----------------------------------------------------------------------------------
def get(store: Store, box: SecretBox, team_id: str, user_id: str) -> Calendar | None:
    row = store.db.execute(
        f"SELECT {_COLUMNS} FROM calendars WHERE team_id = ? AND user_id = ?",
        [team_id, user_id],
    ).fetchone()
    return _calendar(box, row) if row else None


def due(store: Store, now: datetime, limit: int = 50) -> list[tuple[str, str]]:
    """(team, user) of feeds whose next fetch is due, the longest-waiting first."""
    rows = store.db.execute(
        "SELECT team_id, user_id FROM calendars WHERE next_fetch_at <= ?"
        " ORDER BY next_fetch_at LIMIT ?",
        [utc_text(now), limit],
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def weeks(
    store: Store, team_id: str, user_id: str, since: date, until: date | None = None
) -> list[StoredWeek]:
    """Stored weeks starting in [since, until], oldest first."""
    rows = store.db.execute(
        "SELECT week_start, meeting_hours, focus_hours, fragmented_hours, ooo_days,"
        " focus_blocks FROM calendar_weeks WHERE team_id = ? AND user_id = ?"
        " AND week_start >= ? AND week_start <= ? ORDER BY week_start",
        [team_id, user_id, since.isoformat(), (until or date.max).isoformat()],
    ).fetchall()
    return [
        StoredWeek(
            date.fromisoformat(r[0]), float(r[1]), float(r[2]), float(r[3]), int(r[4]), int(r[5])
        )
        for r in rows
    ]


# -- writes ----------------------------------------------------------------------------------
def connect(
    store: Store,
    box: SecretBox,
    *,
    team_id: str,
    user_id: str,
    feed: str,
    tz: str,
    hours: WorkingHours,
    goal_hours: float,
    now: datetime,
    next_fetch_at: datetime,
) -> None:
    """Save (or replace) a person's feed and settings; what an older feed yielded goes."""
    days, start, end = hours_text(hours)
    with store.write() as db:
        db.execute(
            "DELETE FROM calendar_weeks WHERE team_id = ? AND user_id = ?", [team_id, user_id]
        )
        db.execute(
            """
            INSERT INTO calendars (team_id, user_id, feed, tz, work_days, work_start, work_end,
                goal_hours, next_fetch_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, user_id) DO UPDATE SET
                feed = excluded.feed, tz = excluded.tz, work_days = excluded.work_days,
                work_start = excluded.work_start, work_end = excluded.work_end,
                goal_hours = excluded.goal_hours, etag = NULL, last_modified = NULL,
                events = NULL, fetched_at = NULL, fetch_outcome = NULL,
                next_fetch_at = excluded.next_fetch_at, chart_key = NULL,
                chart_file_id = NULL, updated_at = excluded.updated_at
            """,
            [
                team_id,
                user_id,
                box.seal(feed),
                tz,
                days,
                start,
                end,
                goal_hours,
                utc_text(next_fetch_at),
                utc_text(now),
                utc_text(now),
            ],
        )


def claim_fetch(store: Store, team_id: str, user_id: str, now: datetime, until: datetime) -> bool:
    """Take the right to fetch this feed now: True for exactly one caller per due period."""
    with store.write() as db:
        cursor = db.execute(
            "UPDATE calendars SET next_fetch_at = ? WHERE team_id = ? AND user_id = ?"
            " AND next_fetch_at <= ?",
            [utc_text(until), team_id, user_id, utc_text(now)],
        )
        return cursor.rowcount == 1


def record_fetch(
    store: Store,
    box: SecretBox,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    outcome: str,
    tz: str | None = None,
    events: Sequence[CalendarEvent] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    figures: Sequence[WeekFigures] = (),
) -> None:
    """A fetch's outcome; with `events` (a fresh body), also its validators and figures."""
    with store.write() as db:
        if events is None:
            db.execute(
                "UPDATE calendars SET fetched_at = ?, fetch_outcome = ?"
                " WHERE team_id = ? AND user_id = ?",
                [utc_text(now), outcome, team_id, user_id],
            )
            return
        cursor = db.execute(
            "UPDATE calendars SET fetched_at = ?, fetch_outcome = ?, events = ?, etag = ?,"
            " last_modified = ?, tz = coalesce(?, tz) WHERE team_id = ? AND user_id = ?",
            [
                utc_text(now),
                outcome,
                box.seal(events_json(events)),
                etag,
                last_modified,
                tz,
                team_id,
                user_id,
            ],
        )
        if cursor.rowcount != 1:  # turned off while fetching: keep nothing
            return
        for week in figures:
            db.execute(
                """
                INSERT INTO calendar_weeks (team_id, user_id, week_start, meeting_hours,
                    focus_hours, fragmented_hours, ooo_days, focus_blocks, measured_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (team_id, user_id, week_start) DO UPDATE SET
                    meeting_hours = excluded.meeting_hours, focus_hours = excluded.focus_hours,
                    fragmented_hours = excluded.fragmented_hours,
                    ooo_days = excluded.ooo_days, focus_blocks = excluded.focus_blocks,
                    measured_at = excluded.measured_at
                """,
                [
                    team_id,
                    user_id,
                    week.week_start.isoformat(),
                    week.meeting_hours,
                    week.focus_hours,
                    week.fragmented_hours,
                    len(week.ooo_days),
                    len(week.focus_stretches),
                    utc_text(now),
                ],
            )


def set_chart(store: Store, team_id: str, user_id: str, key: str, file_id: str) -> None:
    with store.write() as db:
        db.execute(
            "UPDATE calendars SET chart_key = ?, chart_file_id = ?"
            " WHERE team_id = ? AND user_id = ?",
            [key, file_id, team_id, user_id],
        )


def disconnect(store: Store, team_id: str, user_id: str) -> int:
    """Forget the feed and everything derived from it. Returns the rows deleted."""
    with store.write() as db:
        weeks_gone = db.execute(
            "DELETE FROM calendar_weeks WHERE team_id = ? AND user_id = ?", [team_id, user_id]
        ).rowcount
        feeds_gone = db.execute(
            "DELETE FROM calendars WHERE team_id = ? AND user_id = ?", [team_id, user_id]
        ).rowcount
        return int(weeks_gone) + int(feeds_gone)


def pending_sends(store: Store, team_id: str, user_id: str, kind: str) -> list[str]:
    """Keys of this person's queued (not yet sent) deliveries of one kind."""
    rows = store.db.execute(
        "SELECT key FROM deliveries WHERE team_id = ? AND target = ? AND kind = ?"
        " AND status = 'pending'",
        [team_id, user_id, kind],
    ).fetchall()
    return [str(r[0]) for r in rows]
