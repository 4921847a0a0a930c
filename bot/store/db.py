"""The database behind Pendulum: a SQLite file (the default) or PostgreSQL (several replicas).

SQLite: sqlite3 connections are bound to the thread that made them, and Bolt, the scheduler
and the HTTP server each run their own threads, so the store hands every thread its own
connection, all configured the same way (WAL, busy timeout, foreign keys).

PostgreSQL: a psycopg pool (bot/store/postgres.py). A statement outside `write()` borrows a
connection for itself; a `write()` block holds one for its transaction, behind the write lock
that keeps SQLite's one-writer-at-a-time semantics across every replica.
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
from typing import Any

from bot import __version__
from bot.store import pg_server
from bot.store.location import Location, PostgresLocation, SqliteLocation, parse_location
from bot.store.migrations import MIGRATIONS
from bot.store.postgres import MIGRATE_LOCK, NAMESPACE, WRITE_LOCK, open_pool
from bot.store.sql import Database, PostgresDatabase, SqliteDatabase

# How long a thread waits for a lock another connection or process holds. Background work (the
# scheduler, deliveries, the worker) can wait out an operator's long transaction; a thread
# answering Slack can't: it must ack within 3 s, so it uses REQUEST_BUSY_TIMEOUT_MS (see
# `Store.patience`) and answers "try again" instead.
BUSY_TIMEOUT_MS = 15_000
REQUEST_BUSY_TIMEOUT_MS = 1_000


def is_busy(exc: BaseException) -> bool:
    """True for SQLITE_BUSY / SQLITE_LOCKED, or PostgreSQL's lock_timeout: a lock held
    elsewhere outlasted the wait."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in text or "busy" in text
    return type(exc).__name__ in ("LockNotAvailable", "QueryCanceled") and "lock" in text


class StoreError(Exception):
    """The database cannot be opened or written; the message names the path and the fix."""


class NewerDatabase(StoreError):
    """The database was written by a newer Pendulum: this build must not touch it."""


def refuse_newer(applied: list[str], where: Path) -> None:
    """NewerDatabase when `applied` names a migration this build does not know."""
    known = set(MIGRATIONS.names)
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise NewerDatabase(newer_database_problem(where, unknown))


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
    refuse_newer(applied, path)


def check_server_database(location: PostgresLocation) -> None:
    """`check_database` for PostgreSQL: refuse a database written by a newer Pendulum before
    a command reads or writes it (the server is known to answer)."""
    with pg_server.connect(location) as conn:
        applied = MIGRATIONS.applied(PostgresDatabase(None, conn))
    refuse_newer(applied, Path(location.display))


