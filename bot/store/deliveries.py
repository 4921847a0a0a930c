"""The `deliveries` ledger: one row per (workspace, kind, recipient, period).

Life of a row::

    pending ──claim──► claimed ──► sent        (Slack's ts recorded)
       │                  │  └───► failed      (permanent error or rejected message)
       │                  └──────► pending     (gave up on 429/5xx that certainly did not post)
       └─────────────────────────► skipped     (missed its window, paused, skipped, nothing to say)

`pending` rows were planned but never handed to Slack, so after a crash they are simply sent
(if still inside their window). Only `claimed` rows can be ambiguous, and the engine claims a
row immediately before its own send, so at most one row per worker thread is ever in that
state. A `skipped` row can be taken over by a later plan or a manual send: nothing was sent.

Every function here is one short transaction; none is ever held across a Slack call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.delivery.model import (
    CLAIMED,
    FAILED,
    PENDING,
    SKIPPED,
    Delivery,
    OutgoingMessage,
)
from bot.delivery.timing import utc_text
from bot.store.db import Store
from bot.store.sql import Database


def _select(db: Database, where: str, params: Iterable[Any]) -> list[Delivery]:
    cursor = db.execute(f"SELECT * FROM deliveries WHERE {where}", list(params))
    names = [d[0] for d in cursor.description]
    return [Delivery.from_row(dict(zip(names, r, strict=True))) for r in cursor.fetchall()]


def get(store: Store, key: str) -> Delivery | None:
    rows = _select(store.db, "key = ?", [key])
    return rows[0] if rows else None


def open_rows(
    store: Store,
    status: str,
    *,
    claimed_before: datetime | None = None,
    due_by: datetime | None = None,
) -> list[Delivery]:
    """Pending or claimed rows, oldest due first; optionally only claims older than
    `claimed_before` (stale) or rows due by `due_by` (rows may be queued for later)."""
    where, params = "status = ?", [status]
    if claimed_before is not None:
        where += " AND claimed_at < ?"
        params.append(utc_text(claimed_before))
    if due_by is not None:
        where += " AND due_at <= ?"
        params.append(utc_text(due_by))
    return _select(store.db, where + " ORDER BY due_at, key", params)


_INSERT = """
INSERT INTO deliveries (key, team_id, kind, schedule_id, target, period, status, due_at,
    expires_at, created_at, claimed_at, claimed_by, channel, payload, error)
VALUES (:key, :team_id, :kind, :schedule_id, :target, :period, :status, :due_at,
    :expires_at, :now, :claimed_at, :claimed_by, :channel, :payload, :error)
ON CONFLICT (key) DO UPDATE SET
    status = excluded.status, schedule_id = excluded.schedule_id, due_at = excluded.due_at,
    expires_at = excluded.expires_at, claimed_at = excluded.claimed_at,
    claimed_by = excluded.claimed_by,
    channel = excluded.channel, payload = excluded.payload, error = excluded.error,
    ts = NULL, sent_at = NULL
