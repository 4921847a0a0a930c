"""Once-only processing of Slack requests (retries and double clicks do nothing twice)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.db import Store


def first_time(store: Store, team_id: str, key: str, now: datetime) -> bool:
    """Record `key`; True only for the first caller ever to record it."""
    with store.write() as db:
        cursor = db.execute(
            "INSERT INTO processed_requests (key, team_id, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            [key, team_id, now.isoformat()],
        )
        return cursor.rowcount == 1


def forget(store: Store, key: str) -> None:
    """Drop `key`, so a retry of a request whose first run failed may run."""
    with store.write() as db:
        db.execute("DELETE FROM processed_requests WHERE key = ?", [key])


def forget_older_than(
    store: Store, now: datetime, age: timedelta = timedelta(days=2), prefix: str = ""
) -> int:
    """Drop keys recorded before `now - age` (only those starting with `prefix`, if given)."""
    with store.write() as db:
        cursor = db.execute(
            "DELETE FROM processed_requests WHERE seen_at < ? AND substr(key, 1, ?) = ?",
            [(now - age).isoformat(), len(prefix), prefix],
        )
        return cursor.rowcount