class Store:
    def __init__(
        self, location: str | Path | Location, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        if isinstance(location, SqliteLocation | PostgresLocation):
            self.location: Location = location
        else:
            self.location = parse_location(location)
        # SQLite's file; for PostgreSQL a stand-in naming the server (messages only)
        self.path = (
            self.location.path
            if isinstance(self.location, SqliteLocation)
            else Path(self.location.display)
        )
        self.dialect = "sqlite" if isinstance(self.location, SqliteLocation) else "postgresql"
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._pool: Any = None
        self._pool_lock = threading.Lock()

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def display(self) -> str:
        """Where the database is, safe to print (no password)."""
        return self.location.display

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        """This thread's connection (SQLite: opened on first use; PostgreSQL: the write
        transaction's, or the pool's, one statement at a time)."""
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = PostgresDatabase(self.pool) if self.postgres else self._open()
            self._local.db = db
        return db

    @property
    def pool(self) -> Any:
        """The PostgreSQL connection pool, opened on first use."""
        with self._pool_lock:
            if self._pool is None:
                assert isinstance(self.location, PostgresLocation)
                self._pool = open_pool(self.location)
            return self._pool

    def _open(self, busy_timeout_ms: int | None = None) -> SqliteDatabase:
        wait = self.busy_timeout_ms if busy_timeout_ms is None else busy_timeout_ms
        try:
            conn = sqlite3.connect(str(self.path), timeout=wait / 1000)
            conn.execute(f"PRAGMA busy_timeout = {int(wait)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # deleted rows are overwritten with zeros, whatever this SQLite build's default:
            # `forget me` must not leave a manager's answers readable in free pages
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database at {self.path}: {exc}") from exc
        with self._all_lock:
            self._all.append(conn)
        return SqliteDatabase(conn)

    def close(self) -> None:
        """Close every thread's connection (at shutdown)."""
        with self._all_lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.ProgrammingError):  # closed in its thread
                    conn.close()
            self._all.clear()
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        self._local = threading.local()

    @contextmanager
    def patience(self, busy_timeout_ms: int) -> Iterator[None]:
        """Within the block, this thread waits at most `busy_timeout_ms` for a lock held
        elsewhere (then an error `is_busy` recognises).

        SQLite: through a second connection of its own, opened once with that timeout, so
        a request pays no PRAGMA on the way in and out (each one gives up the GIL: under load,
        a wait for it to come back). PostgreSQL: `write()` sets lock_timeout for its
        transaction."""
        local = self._local
        if self.postgres:
            before = getattr(local, "lock_timeout_ms", None)
            local.lock_timeout_ms = busy_timeout_ms
            try:
                yield
            finally:
                local.lock_timeout_ms = before
            return
        impatient: tuple[int, Database] | None = getattr(local, "impatient", None)
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
    def write(self) -> Iterator[Database]:
        """A write transaction. SQLite: taken with BEGIN IMMEDIATE, so two writers queue on
        the busy timeout instead of failing half-way with SQLITE_BUSY on lock upgrade.
        PostgreSQL: behind the write lock (bot/store/postgres.py), the same queue across
        every replica."""
        if self.postgres:
            with self._write_postgres() as pg:
                yield pg
            return
        db = self.db
        assert isinstance(db, SqliteDatabase)
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

    @contextmanager
    def _write_postgres(self) -> Iterator[Database]:
        local = self._local
        current = getattr(local, "db", None)
        if isinstance(current, PostgresDatabase) and current.conn is not None:
            with current.atomic():  # nested: a savepoint
                yield current
            return
        with self.pool.connection() as conn, conn.transaction():
            timeout = getattr(local, "lock_timeout_ms", None)
            if timeout is not None:
                conn.execute(f"SET LOCAL lock_timeout = {int(timeout)}")
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NAMESPACE, WRITE_LOCK])
            bound = PostgresDatabase(self.pool, conn)
            local.db = bound
            try:
                yield bound
            finally:
                local.db = current

    def erase_history(self, attempts: int = 5) -> bool:
        """SQLite: copy every committed change into the database file and empty the WAL (a
        TRUNCATE checkpoint), so rows just deleted (zeroed, with secure_delete) leave no old
        copy in `-wal`. False when readers kept the WAL in use through every attempt.
        PostgreSQL: nothing to do here (dead rows are reclaimed by autovacuum; see
        deploy/POSTGRES.md)."""
        if self.postgres:
            return True
        for attempt in range(attempts):
            busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                return True
            time.sleep(0.05 * (attempt + 1))  # a reader's snapshot ends within moments
        return False

    # -- schema ------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied. Refuses a database written by a
        newer Pendulum (NewerDatabase), whose schema this build does not know. On PostgreSQL
        under an advisory lock: replicas starting together apply each step once."""
        if not self.postgres:
            return self._migrate(self.db)
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s, %s)", [NAMESPACE, MIGRATE_LOCK])
            try:
                return self._migrate(PostgresDatabase(self.pool, conn))
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", [NAMESPACE, MIGRATE_LOCK])

    def _migrate(self, db: Database) -> list[str]:
        refuse_newer(MIGRATIONS.applied(db), self.path)
        if not MIGRATIONS.pending(db):  # the usual start: nothing to do, and nothing written
            return []
        return MIGRATIONS.apply(db)

    def schema_version(self) -> list[str]:
        return MIGRATIONS.applied(self.db)

    def backup(self, destination: str | Path) -> None:
        """An online, consistent copy (SQLite's backup API) that readers and writers can
        keep using while it runs. Written beside `destination` and renamed into place, so a
        failed backup leaves no file behind (and the retry is not refused)."""
        destination = Path(destination)
        partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
        db = self.db
        assert isinstance(db, SqliteDatabase), "PostgreSQL backups are pg_dump's job"
        try:
            target = sqlite3.connect(str(partial))
            try:
                db.conn.backup(target)
            finally:
                target.close()
            os.replace(partial, destination)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
