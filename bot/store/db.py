"""The SQLite database behind Pendulum.

sqlite3 connections are bound to the thread that made them, and Bolt, the scheduler and the
HTTP server each run their own threads, so the store hands every thread its own connection,
all configured the same way (WAL, busy timeout, foreign keys).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from bot import __version__
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


class NewerDatabase(StoreError):
    """The database was written by a newer Pendulum: this build must not touch it."""


def newer_database_problem(path: Path, unknown: list[str]) -> str:
    return (
        f"{path} was written by a newer Pendulum (migration {', '.join(unknown)} is unknown "
        f"to pendulum-bot {__version__}). Fix: upgrade pendulum-bot to the version that wrote "
        "it, or restore a backup taken before that upgrade (`pendulum-bot db restore`)"
    )


def check_database(path: Path) -> None:
    """Refuse, before anything opens it for writing, a file that is not a SQLite database
    Pendulum can use: not SQLite at all, or written by a newer Pendulum. A missing or empty
    file is fine (the migrations create the schema)."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        # read-write but query-only: a read-only connection to a WAL database would leave
        # -wal/-shm files behind, which mean "live" to `db restore`
        conn = sqlite3.connect(str(path), timeout=5)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path} ({exc})") from exc
    try:
        conn.execute("PRAGMA query_only = ON")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        applied: list[str] = []
        if "_sqlite_migrations" in tables:
            applied = [
                str(r[0])
                for r in conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                    [MIGRATIONS.name],
                )
            ]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a SQLite database ({exc})") from exc
    finally:
        conn.close()
    known = {m.name for m in MIGRATIONS._migrations}
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise NewerDatabase(newer_database_problem(path, unknown))


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
            # deleted rows (`forget me`, `calendar off`) are overwritten, not left in free
            # pages of the file: some SQLite builds default to this, not all
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            # deleted rows are overwritten with zeros, whatever this SQLite build's default:
            # `forget me` must not leave a manager's answers readable in free pages
            conn.execute("PRAGMA secure_delete = ON")
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

    def erase_history(self, attempts: int = 5) -> bool:
        """Copy every committed change into the database file and empty the WAL (a TRUNCATE
        checkpoint), so rows just deleted (zeroed, with secure_delete) leave no old copy in
        `-wal`. False when readers kept the WAL in use through every attempt."""
        for attempt in range(attempts):
            busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                return True
            time.sleep(0.05 * (attempt + 1))  # a reader's snapshot ends within moments
        return False

    # -- schema ------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied. Refuses a database written by a
        newer Pendulum (NewerDatabase), whose schema this build does not know."""
        known = {m.name for m in MIGRATIONS._migrations}
        unknown = [m.name for m in MIGRATIONS.applied(self.db) if m.name not in known]
        if unknown:
            raise NewerDatabase(newer_database_problem(self.path, unknown))
        pending = [m.name for m in MIGRATIONS.pending(self.db)]
        if pending:  # the usual start: nothing to do, and nothing written
            MIGRATIONS.apply(self.db)
        return pending

    def schema_version(self) -> list[str]:
        return [m.name for m in MIGRATIONS.applied(self.db)]

    def backup(self, destination: str | Path) -> None:
        """An online, consistent copy (SQLite's backup API) that readers and writers can
        keep using while it runs. Written beside `destination` and renamed into place, so a
        failed backup leaves no file behind (and the retry is not refused)."""
        destination = Path(destination)
        partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
        try:
            source = self.db.conn
            target = sqlite3.connect(str(partial))
            try:
                source.backup(target)
            finally:
                target.close()
            os.replace(partial, destination)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
