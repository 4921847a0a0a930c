"""Schedule records: create, change, pause, skip, list, delete (used by command code).

Every call is scoped by `team_id`, so one workspace can never read or change another's
schedules by guessing an id. Changing when a schedule runs moves its sweep cursor
(`next_due_at`) to the next occurrence after now; it never fires "catch-up" sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.clock import Clock
from bot.delivery.model import CLAIMED, SENT, Schedule, ScheduleNotFound, delivery_key
from bot.delivery.timing import (
    Occurrence,
    ScheduleValueError,
    WeeklySlot,
    next_occurrence,
    period_key,
    utc_text,
)
from bot.store import deliveries
from bot.store.db import Store
from bot.store.sql import Database


def _rows(db: Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _load(db: Database, team_id: str, schedule_id: int) -> Schedule:
    rows = _rows(db, "SELECT * FROM schedules WHERE id = ? AND team_id = ?", [schedule_id, team_id])
    if not rows:
        raise ScheduleNotFound(f"no schedule {schedule_id} in workspace {team_id}")
    return Schedule.from_row(rows[0])


def get_schedule(store: Store, team_id: str, schedule_id: int) -> Schedule | None:
    try:
        return _load(store.db, team_id, schedule_id)
    except ScheduleNotFound:
        return None


def load_by_id(db: Database, schedule_id: int) -> Schedule | None:
    """Unscoped read for the engine (which holds ids from its own ledger)."""
    rows = _rows(db, "SELECT * FROM schedules WHERE id = ?", [schedule_id])
    return Schedule.from_row(rows[0]) if rows else None


def create_schedule(
    store: Store,
    clock: Clock,
    *,
    team_id: str,
    kind: str,
    owner_user_id: str,
    target: str,
    weekday: int,
    local_time: str,
    tz: str,
    params: dict[str, Any] | None = None,
) -> Schedule:
    """A new active schedule; its first send is the next occurrence after now.

    There is one schedule per (workspace, kind, target): when one exists already (a second
    request of the same opt-in racing this one), it is returned unchanged."""
    if not kind or not target or not owner_user_id or not team_id:
        raise ScheduleValueError("team_id, kind, owner_user_id and target are all required")
    slot = WeeklySlot.parse(weekday, local_time, tz)
    now = clock.now()
    with store.write() as db:
        cursor = db.execute(
            """
            INSERT INTO schedules (team_id, kind, owner_user_id, target, weekday, local_time,
                tz, params, next_due_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, kind, target) DO NOTHING
            RETURNING id
            """,
            [
                team_id,
                kind,
                owner_user_id,
                target,
                weekday,
                local_time,
                tz,
                json.dumps(params or {}),
                utc_text(next_occurrence(slot, now).due_at),
                utc_text(now),
                utc_text(now),
            ],
        )
        inserted = cursor.fetchone()
        if inserted is not None:
            return _load(db, team_id, int(inserted[0]))
        rows = _rows(
            db,
            "SELECT * FROM schedules WHERE team_id = ? AND kind = ? AND target = ?",
            [team_id, kind, target],
        )
        return Schedule.from_row(rows[0])


def update_schedule(
    store: Store,
    clock: Clock,
    team_id: str,
    schedule_id: int,
    *,
    weekday: int | None = None,
    local_time: str | None = None,
    tz: str | None = None,
    target: str | None = None,
    params: dict[str, Any] | None = None,
) -> Schedule:
    """Change when/where a schedule sends. A new time takes effect from the next occurrence
    after now; the once-per-period rule still holds (moving Monday's already-sent weekly tip
    to Thursday does not send it twice that week)."""
    now = clock.now()
    with store.write() as db:
        current = _load(db, team_id, schedule_id)
        new_weekday = current.weekday if weekday is None else weekday
        new_time = current.local_time if local_time is None else local_time
        new_tz = current.tz if tz is None else tz
        slot = WeeklySlot.parse(new_weekday, new_time, new_tz)
        next_due = (
            None if current.paused_indefinitely else utc_text(next_occurrence(slot, now).due_at)
        )
        db.execute(
            """
            UPDATE schedules SET weekday = ?, local_time = ?, tz = ?, target = ?, params = ?,
                next_due_at = ?, updated_at = ?
            WHERE id = ? AND team_id = ?
            """,
            [
                new_weekday,
                new_time,
                new_tz,
                current.target if target is None else target,
                json.dumps(current.params if params is None else params),
                next_due,
                utc_text(now),
                schedule_id,
                team_id,
            ],
        )
        return _load(db, team_id, schedule_id)


def delete_schedule(store: Store, team_id: str, schedule_id: int) -> bool:
    """Delete (unenrol). Skips go with it; ledger rows stay, detached (schedule_id NULL)."""
    with store.write() as db:
        cursor = db.execute(
            "DELETE FROM schedules WHERE id = ? AND team_id = ?", [schedule_id, team_id]
        )
        return cursor.rowcount > 0


def delete_kinds_for(store: Store, team_id: str, target: str, kinds: Callable[[str], bool]) -> int:
    """Delete every schedule aimed at `target` whose kind `kinds` accepts (turning something
    off removes all of it, whatever an older race may have left); returns how many."""
    with store.write() as db:
        rows = db.execute(
            "SELECT id, kind FROM schedules WHERE team_id = ? AND target = ?", [team_id, target]
        ).fetchall()
        ids = [int(r[0]) for r in rows if kinds(str(r[1]))]
        for schedule_id in ids:
            db.execute("DELETE FROM schedules WHERE id = ? AND team_id = ?", [schedule_id, team_id])
        return len(ids)


def pause_schedule(
    store: Store,
    clock: Clock,
    team_id: str,
    schedule_id: int,
    *,
    until: date | None = None,
    reason: str | None = None,
) -> Schedule:
    """Pause until a local date (sends resume on that date) or, without `until`,
    indefinitely until resumed. Occurrences inside a dated pause are recorded as skipped."""
    now = clock.now()
    with store.write() as db:
        current = _load(db, team_id, schedule_id)
        if until is None:
            db.execute(
                """
                UPDATE schedules SET paused_reason = ?, paused_until = NULL, next_due_at = NULL,
                    updated_at = ? WHERE id = ?
                """,
                [reason or "paused by owner", utc_text(now), schedule_id],
            )
        else:
            next_due = current.next_due_at or next_occurrence(current.slot, now).due_at
            db.execute(
                """
                UPDATE schedules SET paused_reason = ?, paused_until = ?, next_due_at = ?,
                    updated_at = ? WHERE id = ?
                """,
                [reason, until.isoformat(), utc_text(next_due), utc_text(now), schedule_id],
            )
        return _load(db, team_id, schedule_id)


def resume_schedule(store: Store, clock: Clock, team_id: str, schedule_id: int) -> Schedule:
    """Clear any pause; the next send is the next occurrence after now."""
    now = clock.now()
    with store.write() as db:
        current = _load(db, team_id, schedule_id)
        db.execute(
            """
            UPDATE schedules SET paused_reason = NULL, paused_until = NULL, next_due_at = ?,
                updated_at = ? WHERE id = ?
            """,
            [utc_text(next_occurrence(current.slot, now).due_at), utc_text(now), schedule_id],
        )
        return _load(db, team_id, schedule_id)


def pause_for_failure(db: Database, schedule_id: int, reason: str, now: datetime) -> bool:
    """Pause a schedule the engine could not deliver. True only on the transition from
    active to paused, so the owner is told once however many sends fail afterwards.
    Call inside a write transaction."""
    cursor = db.execute(
        """
        UPDATE schedules SET paused_reason = ?, paused_until = NULL, next_due_at = NULL,
            updated_at = ?
        WHERE id = ? AND NOT (paused_reason IS NOT NULL AND paused_until IS NULL)
        """,
        [reason, utc_text(now), schedule_id],
    )
    return cursor.rowcount > 0


def skip_date(store: Store, clock: Clock, team_id: str, schedule_id: int, day: date) -> None:
    """Skip the occurrence that falls on this LOCAL date (holidays, time off)."""
    with store.write() as db:
        _load(db, team_id, schedule_id)
        db.execute(
            """
            INSERT INTO schedule_skips (schedule_id, team_id, local_date, created_at)
            VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
            """,
            [schedule_id, team_id, day.isoformat(), utc_text(clock.now())],
        )


def unskip_date(store: Store, team_id: str, schedule_id: int, day: date) -> bool:
    with store.write() as db:
        cursor = db.execute(
            "DELETE FROM schedule_skips WHERE schedule_id = ? AND team_id = ? AND local_date = ?",
            [schedule_id, team_id, day.isoformat()],
        )
        return cursor.rowcount > 0


def skipped_dates(store: Store, team_id: str, schedule_id: int) -> list[date]:
    rows = store.db.execute(
        "SELECT local_date FROM schedule_skips WHERE schedule_id = ? AND team_id = ?"
        " ORDER BY local_date",
        [schedule_id, team_id],
    ).fetchall()
    return [date.fromisoformat(r[0]) for r in rows]


def next_to_send(
    store: Store,
    schedule: Schedule,
    now: datetime,
    also_skip: Callable[[str], bool] | None = None,
) -> Occurrence | None:
    """The next occurrence that will really go out: after now, not skipped, not inside a
    pause, not in a week whose message already went out or is going out (e.g. sent early by
    hand), and not in a week (period) `also_skip` rules out. None when paused indefinitely,
    unreadable, or nothing qualifies within 60 occurrences."""
    if schedule.paused_indefinitely:
        return None
    try:
        slot = WeeklySlot.parse(schedule.weekday, schedule.local_time, schedule.tz)
    except ScheduleValueError:
        return None
    skips = set(skipped_dates(store, schedule.team_id, schedule.id))
    cursor = now
    for _ in range(60):
        occ = next_occurrence(slot, cursor)
        cursor = occ.due_at
        if schedule.is_paused_on(occ.local_date) or occ.local_date in skips:
            continue
        period = period_key(occ.local_date)
        key = delivery_key(schedule.team_id, schedule.kind, schedule.target, period)
        row = deliveries.get(store, key)
        if row is not None and row.status in (SENT, CLAIMED):
            continue
        if also_skip is not None and also_skip(period):
            continue
        return occ
    return None


def list_by_owner(store: Store, team_id: str, owner_user_id: str) -> list[Schedule]:
    rows = _rows(
        store.db,
        "SELECT * FROM schedules WHERE team_id = ? AND owner_user_id = ? ORDER BY kind, id",
        [team_id, owner_user_id],
    )
    return [Schedule.from_row(r) for r in rows]


def list_by_team(store: Store, team_id: str, kind: str | None = None) -> list[Schedule]:
    sql = "SELECT * FROM schedules WHERE team_id = ?"
    params: list[Any] = [team_id]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    return [Schedule.from_row(r) for r in _rows(store.db, sql + " ORDER BY id", params)]


def delete_workspace(store: Store, team_id: str) -> None:
    """Remove every schedule, skip and ledger row of one workspace (uninstall, GDPR)."""
    with store.write() as db:
        for table in ("deliveries", "schedule_skips", "schedules"):
            db.execute(f"DELETE FROM {table} WHERE team_id = ?", [team_id])


# -- planning (bot/delivery/planner.py) --------------------------------------------------------
def due_rows(store: Store, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Schedules whose sweep cursor has passed, earliest first (an indexed range scan)."""
    return _rows(
        store.db,
        "SELECT * FROM schedules WHERE next_due_at IS NOT NULL AND next_due_at <= ?"
        " ORDER BY next_due_at LIMIT ?",
        [utc_text(now), limit],
    )


