"""The SQLite database behind Pendulum.

sqlite3 connections are bound to the thread that made them, and Bolt, the scheduler and the
HTTP server each run their own threads, so the store hands every thread its own connection,
all configured the same way (WAL, busy timeout, foreign keys).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from bot.store.migrations import MIGRATIONS

# How long a thread waits for a lock another connection or process holds. Background work (the
# scheduler, deliveries, the worker) can wait out an operator's long transaction; a thread
# answering Slack can't: it must ack within 3 s, so it uses REQUEST_BUSY_TIMEOUT_MS (see
# `Store.patience`) and answers "try again" instead.
BUSY_TIMEOUT_MS = 15_000
REQUEST_BUSY_TIMEOUT_MS = 1_000


def is_busy(exc: BaseException) -> bool:
    """True for SQLITE_BUSY / SQLITE_LOCKED: a lock held elsewhere outlasted the wait."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class StoreError(Exception):
    """The database cannot be opened or written; the message names the path and the fix."""


class Store:
    def __init__(self, path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection, opened on first use."""
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is None:
            db = self._open()
            self._local.db = db
        return db

    def _open(self, busy_timeout_ms: int | None = None) -> sqlite_utils.Database:
        wait = self.busy_timeout_ms if busy_timeout_ms is None else busy_timeout_ms
        try:
            conn = sqlite3.connect(str(self.path), timeout=wait / 1000)
            conn.execute(f"PRAGMA busy_timeout = {int(wait)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database at {self.path}: {exc}") from exc
        with self._all_lock:
            self._all.append(conn)
        return sqlite_utils.Database(conn, execute_plugins=False)

    def close(self) -> None:
        """Close every thread's connection (at shutdown)."""
        with self._all_lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.ProgrammingError):  # closed in its thread
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def patience(self, busy_timeout_ms: int) -> Iterator[None]:
        """Within the block, this thread waits at most `busy_timeout_ms` for a lock held
        elsewhere (then sqlite3.OperationalError, see `is_busy`).

        It does so through a second connection of its own, opened once with that timeout, so
        a request pays no PRAGMA on the way in and out (each one gives up the GIL: under load,
        a wait for it to come back)."""
        local = self._local
        impatient: tuple[int, sqlite_utils.Database] | None = getattr(local, "impatient", None)
        if impatient is None or impatient[0] != busy_timeout_ms:
            impatient = (busy_timeout_ms, self._open(busy_timeout_ms))
            local.impatient = impatient
        usual = getattr(local, "db", None)
        local.db = impatient[1]
        try:
            yield
        finally:
            local.db = usual  # None: the usual connection opens when this thread next needs it

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """A write transaction taken with BEGIN IMMEDIATE, so two writers queue on the busy
        timeout instead of failing half-way with SQLITE_BUSY on lock upgrade."""
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        else:
            db.conn.execute("COMMIT")

    # -- schema ------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied."""
        pending = [m.name for m in MIGRATIONS.pending(self.db)]
        if pending:  # the usual start: nothing to do, and nothing written
            MIGRATIONS.apply(self.db)
        return pending

    def schema_version(self) -> list[str]:
        return [m.name for m in MIGRATIONS.applied(self.db)]

    def backup(self, destination: str | Path) -> None:
        """An online, consistent copy (SQLite's backup API) that readers and writers can
        keep using while it runs."""
        target = sqlite3.connect(str(destination))
        try:
            self.db.conn.backup(target)
        finally:
            target.close()
