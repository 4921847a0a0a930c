"""The database a test runs against: a SQLite file (the default) or, with the switch on, a
fresh PostgreSQL database.

`PENDULUM_TEST_BACKEND=postgres` turns the switch on, with
`PENDULUM_TEST_POSTGRES=postgresql://admin:pw@host:5432/postgres` (a role that may CREATE
DATABASE; tests marked `postgres` use it whatever the backend): `fresh_database` then
creates an empty database `pendulum_t_<random>` on that server and returns its URL; the
test (or module, or session) that made it drops it when its fixtures are done
(`drop_since`, autouse fixtures in tests/conftest.py). Tests that are about SQLite files
themselves are marked `@pytest.mark.sqlite_only` and deselected when the switch is on.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bot.store import Store
from bot.store.location import PostgresLocation
from bot.store.postgres import NAMESPACE, WRITE_LOCK
from bot.store.sql import Database, Params, SqliteDatabase, quote

SWITCH = "PENDULUM_TEST_BACKEND"  # "postgres", or unset / "sqlite"
ADMIN_URL = "PENDULUM_TEST_POSTGRES"
# a constraint said no, on either backend
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)
PREFIX = "pendulum_t_"

_created: list[str] = []  # databases made and not yet dropped, oldest first
_stores: list[Store] = []  # stores `open_test_store` opened, closed before the drop
_apps: dict[Path, str] = {}  # an app's working directory → its database (`database_for`)


def postgres_admin_url() -> str | None:
    """The admin URL when the tests run against PostgreSQL, else None."""
    backend = os.environ.get(SWITCH, "sqlite").strip().lower() or "sqlite"
    if backend == "sqlite":
        return None
    url = os.environ.get(ADMIN_URL, "").strip()
    if backend != "postgres" or not url:
        raise RuntimeError(
            f"{SWITCH}={backend!r}: use 'sqlite' or 'postgres' (with {ADMIN_URL} set to an "
            "admin URL of the server)"
        )
    return url


def on_postgres() -> bool:
    return postgres_admin_url() is not None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin_connection() -> psycopg.Connection[Any]:
    admin = postgres_admin_url()
    assert admin is not None
    return psycopg.connect(admin, autocommit=True, connect_timeout=10)


def fresh_database(tmp_path: Path, name: str = "pendulum.db") -> str:
    """Where a new, empty database for this test lives: `tmp_path / name` (SQLite), or the
    URL of a database just created on the switch's server (PostgreSQL)."""
    admin = postgres_admin_url()
    if admin is None:
        return str(tmp_path / name)
    database = PREFIX + secrets.token_hex(6)
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    _created.append(database)
    return _with_database(admin, database)


def open_test_store(tmp_path: Path, name: str = "pendulum.db", *, migrate: bool = True) -> Store:
    """A Store on a fresh database (see `fresh_database`), migrated unless told otherwise;
    closed at the end of the test."""
    store = Store(fresh_database(tmp_path, name))
    _stores.append(store)
    if migrate:
        store.migrate()
    return store


def track(store: Store) -> Store:
    """Close `store` at the end of the test (its PostgreSQL pool holds connections)."""
    _stores.append(store)
    return store


Mark = tuple[int, int]


def mark() -> Mark:
    """Where the lists of databases and stores stand (see `drop_since`)."""
    return len(_created), len(_stores)


def drop_since(start: Mark) -> None:
    """Close the stores opened and drop the databases created since `start`: a test's, a
    module's or the session's (tests/conftest.py), each when its fixtures are done."""
    while len(_stores) > start[1]:
        _stores.pop().close()
    dropped = _created[start[0] :]
    del _created[start[0] :]
    for workdir in [w for w, url in _apps.items() if url.rsplit("/", 1)[-1] in dropped]:
        del _apps[workdir]
    if not dropped:
        return
    with _admin_connection() as conn:
        for database in reversed(dropped):
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def database_for(workdir: Path) -> Path | str:
    """The app's database for `workdir`: `pendulum.db` in it, or (switch on) the URL of a
    PostgreSQL database created the first time, the same one every time an app starts there."""
    if not on_postgres():
        return workdir / "pendulum.db"
    if workdir not in _apps:
        _apps[workdir] = fresh_database(workdir)
    return _apps[workdir]


