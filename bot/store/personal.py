"""Everything stored about one person in one workspace: found, exported and deleted.

Tables are discovered from the live schema rather than listed by hand, so a table added by a
later migration is covered the day it ships: any column named `user_id`, `owner_user_id`,
`target` (a delivery's recipient) or ending in `_user_id` (except the workspace's own
`bot_user_id`) marks rows about that person. `DESCRIPTIONS` says in plain words what each
known table holds and how long it is kept; `/pendulum privacy` shows both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.store.db import Store
from bot.store.sql import Database

USER_COLUMNS = ("user_id", "owner_user_id", "target")
NOT_PERSONAL = frozenset({"bot_user_id"})


@dataclass(frozen=True)
class TableInfo:
    what: str
    kept: str


DESCRIPTIONS: Mapping[str, TableInfo] = {
    "people": TableInfo(
        "your Slack user id and time zone, so messages reach you at your local time",
        "until you run `forget me`; the time zone is refreshed from Slack when it changes",
    ),
    "people_cache": TableInfo(
        "what Slack says about you that decides whether a message goes out now: your time "
        "zone, whether your status says you're away (not the status text itself), and "
        "whether your account is active",
        "until you run `forget me`; refreshed from Slack at least every hour it's needed",
    ),
    "assessments": TableInfo(
        "your self-assessments: role, years in engineering and management, months since "
        "hands-on work, and your goal",
        "until you run `forget me`",
    ),
    "checkins": TableInfo(
        "your weekly check-in answers (hands-on time, critical path, focus blocks, energy "
        "and your private note), and which weeks you skipped or were away",
        "until you run `forget me`",
    ),
    "schedules": TableInfo(
        "schedules you set up (your check-in, focus blocks, channel tips you own): day, "
        "time, time zone, pauses",
        "until you turn them off or run `forget me`",
    ),
    "rotation_picks": TableInfo(
        "which idea each of your Monday nudges suggested, so the next ones differ",
        "until you run `forget me`",
    ),
    "deliveries": TableInfo(
        "a ledger of messages I sent you (when, and a copy of each, which for follow-ups may "
        "quote your answer), so nothing is ever sent twice",
        "until you run `forget me`",
    ),
    "calendars": TableInfo(
        "your calendar feed address (a secret link, encrypted when the operator set a key), "
        "your working hours, weekly focus goal and time zone, this week's and next week's "
        "events from the feed, and when it was last read",
        "until you run `calendar off` or `forget me`; the events are re-read at most hourly",
    ),
    "calendar_weeks": TableInfo(
        "focus, meeting and fragmented hours and days out of office per week, measured from "
        "your calendar feed",
        "until you run `calendar off` or `forget me`",
    ),
}
OTHER = TableInfo("other records that name you", "until you run `forget me`")


def user_columns(db: Database, table: str) -> list[str]:
    names = db.columns(table)
    return [
        n for n in names if n not in NOT_PERSONAL and (n in USER_COLUMNS or n.endswith("_user_id"))
    ]


def personal_tables(db: Database) -> dict[str, list[str]]:
    """table → the columns that can hold a person's user id, for every table that has one."""
    out: dict[str, list[str]] = {}
    for table in db.table_names():
        if table.startswith(("sqlite_", "_sqlite")) or table == "_sqlite_migrations":
            continue
        columns = user_columns(db, table)
        if columns:
            out[table] = columns
    return out


def _where(db: Database, table: str, columns: list[str]) -> str:
    """SQL condition (named parameters :team, :user) matching a person's rows in `table`;
    scoped to the workspace when the table has a team_id column."""
    match = " OR ".join(f'"{c}" = :user' for c in columns)
    has_team = "team_id" in db.columns(table)
    return f"team_id = :team AND ({match})" if has_team else f"({match})"


def counts(store: Store, team_id: str, user_id: str) -> dict[str, int]:
    """How many rows about this person each personal table holds (zero counts included)."""
    db = store.db
    out: dict[str, int] = {}
    for table, columns in personal_tables(db).items():
        where = _where(db, table, columns)
        row = db.execute(
            f'SELECT count(*) FROM "{table}" WHERE {where}', {"team": team_id, "user": user_id}
        ).fetchone()
        out[table] = int(row[0])
    return out


def export(store: Store, team_id: str, user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row about this person, table by table (for `/pendulum export`)."""
    db = store.db
    out: dict[str, list[dict[str, Any]]] = {}
    for table, columns in personal_tables(db).items():
        where = _where(db, table, columns)
        cursor = db.execute(
            f'SELECT * FROM "{table}" WHERE {where}', {"team": team_id, "user": user_id}
        )
        names = [d[0] for d in cursor.description]
        out[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return out


def forget(store: Store, team_id: str, user_id: str) -> dict[str, int]:
    """Delete every row about this person in this workspace, in one transaction. Rows that
    hang off them by foreign key (a schedule's skips) go with them. Returns table → rows."""
    if not user_id or not team_id:
        raise ValueError("forget needs a team id and a user id")
    deleted: dict[str, int] = {}
    with store.write() as db:
        tables = personal_tables(db)
        # deliveries first: they point at schedules (ON DELETE SET NULL would only detach them)
        for table in sorted(tables, key=lambda t: (t != "deliveries", t)):
            where = _where(db, table, tables[table])
            cursor = db.execute(
                f'DELETE FROM "{table}" WHERE {where}', {"team": team_id, "user": user_id}
            )
            deleted[table] = cursor.rowcount
        if "processed_requests" in db.table_names():
            deleted["processed_requests"] = _forget_request_keys(db, team_id, user_id)
    return deleted


def _forget_request_keys(db: Database, team_id: str, user_id: str) -> int:
    """Once-only keys that name the person as one `:`-separated part (`share:C…:ts:U…:topic`,
    `dm-hint:U…:date`); the table has no user column, so the schema scan above misses them."""
    cursor = db.execute(
        # LIKE, not SQLite's instr: the same on PostgreSQL (Slack ids hold no % or _)
        "DELETE FROM processed_requests WHERE team_id = :team"
        " AND key || ':' LIKE '%:' || :user || ':%'",
        {"team": team_id, "user": user_id},
    )
    return cursor.rowcount


def describe(table: str) -> TableInfo:
    return DESCRIPTIONS.get(table, OTHER)