WHERE deliveries.status IN ({takeover})
"""


def insert(
    db: Database,
    *,
    key: str,
    team_id: str,
    kind: str,
    schedule_id: int | None,
    target: str,
    period: str,
    status: str,
    due_at: datetime,
    expires_at: datetime | None,
    now: datetime,
    message: OutgoingMessage | None = None,
    error: str | None = None,
    take_over: tuple[str, ...] = (),
    claimed_by: str | None = None,
) -> bool:
    """Insert a row, or take over an existing one whose status is in `take_over`.
    Returns False when the key is already held (the caller must not send)."""
    takeover = ", ".join(f"'{s}'" for s in take_over if s in (PENDING, SKIPPED, FAILED)) or "NULL"
    cursor = db.execute(
        _INSERT.format(takeover=takeover),
        {
            "key": key,
            "team_id": team_id,
            "kind": kind,
            "schedule_id": schedule_id,
            "target": target,
            "period": period,
            "status": status,
            "due_at": utc_text(due_at),
            "expires_at": utc_text(expires_at) if expires_at else None,
            "now": utc_text(now),
            "claimed_at": utc_text(now) if status == CLAIMED else None,
            "claimed_by": claimed_by if status == CLAIMED else None,
            "channel": message["channel"] if message else None,
            "payload": json.dumps(message) if message else None,
            "error": error,
        },
    )
    return cursor.rowcount > 0


def claim(
    store: Store, key: str, message: OutgoingMessage, now: datetime, by: str | None = None
) -> bool:
    """pending → claimed (by replica `by`), storing exactly what is about to be sent. False
    if someone else (another thread or replica, a manual send) got there first."""
    with store.write() as db:
        cursor = db.execute(
            """
            UPDATE deliveries SET status = 'claimed', claimed_at = ?, claimed_by = ?,
                channel = ?, payload = ?
            WHERE key = ? AND status = 'pending'
            """,
            [utc_text(now), by, message["channel"], json.dumps(message), key],
        )
        return cursor.rowcount > 0


def abandoned_claims(
    store: Store, live: Sequence[str], *, claimed_before: datetime, stale_before: datetime
) -> list[Delivery]:
    """Claims whose replica is gone (not in `live`) made before `claimed_before`, and any
    claim older than `stale_before` (a live replica stuck on it), oldest due first."""
    gone = "TRUE"
    if live:
        marks = ", ".join("?" for _ in live)
        gone = f"(claimed_by IS NULL OR claimed_by NOT IN ({marks}))"
    return _select(
        store.db,
        f"status = 'claimed' AND ((claimed_at < ? AND {gone}) OR claimed_at < ?)"
        " ORDER BY due_at, key",
        [utc_text(claimed_before), *live, utc_text(stale_before)],
    )


def take_over(store: Store, row: Delivery, by: str, now: datetime) -> bool:
    """Make an abandoned claim ours before reconciling it: only if nobody changed it since
    `row` was read (another replica reconciling it too gets False)."""
    same_claimer = "claimed_by IS NULL" if row.claimed_by is None else "claimed_by = ?"
    params: list[Any] = [by, utc_text(now), row.key]
    params.append(utc_text(row.claimed_at) if row.claimed_at else "")
    if row.claimed_by is not None:
        params.append(row.claimed_by)
    with store.write() as db:
        cursor = db.execute(
            "UPDATE deliveries SET claimed_by = ?, claimed_at = ?"
            f" WHERE key = ? AND status = 'claimed' AND claimed_at = ? AND {same_claimer}",
            params,
        )
        return cursor.rowcount > 0


def _finish(store: Store, key: str, sets: str, params: list[Any], from_status: str) -> bool:
    with store.write() as db:
        cursor = db.execute(
            f"UPDATE deliveries SET {sets} WHERE key = ? AND status IN ({from_status})",
            [*params, key],
        )
        return cursor.rowcount > 0


def mark_sent(
    store: Store, key: str, *, ts: str, channel: str, now: datetime, attempts: int
) -> bool:
    return _finish(
        store,
        key,
        # the message text is only kept until it is sent (it may quote what a manager wrote)
        "status = 'sent', ts = ?, channel = ?, sent_at = ?, attempts = attempts + ?, error = NULL,"
        " payload = NULL",
        [ts, channel, utc_text(now), attempts],
        "'claimed', 'pending'",
    )


def mark_failed(store: Store, key: str, *, error: str, attempts: int) -> bool:
    return _finish(
        store,
        key,
        "status = 'failed', error = ?, attempts = attempts + ?",
        [error, attempts],
        "'claimed', 'pending'",
    )


def mark_skipped(store: Store, key: str, *, reason: str) -> bool:
    return _finish(store, key, "status = 'skipped', error = ?", [reason], "'claimed', 'pending'")


def skip_pending_to(store: Store, team_id: str, target: str, *, reason: str) -> int:
    """Drop every not-yet-sent message to `target` (someone who left the workspace)."""
    with store.write() as db:
        cursor = db.execute(
            "UPDATE deliveries SET status = 'skipped', error = ? "
            "WHERE team_id = ? AND target = ? AND status = 'pending'",
            [reason, team_id, target],
        )
        return cursor.rowcount


def pending_to(
    store: Store, team_id: str, target: str, kinds: Sequence[str], period: str | None = None
) -> list[Delivery]:
    """What is still pending to `target` of these kinds (of one period, or all)."""
    where = (
        f"team_id = ? AND target = ? AND status = 'pending'"
        f" AND kind IN ({', '.join('?' for _ in kinds)})"
    )
    params: list[Any] = [team_id, target, *kinds]
    if period is not None:
        where += " AND period = ?"
        params.append(period)
    return _select(store.db, where + " ORDER BY due_at, key", params)


def kinds_in_period(store: Store, team_id: str, target: str, period: str) -> set[str]:
    """The kinds sent to `target` in one period, on their way or queued."""
    rows = store.db.execute(
        "SELECT kind FROM deliveries WHERE team_id = ? AND target = ? AND period = ?"
        " AND status IN ('pending', 'claimed', 'sent')",
        [team_id, target, period],
    ).fetchall()
    return {str(r[0]) for r in rows}


def keys_of_kind(store: Store, team_id: str, target: str, kind: str) -> list[str]:
    """The keys of `kind` sent (or on their way) to `target`."""
    rows = store.db.execute(
        "SELECT key FROM deliveries WHERE team_id = ? AND kind = ? AND target = ?"
        " AND status IN ('pending', 'claimed', 'sent')",
        [team_id, kind, target],
    ).fetchall()
    return [str(r[0]) for r in rows]


def sent_locations(
    store: Store, team_id: str, target: str, period: str, kinds: Sequence[str]
) -> list[tuple[str, str]]:
    """(channel, ts) of the messages of these kinds sent to `target` in one period."""
    rows = store.db.execute(
        "SELECT channel, ts FROM deliveries WHERE team_id = ? AND target = ? AND period = ?"
        " AND status = 'sent' AND ts IS NOT NULL"
        f" AND kind IN ({', '.join('?' for _ in kinds)})",
        [team_id, target, period, *kinds],
    ).fetchall()
    return [(str(c), str(t)) for c, t in rows if c]


def release(store: Store, key: str, *, error: str, attempts: int) -> bool:
    """claimed → pending: Slack certainly did not post it; a later tick tries again."""
    return _finish(
        store,
        key,
        "status = 'pending', claimed_at = NULL, error = ?, attempts = attempts + ?",
        [error, attempts],
        "'claimed'",
    )


def note_attempts(store: Store, key: str, *, error: str, attempts: int) -> bool:
    """Leave a claimed row claimed (it may have been posted) but record why."""
    return _finish(store, key, "error = ?, attempts = attempts + ?", [error, attempts], "'claimed'")