def skips_for(store: Store, ids: list[int]) -> dict[int, frozenset[date]]:
    """The local dates each schedule's owner skipped."""
    placeholders = ", ".join("?" for _ in ids)
    found: dict[int, set[date]] = {}
    for schedule_id, day in store.db.execute(
        f"SELECT schedule_id, local_date FROM schedule_skips WHERE schedule_id IN ({placeholders})",
        ids,
    ).fetchall():
        found.setdefault(int(schedule_id), set()).add(date.fromisoformat(day))
    return {k: frozenset(v) for k, v in found.items()}


def park(db: Database, schedule_id: int, cursor: str, reason: str) -> None:
    """An unplannable schedule stops, with the reason (unless another ticker moved it)."""
    db.execute(
        "UPDATE schedules SET next_due_at = NULL, paused_reason = ?"
        " WHERE id = ? AND next_due_at = ?",
        [reason, schedule_id, cursor],
    )


def move_cursor(db: Database, schedule_id: int, cursor: str, next_due_at: datetime) -> bool:
    """Compare-and-set the sweep cursor; False when another ticker moved it first."""
    moved = db.execute(
        "UPDATE schedules SET next_due_at = ? WHERE id = ? AND next_due_at = ?",
        [utc_text(next_due_at), schedule_id, cursor],
    )
    return bool(moved.rowcount)
