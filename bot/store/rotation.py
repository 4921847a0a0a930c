"""`rotation_picks`: which item of a pool (tips, hands-warm ideas) each target got in each
period, and in which cycle of the pool (bot/coaching/tips.py chooses; bot/features/tip_sends.py
orchestrates, inside one write transaction)."""

from __future__ import annotations

from datetime import datetime

from bot.delivery.timing import utc_text
from bot.store.sql import Database


def picked(db: Database, team_id: str, pool: str, target: str, period: str) -> str | None:
    row = db.execute(
        "SELECT item_id FROM rotation_picks WHERE team_id = ? AND pool = ? AND target = ?"
        " AND period = ?",
        [team_id, pool, target, period],
    ).fetchone()
    return str(row[0]) if row is not None else None


def latest_cycle(db: Database, team_id: str, pool: str, target: str) -> int:
    row = db.execute(
        "SELECT max(cycle) FROM rotation_picks WHERE team_id = ? AND pool = ? AND target = ?",
        [team_id, pool, target],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def used_in_cycle(
    db: Database, team_id: str, pool: str, kind: str, target: str, cycle: int
) -> set[str]:
    """The items of a cycle whose message (of `kind`) was sent or is being sent."""
    return {
        str(r[0])
        for r in db.execute(
            "SELECT p.item_id FROM rotation_picks p JOIN deliveries d"
            " ON d.key = p.team_id || ':' || ? || ':' || p.target || ':' || p.period"
            " WHERE p.team_id = ? AND p.pool = ? AND p.target = ? AND p.cycle = ?"
            " AND d.status IN ('sent', 'claimed')",
            [kind, team_id, pool, target, cycle],
        ).fetchall()
    }


def last_other(db: Database, team_id: str, pool: str, target: str, period: str) -> str | None:
    """The item picked for the latest other period."""
    row = db.execute(
        "SELECT item_id FROM rotation_picks WHERE team_id = ? AND pool = ? AND target = ?"
        " AND period != ? ORDER BY period DESC LIMIT 1",
        [team_id, pool, target, period],
    ).fetchone()
    return str(row[0]) if row else None


def record(
    db: Database,
    team_id: str,
    pool: str,
    target: str,
    period: str,
    item_id: str,
    cycle: int,
    now: datetime,
) -> None:
    db.execute(
        "INSERT INTO rotation_picks (team_id, pool, target, period, item_id, cycle,"
        " picked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (team_id, pool, target, period) DO UPDATE SET"
        " item_id = excluded.item_id, cycle = excluded.cycle, picked_at = excluded.picked_at",
        [team_id, pool, target, period, item_id, cycle, utc_text(now)],
    )
