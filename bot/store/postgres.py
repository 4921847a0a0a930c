"""PostgreSQL connections for the store: a psycopg pool, and the advisory locks replicas use.

Writes are serialised the way SQLite's `BEGIN IMMEDIATE` serialises them: every
`Store.write()` transaction first takes one transaction-level advisory lock (`WRITE_LOCK`).
Each read-modify-write in `bot/store/` was written (and race-tested) for one writer at a
time, and stays correct unchanged with several replicas; writes are short and never held
across a Slack call, so the queue is brief. Reads never wait for it.

Advisory lock keys are two 32-bit integers: `NAMESPACE` (Pendulum's) and the purpose.
"""

from __future__ import annotations

import zlib
from typing import Any

from bot.store.location import PostgresLocation

NAMESPACE = 0x50454E44  # "PEND"
WRITE_LOCK = 1
MIGRATE_LOCK = 2
WORKSPACE_LOCKS = 3  # + crc32 of the team id: one pacer per workspace (bot/delivery/replicas.py)

POOL_MAX = 16


class PostgresUnavailable(Exception):
    """psycopg is not installed: PENDULUM_DB names PostgreSQL but the extra is missing."""


def open_pool(location: PostgresLocation, *, max_size: int = POOL_MAX) -> Any:
    """A psycopg_pool.ConnectionPool of autocommit connections (a `Store.write()` opens its
    own transaction). Opened lazily: the first statement connects."""
    try:
        from psycopg_pool import ConnectionPool
    except ImportError as exc:
        raise PostgresUnavailable(
            "PENDULUM_DB is a PostgreSQL URL but psycopg is not installed. "
            "Fix: install the extra, `pip install 'pendulum-bot[postgres]'`"
        ) from exc
    return ConnectionPool(
        location.url,
        min_size=1,
        max_size=max_size,
        kwargs={"autocommit": True, "application_name": "pendulum"},
        open=True,
        timeout=30,
        name="pendulum",
    )


def workspace_lock_key(team_id: str) -> int:
    """The second half of a workspace's advisory lock key (a signed 32-bit integer)."""
    value = zlib.crc32(f"{WORKSPACE_LOCKS}:{team_id}".encode())
    return value - (1 << 32) if value >= (1 << 31) else value
