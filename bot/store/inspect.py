"""Read-only looks at the schedule and ledger tables, for the offline workbench.

The workbench watches the app from another thread, so `LedgerReader` keeps its own read-only
connection (the app's per-thread connections belong to the app's threads). Nothing here
writes; every statement the workbench needs lives here, beside the rest of the SQL.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from bot.store.db import Store

# a ledger row still waiting for the tick
OPEN_STATUSES = ("pending", "claimed")

Row = dict[str, Any]


def latest_recorded(store: Store) -> str | None:
    """The latest instant the app wrote down (a send, a claim, a schedule change), as stored."""
    row = store.db.execute(
        "SELECT max(t) FROM ("
        " SELECT max(sent_at) AS t FROM deliveries"
        " UNION ALL SELECT max(claimed_at) FROM deliveries"
        " UNION ALL SELECT max(created_at) FROM deliveries"
        " UNION ALL SELECT max(updated_at) FROM schedules)"
    ).fetchone()
    return str(row[0]) if row and row[0] else None


class LedgerReader:
    """The schedules, skips and ledger rows of one database file, read-only and thread-safe."""

    def __init__(self, db_path: Path) -> None:
        self._db = sqlite3.connect(
            f"file:{db_path}?mode=ro", uri=True, check_same_thread=False, timeout=5
        )
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Row]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def skips(self) -> list[Row]:
        """Every skipped local date: rows of schedule_id, local_date."""
        return self._rows("SELECT schedule_id, local_date FROM schedule_skips")

    def next_schedules(self, limit: int) -> list[Row]:
        """Schedules with a next occurrence, soonest first (whole rows)."""
        return self._rows(
            "SELECT * FROM schedules WHERE next_due_at IS NOT NULL ORDER BY next_due_at LIMIT ?",
            [limit],
        )

    def pending_sends(self, limit: int) -> list[Row]:
        """Queued one-off sends, soonest first: rows of kind, target, due_at."""
        return self._rows(
            "SELECT kind, target, due_at FROM deliveries WHERE status = 'pending'"
            " ORDER BY due_at LIMIT ?",
            [limit],
        )

    def statuses(self) -> dict[str, str]:
        """Every ledger row's status, by delivery key."""
        return {
            str(r["key"]): str(r["status"])
            for r in self._rows("SELECT key, status FROM deliveries")
        }

    def due_schedules(self, now: str) -> int:
        """How many schedules have an occurrence due at or before `now` (UTC text)."""
        rows = self._rows(
            "SELECT count(*) AS n FROM schedules WHERE next_due_at IS NOT NULL"
            " AND next_due_at <= ?",
            [now],
        )
        return int(rows[0]["n"])

    def open_due(self, now: str) -> int:
        """How many ledger rows due at or before `now` are still pending or claimed."""
        rows = self._rows(
            "SELECT count(*) AS n FROM deliveries WHERE status IN (?, ?) AND due_at <= ?",
            [*OPEN_STATUSES, now],
        )
        return int(rows[0]["n"])

    def deliveries(self) -> list[Row]:
        """Every ledger row, by due time: key, kind, target, status, due_at, error."""
        return self._rows(
            "SELECT key, kind, target, status, due_at, error FROM deliveries ORDER BY due_at"
        )
