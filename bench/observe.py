"""What the app did to Slack and to its database, for asserting "nothing happened":
the Web API writes it made (reads don't count), its response_url posts, and a digest of
every table except the ones that move by themselves."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

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
# bookkeeping that moves on its own (the scheduler's heartbeat) or only records that a request
# was seen (the once-only guard itself)
VOLATILE_TABLES = frozenset({"app_state", "processed_requests"})


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


def database_digest(db_path: Path) -> str:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        digest = hashlib.sha256()
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT LIKE '_sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            if table in VOLATILE_TABLES:
                continue
            rows = sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{table}"'))
            digest.update(f"{table}:{len(rows)}:{''.join(rows)}".encode())
        return digest.hexdigest()
    finally:
        conn.close()


def snapshot(emu: Emulator, db_path: Path) -> Snapshot:
    writes = Counter(c.method for c in emu.calls if c.method not in READS)
    return Snapshot(
        tuple(sorted(writes.items())), len(emu.response_posts), database_digest(db_path)
    )


def settle(emu: Emulator, db_path: Path, quiet: float = 0.4, timeout: float = 15.0) -> Snapshot:
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
