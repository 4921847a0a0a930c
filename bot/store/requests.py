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


def forget_older_than(store: Store, now: datetime, age: timedelta = timedelta(days=2)) -> int:
    with store.write() as db:
        cursor = db.execute(
            "DELETE FROM processed_requests WHERE seen_at < ?", [(now - age).isoformat()]
        )
        return cursor.rowcount
