"""Workspace pacer locks: PostgreSQL session-level advisory locks, one per workspace, held by
the replica that paces it (bot/delivery/replicas.py). They live on a connection of their own
for as long as the replica does: a replica that dies loses its session, and its locks."""

from __future__ import annotations

import threading
from typing import Any

from bot.store.postgres import NAMESPACE, workspace_lock_key


class WorkspaceLocks:
    """PostgreSQL session-level advisory locks, one per workspace, on one connection that
    lives as long as this replica (its death releases them)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._lock = threading.Lock()

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            self._conn = psycopg.connect(
                self.url, autocommit=True, application_name="pendulum-pacer"
            )
        return self._conn

    def try_acquire(self, team_id: str) -> bool:
        with self._lock:
            row = (
                self._connection()
                .execute(
                    "SELECT pg_try_advisory_lock(%s, %s)",
                    [NAMESPACE, workspace_lock_key(team_id)],
                )
                .fetchone()
            )
            return bool(row and row[0])

    def release(self, team_id: str) -> None:
        with self._lock:
            if self._conn is None or self._conn.closed:
                return
            self._conn.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [NAMESPACE, workspace_lock_key(team_id)]
            )

    def alive(self) -> bool:
        """False when the session (and with it every lock) was lost."""
        with self._lock:
            if self._conn is None:
                return True
            try:
                self._conn.execute("SELECT 1")
                return True
            except Exception:
                self._conn = None
                return False

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
