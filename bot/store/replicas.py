"""The `replicas` table: which Pendulum processes are alive on this database (heartbeats)."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from bot.delivery.timing import utc_text
from bot.store.db import Store


def new_replica_id() -> str:
    """This process's name among the replicas sharing a database: `<host>-<pid>-<random>`
    (the random part tells apart two processes that reuse a pid, e.g. in containers)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


GONE_FOR_GOOD = timedelta(days=1)  # rows of replicas not seen for this long are dropped


def heartbeat(store: Store, replica_id: str, now: datetime) -> None:
    with store.write() as db:
        db.execute(
            "INSERT INTO replicas (id, started_at, seen_at) VALUES (?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
            [replica_id, utc_text(now), utc_text(now)],
        )
        db.execute("DELETE FROM replicas WHERE seen_at < ?", [utc_text(now - GONE_FOR_GOOD)])


def live(store: Store, seen_after: datetime) -> list[str]:
    """The replicas seen since `seen_after`, sorted."""
    rows = store.db.execute(
        "SELECT id FROM replicas WHERE seen_at >= ? ORDER BY id", [utc_text(seen_after)]
    ).fetchall()
    return [str(r[0]) for r in rows]


def leave(store: Store, replica_id: str) -> None:
    """A clean shutdown: the others need not wait out the lease."""
    with store.write() as db:
        db.execute("DELETE FROM replicas WHERE id = ?", [replica_id])