def query(location: str | Path, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
    """Rows straight from the database at `location`, read as the app's store reads them."""
    store = Store(location)
    try:
        return [tuple(row) for row in store.db.execute(sql, params).fetchall()]
    finally:
        store.close()


def execute(location: str | Path, sql: str, params: Params = ()) -> int:
    """One committed write to the database at `location` (a test's setup); the row count."""
    store = Store(location)
    try:
        with store.write() as db:
            return db.execute(sql, params).rowcount
    finally:
        store.close()


def table_names(location: str | Path) -> list[str]:
    store = Store(location)
    try:
        return store.db.table_names()
    finally:
        store.close()


def migrate_until(store: Store, stop_before: str | list[str]) -> None:
    """The schema as an older Pendulum left it: every migration before `stop_before`."""
    from bot.store.migrations import MIGRATIONS

    with store.write() as db:
        MIGRATIONS.apply(db, stop_before=stop_before)


def schema_of(store: Store) -> list[tuple[str, ...]]:
    """The schema, comparable between two databases of the same backend: SQLite's CREATE
    statements; PostgreSQL's columns (in order), indexes and constraints."""
    db = store.db
    if db.dialect == "sqlite":
        rows = db.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        return [(name, " ".join(sql.split())) for name, sql in rows]
    columns = db.execute(
        "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, ''),"
        " is_identity FROM information_schema.columns WHERE table_schema = current_schema()"
        " ORDER BY table_name, ordinal_position"
    ).fetchall()
    indexes = db.execute(
        "SELECT tablename, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() ORDER BY tablename, indexname"
    ).fetchall()
    constraints = db.execute(
        "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2, 3"
    ).fetchall()
    return [tuple(str(v) for v in row) for row in [*columns, *indexes, *constraints]]


def insert(db: Database, table: str, row: dict[str, Any]) -> None:
    """INSERT one row given as {column: value} (a test's setup)."""
    columns = ", ".join(quote(c) for c in row)
    names = ", ".join(f":{c}" for c in row)
    db.execute(f"INSERT INTO {quote(table)} ({columns}) VALUES ({names})", row)


def snapshot(store: Store) -> dict[str, list[str]]:
    """Every table's rows, sorted: equal snapshots mean nothing was written in between."""
    db = store.db
    return {
        table: sorted(repr(tuple(r)) for r in db.execute(f"SELECT * FROM {quote(table)}"))
        for table in db.table_names()
    }


def writer_is_free(store: Store) -> bool:
    """True when another process could start a write right now (no transaction holds the
    write lock: SQLite's RESERVED lock, PostgreSQL's write advisory lock)."""
    if not store.postgres:
        other = sqlite3.connect(str(store.path), timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()
    assert isinstance(store.location, PostgresLocation)
    with psycopg.connect(store.location.url) as conn:
        free = conn.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [NAMESPACE, WRITE_LOCK]
        ).fetchone()
        conn.rollback()
    return bool(free and free[0])


def changed(store: Store) -> int | None:
    """SQLite's count of rows this thread's connection changed (None on PostgreSQL: compare
    `snapshot`s there)."""
    db = store.db
    return db.conn.total_changes if isinstance(db, SqliteDatabase) else None


def dict_rows(store: Store, sql: str, params: Params = ()) -> list[dict[str, Any]]:
    """Rows as {column: value}."""
    cursor = store.db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# A process killed with SIGKILL leaves claimed deliveries behind. SQLite's one process
# reconciles them as it starts again; on PostgreSQL the replicas (the restarted one included,
# under a new replica id) take them over once the dead one's lease has run out
# (bot/delivery/replicas.py; 90 s by default). A restarted app is given a short lease
# (`RESTART_ENV`) so a test need not wait that long; one live replica risks nothing by it.
RESTART_LEASE_SECONDS = 5
RESTART_ENV = {"PENDULUM_REPLICA_LEASE_SECONDS": str(RESTART_LEASE_SECONDS)}


def after_a_kill(seconds: float) -> float:
    """How long to wait for work a killed process left behind, with the restarted app on
    `RESTART_ENV`: `seconds`, plus the lease and a margin on PostgreSQL."""
    return seconds + (RESTART_LEASE_SECONDS + 20 if on_postgres() else 0)
