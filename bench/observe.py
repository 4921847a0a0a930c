"""What the app did to Slack and to its database, for asserting "nothing happened":
the Web API writes it made (reads don't count), its response_url posts, and a digest of
every table except the ones that move by themselves."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.store import Store
from bot.store.location import PostgresLocation, parse_location
from bot.store.sql import quote
from slack_emulator import Emulator

READS = frozenset(
    {
        "auth.test",
        "users.info",
        "users.list",
        "users.lookupByEmail",
        "team.info",
        "conversations.history",
        "conversations.replies",
        "conversations.info",
        "conversations.members",
        "conversations.list",
        "chat.getPermalink",
        "apps.connections.open",
    }
)
# bookkeeping that moves on its own (the scheduler's heartbeat, each replica's) or only records
# that a request was seen (the once-only guard itself)
VOLATILE_TABLES = frozenset({"app_state", "processed_requests", "replicas"})


@dataclass(frozen=True)
class Snapshot:
    writes: tuple[tuple[str, int], ...]
    response_posts: int
    database: str

    def differences(self, other: Snapshot) -> list[str]:
        found = []
        mine, theirs = Counter(dict(self.writes)), Counter(dict(other.writes))
        for method in sorted(set(mine) | set(theirs)):
            if mine[method] != theirs[method]:
                found.append(f"{method}: {mine[method]} → {theirs[method]} call(s)")
        if self.response_posts != other.response_posts:
            found.append(f"response_url posts: {self.response_posts} → {other.response_posts}")
        if self.database != other.database:
            found.append("the database changed")
        return found


def database_digest(location: str | Path) -> str:
    """A digest of every table's rows; `location` is PENDULUM_DB (a SQLite path, read
    without creating or changing the file, or a PostgreSQL URL)."""
    digest = hashlib.sha256()
    for table, rows in _tables(location):
        if table in VOLATILE_TABLES:
            continue
        ordered = sorted(repr(tuple(r)) for r in rows)
        digest.update(f"{table}:{len(ordered)}:{''.join(ordered)}".encode())
    return digest.hexdigest()


def _tables(location: str | Path) -> Iterator[tuple[str, list[Any]]]:
    where = parse_location(location)
    if isinstance(where, PostgresLocation):
        store = Store(where)
        try:
            for table in store.db.table_names():
                if not table.startswith("_sqlite_"):
                    yield table, store.db.execute(f"SELECT * FROM {quote(table)}").fetchall()
        finally:
            store.close()
        return
    conn = sqlite3.connect(f"file:{where.path}?mode=ro", uri=True, timeout=10)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT LIKE '_sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            yield table, conn.execute(f"SELECT * FROM {quote(table)}").fetchall()
    finally:
        conn.close()


def snapshot(emu: Emulator, db_path: str | Path) -> Snapshot:
    writes = Counter(c.method for c in emu.calls if c.method not in READS)
    return Snapshot(
        tuple(sorted(writes.items())), len(emu.response_posts), database_digest(db_path)
    )


def settle(
    emu: Emulator, db_path: str | Path, quiet: float = 0.4, timeout: float = 15.0
) -> Snapshot:
    """Wait until the app has stopped doing things (its deferred work runs on a worker)."""
    deadline = time.monotonic() + timeout
    last = snapshot(emu, db_path)
    calm_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = snapshot(emu, db_path)
        if now != last:
            last, calm_since = now, time.monotonic()
        elif time.monotonic() - calm_since >= quiet:
            return now
    raise AssertionError("the app never went quiet")
