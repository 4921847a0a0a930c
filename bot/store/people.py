"""People who use Pendulum (table `people`): their IANA time zone, as Slack last reported
it. A row exists only for someone who enrolled in something or ran a check-in command; a
profile change of anyone else is ignored, so nothing is stored about non-users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.delivery.timing import utc_text
from bot.store.db import Store
from bot.store.requests import first_time


def get_tz(store: Store, team_id: str, user_id: str) -> str | None:
    row = store.db.execute(
        "SELECT tz FROM people WHERE team_id = ? AND user_id = ?", [team_id, user_id]
    ).fetchone()
    return str(row[0]) if row else None


def exists(store: Store, team_id: str, user_id: str) -> bool:
    return get_tz(store, team_id, user_id) is not None


def remember_tz(store: Store, team_id: str, user_id: str, tz: str, now: datetime) -> str | None:
    """Create or refresh a person's time zone. Returns the previous zone when it changed
    (None when it didn't, or on first sight)."""
    with store.write() as db:
        row = db.execute(
            "SELECT tz FROM people WHERE team_id = ? AND user_id = ?", [team_id, user_id]
        ).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO people (team_id, user_id, tz, tz_checked_at, first_seen_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [team_id, user_id, tz, utc_text(now), utc_text(now)],
            )
            return None
        db.execute(
            "UPDATE people SET tz = ?, tz_checked_at = ? WHERE team_id = ? AND user_id = ?",
            [tz, utc_text(now), team_id, user_id],
        )
        return str(row[0]) if row[0] != tz else None


def latest_assessment(store: Store, team_id: str, user_id: str) -> dict[str, Any] | None:
    """The newest self-assessment (written by `/pendulum assess`), as a column → value dict."""
    cursor = store.db.execute(
        "SELECT * FROM assessments WHERE team_id = ? AND user_id = ?"
        " ORDER BY created_at DESC, id DESC LIMIT 1",
        [team_id, user_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    names = [d[0] for d in cursor.description]
    return dict(zip(names, row, strict=True))


def save_assessment(
    store: Store, team_id: str, request_key: str | None, row: dict[str, Any], now: datetime
) -> bool:
    """Insert a self-assessment row unless `request_key` was seen before (a Slack retry or a
    double submit); the key and the row are written in one transaction. False for a repeat."""
    with store.write() as db:
        if request_key and not first_time(store, team_id, request_key, now):
            return False
        names = list(row)
        db.execute(
            f"INSERT INTO assessments ({', '.join(names)})"
            f" VALUES ({', '.join(':' + n for n in names)})",
            row,
        )
    return True
