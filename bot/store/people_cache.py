"""The people cache (tables `people_cache`, `people_sweeps`; bot/delivery/people.py fills them).

Only people Pendulum has a reason to know are kept: whoever a schedule names (owner or DM
target) or who has a `people` row. Everyone else in a `users.list` page is dropped unread.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.delivery.model import Person
from bot.delivery.timing import parse_utc, utc_text
from bot.store.db import Store

_COLUMNS = "user_id, tz, away, away_until, deleted, is_bot, fetched_at"


def _person(row: tuple[object, ...]) -> Person:
    user_id, tz, away, away_until, deleted, is_bot, fetched_at = row
    return Person(
        user_id=str(user_id),
        tz=str(tz) if tz else None,
        away=bool(away),
        away_until=float(away_until) if isinstance(away_until, int | float) else None,
        deleted=bool(deleted),
        is_bot=bool(is_bot),
        fetched_at=parse_utc(str(fetched_at)),
    )


def get(store: Store, team_id: str, user_id: str) -> Person | None:
    row = store.db.execute(
        f"SELECT {_COLUMNS} FROM people_cache WHERE team_id = ? AND user_id = ?",
        [team_id, user_id],
    ).fetchone()
    return _person(row) if row else None


def known_people(store: Store, team_id: str) -> set[str]:
    """User ids Pendulum has a reason to keep in the cache for this workspace."""
    rows = store.db.execute(
        "SELECT owner_user_id FROM schedules WHERE team_id = ?"
        " UNION SELECT target FROM schedules WHERE team_id = ?"
        " UNION SELECT user_id FROM people WHERE team_id = ?",
        [team_id, team_id, team_id],
    ).fetchall()
    return {str(r[0]) for r in rows if r[0] and str(r[0])[:1] in ("U", "W")}


def is_known(store: Store, team_id: str, user_id: str) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM schedules WHERE team_id = ? AND (owner_user_id = ? OR target = ?)"
        " UNION ALL SELECT 1 FROM people WHERE team_id = ? AND user_id = ? LIMIT 1",
        [team_id, user_id, user_id, team_id, user_id],
    ).fetchone()
    return row is not None


_UPSERT = """
INSERT INTO people_cache (team_id, user_id, tz, away, away_until, deleted, is_bot, fetched_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (team_id, user_id) DO UPDATE SET
    tz = excluded.tz, away = excluded.away, away_until = excluded.away_until,
    deleted = excluded.deleted, is_bot = excluded.is_bot, fetched_at = excluded.fetched_at
WHERE excluded.fetched_at >= people_cache.fetched_at
"""


def save(store: Store, team_id: str, people: Iterable[Person]) -> int:
    rows = [
        [
            team_id,
            p.user_id,
            p.tz,
            int(p.away),
            p.away_until,
            int(p.deleted),
            int(p.is_bot),
            utc_text(p.fetched_at),
        ]
        for p in people
    ]
    if rows:
        with store.write() as db:
            db.executemany(_UPSERT, rows)
    return len(rows)


def mark_swept(store: Store, team_id: str, now: datetime) -> None:
    with store.write() as db:
        db.execute(
            "INSERT INTO people_sweeps (team_id, swept_at) VALUES (?, ?)"
            " ON CONFLICT (team_id) DO UPDATE SET swept_at = excluded.swept_at",
            [team_id, utc_text(now)],
        )


def swept_at(store: Store, team_id: str) -> datetime | None:
    row = store.db.execute(
        "SELECT swept_at FROM people_sweeps WHERE team_id = ?", [team_id]
    ).fetchone()
    return parse_utc(str(row[0])) if row else None
