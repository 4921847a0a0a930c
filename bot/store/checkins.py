"""Check-in answers: one row per person per local ISO week (table `checkins`, m004).

Saving is an upsert on (team, user, period), so a double submit or a Slack retry leaves one
row; answering again the same week replaces that week's answers. A skip or an "away" week is
recorded only when the week has no answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.coaching.checkin_rules import ANSWERED, AWAY, SKIPPED, Checkin
from bot.delivery.timing import utc_text
from bot.store.db import Store

_COLUMNS = "period, status, hands_on, critical_path, critical_path_what, focus_blocks, energy, note"


def _checkin(row: tuple[Any, ...]) -> Checkin:
    period, status, hands_on, critical, what, focus, energy, note = row
    return Checkin(
        period=period,
        status=status,
        hands_on=hands_on,
        critical_path=critical,
        critical_path_what=what,
        focus_blocks=focus,
        energy=energy,
        note=note,
    )


def save_answer(store: Store, team_id: str, user_id: str, answer: Checkin, now: datetime) -> bool:
    """Store (or replace) this week's answers. True when the week had no answer before."""
    if not answer.answered:
        raise ValueError("save_answer takes an answered check-in; use mark_week for skips")
    with store.write() as db:
        before = db.execute(
            "SELECT status FROM checkins WHERE team_id = ? AND user_id = ? AND period = ?",
            [team_id, user_id, answer.period],
        ).fetchone()
        db.execute(
            """
            INSERT INTO checkins (team_id, user_id, period, status, hands_on, critical_path,
                critical_path_what, focus_blocks, energy, note, created_at, updated_at)
            VALUES (?, ?, ?, 'answered', ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, user_id, period) DO UPDATE SET
                status = 'answered', hands_on = excluded.hands_on,
                critical_path = excluded.critical_path,
                critical_path_what = excluded.critical_path_what,
                focus_blocks = excluded.focus_blocks, energy = excluded.energy,
                note = excluded.note, updated_at = excluded.updated_at
            """,
            [
                team_id,
                user_id,
                answer.period,
                answer.hands_on,
                answer.critical_path,
                answer.critical_path_what,
                answer.focus_blocks,
                answer.energy,
                answer.note,
                utc_text(now),
                utc_text(now),
            ],
        )
        return before is None or before[0] != ANSWERED


def mark_week(
    store: Store, team_id: str, user_id: str, period: str, status: str, now: datetime
) -> bool:
    """Record a skipped or away week. Never overwrites answers; True if anything changed."""
    if status not in (SKIPPED, AWAY):
        raise ValueError(f"status {status!r} is not {SKIPPED!r} or {AWAY!r}")
    with store.write() as db:
        cursor = db.execute(
            """
            INSERT INTO checkins (team_id, user_id, period, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (team_id, user_id, period) DO UPDATE SET
                status = excluded.status, updated_at = excluded.updated_at
            WHERE checkins.status NOT IN ('answered', excluded.status)
            """,
            [team_id, user_id, period, status, utc_text(now), utc_text(now)],
        )
        return cursor.rowcount > 0


def get_week(store: Store, team_id: str, user_id: str, period: str) -> Checkin | None:
    row = store.db.execute(
        f"SELECT {_COLUMNS} FROM checkins WHERE team_id = ? AND user_id = ? AND period = ?",
        [team_id, user_id, period],
    ).fetchone()
    return _checkin(row) if row else None


def recent(
    store: Store, team_id: str, user_id: str, *, since: str | None = None, limit: int = 52
) -> list[Checkin]:
    """A person's check-ins, newest first (optionally only periods >= `since`)."""
    sql = f"SELECT {_COLUMNS} FROM checkins WHERE team_id = ? AND user_id = ?"
    params: list[Any] = [team_id, user_id]
    if since is not None:
        sql += " AND period >= ?"
        params.append(since)
    sql += " ORDER BY period DESC LIMIT ?"
    params.append(limit)
    return [_checkin(r) for r in store.db.execute(sql, params).fetchall()]
