"""The SQLite database file as a whole: a read-only handle, the lock that keeps one running
app per database file, and checking, copying and restoring a backup (`pendulum-bot db
backup/restore`). PostgreSQL's are pg_backup.py's (pg_dump, pg_restore; no lock file: several
replicas share the database). Reading and deleting workspace rows is admin.py's job."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bot.store.admin import OpsError, applied_migrations, restorable_schema
from bot.store.schema import quote, table_names
from bot.store.sql import Database, SqliteDatabase


# -- opening a database for reading ----------------------------------------------------------
def open_readonly(path: Path) -> SqliteDatabase:
    """A connection that cannot write (export, stats), refusing a missing file rather than
    creating an empty one."""
    if not path.is_file():
        raise OpsError(f"{path} does not exist. Fix: point PENDULUM_DB at Pendulum's database file")
    conn = sqlite3.connect(str(path), timeout=5)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA query_only = ON")
    return SqliteDatabase(conn)


# -- the lock: one running app per database --------------------------------------------------
def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class DatabaseLock:
    """An exclusive `flock` on `<db>.lock`, held by `pendulum-bot run` for its whole life.

    The operating system drops it when the process exits, however it exits, so a crash never
    leaves a stale lock (the file itself stays and means nothing on its own). It marks the
    database as live for `db restore`, and stops a second scheduler on the same file.
    Works on local disks, which SQLite's WAL mode needs anyway (no NFS).
    """

    def __init__(self, db_path: Path) -> None:
        self.path = lock_path(db_path)
        self._fd: int | None = None
        self._created = False

    def acquire(self) -> None:
        import fcntl

        self._created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise OpsError(
                f"another Pendulum process ({holder or 'unknown pid'}) is running on this "
                "database. Fix: stop it first; one database has exactly one running app and "
                "scheduler (see deploy/README.md, Scaling)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{socket.gethostname()}:{os.getpid()}\n".encode())
        self._fd = fd

    def release(self, *, discard: bool = False) -> None:
        """Drop the lock. With `discard`, also remove the lock file if this process created
        it (a start that failed before doing anything leaves nothing behind)."""
        if self._fd is not None:
            if discard and self._created:
                with suppress(FileNotFoundError):
                    self.path.unlink()  # while still held: nobody else can be using it
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    @staticmethod
    def holder(db_path: Path) -> str | None:
        """`host:pid` of the process holding the lock, or None when nobody holds it."""
        import fcntl

        path = lock_path(db_path)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_holder(fd) or "unknown pid"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def __enter__(self) -> DatabaseLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class SharedDatabase(DatabaseLock):
    """What `run` holds on PostgreSQL: nothing. Several replicas share the database, and no
    file beside it could say otherwise across machines (bot/store/pg_backup.py finds
    running replicas for `db restore` from the server's own list of connections)."""

    def __init__(self) -> None:
        self._fd = None
        self._created = False

    def acquire(self) -> None:
        return None

    def release(self, *, discard: bool = False) -> None:
        return None


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        return ""


# -- backup and restore ----------------------------------------------------------------------
def live_reasons(db_path: Path) -> list[str]:
    """Why `db_path` looks in use. Live = a Pendulum process holds `<db>.lock`, or SQLite's
    `-wal`/`-shm` files exist (a connection is open, or a crashed process left committed
    writes in the WAL that would be replayed onto a restored file)."""
    reasons = []
    holder = DatabaseLock.holder(db_path)
    if holder:
        reasons.append(f"a running Pendulum ({holder}) holds {lock_path(db_path).name}")
    for suffix in ("-wal", "-shm"):
        side = db_path.with_name(db_path.name + suffix)
        if side.exists():
            reasons.append(f"{side.name} exists")
    return reasons


def row_counts(db: Database) -> dict[str, int]:
    return {
        t: int(db.execute(f"SELECT COUNT(*) FROM {quote(t)}").fetchone()[0])
        for t in table_names(db)
    }


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(str(path), timeout=5)
    try:
        yield conn
    finally:
        conn.close()


def check_backup(source: Path) -> list[str]:
    """The migrations a backup file was written with; raises OpsError if it is not a sound
    Pendulum database this version can run."""
    if not source.is_file():
        raise OpsError(f"{source} does not exist. Fix: give the path of a backup file")
    try:
        with _connect(source) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            db = SqliteDatabase(conn)
            schema = applied_migrations(db)
    except sqlite3.DatabaseError as exc:
        raise OpsError(
            f"{source} is not a readable SQLite database ({exc}). Fix: give a file written by "
            "`pendulum-bot db backup`"
        ) from exc
    if verdict != "ok":
        raise OpsError(f"{source} is damaged ({verdict}). Fix: restore an older backup")
    return restorable_schema(source, schema)


@dataclass(frozen=True)
class Restored:
    source: Path
    target: Path
    schema: list[str]
    rows: dict[str, int]
    forced: list[str]


def restore(source: Path, target: Path, *, force: bool = False) -> Restored:
    """Replace `target` with a copy of the backup `source`.

    Refuses when `target` is live (see `live_reasons`) unless `force`. The copy is written to
    a temporary file beside the target and moved into place in one rename, after deleting
    the target's `-wal`/`-shm` (a stale WAL replayed onto the restored file would corrupt
    it). An older backup is upgraded by the migrations on the next start.
    """
    source, target = source.resolve(), target.resolve()
    if source == target:
        raise OpsError(f"{source} is the live database itself. Fix: give a backup file")
    schema = check_backup(source)
    reasons = live_reasons(target)
    if reasons and not force:
        raise OpsError(
            f"{target} looks live: {'; '.join(reasons)}. Fix: stop Pendulum first (and let it "
            "exit cleanly), or pass --force if you are sure nothing is using it"
        )
    lock = DatabaseLock(target)
    locked = False
    with suppress(OpsError):
        lock.acquire()  # keep an app from starting half-way through; best effort under --force
        locked = True
    if not locked and not force:
        raise OpsError(f"{target} is in use. Fix: stop Pendulum first")
    temporary = target.with_name(f".{target.name}.restore-{os.getpid()}")
    try:
        with suppress(FileNotFoundError):
            temporary.unlink()
        with _connect(source) as src, _connect(temporary) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        with _connect(source) as src, _connect(temporary) as dst:
            expected = row_counts(SqliteDatabase(src))
            copied = row_counts(SqliteDatabase(dst))
        if expected != copied:
            raise OpsError(f"the copy of {source} is incomplete. Fix: retry; check free disk")
        _fsync(temporary)
        for suffix in ("-wal", "-shm", "-journal"):
            with suppress(FileNotFoundError):
                target.with_name(target.name + suffix).unlink()
        os.replace(temporary, target)
        _fsync(target.parent)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()
        lock.release()
    return Restored(source, target, schema, copied, reasons)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
