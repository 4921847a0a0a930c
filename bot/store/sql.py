"""One way to run the store's SQL on either backend.

Every statement in `bot/store/` is written once, in SQL both SQLite and PostgreSQL accept
(`ON CONFLICT … DO UPDATE`, `RETURNING`, `||`, standard types) with SQLite's `?` or `:name`
placeholders. `Database.execute` runs it as is on SQLite; on PostgreSQL, sqlparams turns the
placeholders into psycopg's `%s` (literal `%` doubled first) and the rows come back as a
fully-read `Result` with the DB-API surface the store uses (`fetchone`, `fetchall`,
`rowcount`, `description`). The few things only one backend has (PRAGMAs, the catalogue,
file backups) branch on `Database.dialect` in the module that needs them.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import psycopg

Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | Mapping[str, Any]


class Cursor(Protocol):
    """The part of a DB-API cursor the store reads."""

    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


def database_errors() -> tuple[type[BaseException], ...]:
    """Exceptions meaning "the database said no" on either backend (for `except`)."""
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg
    except ImportError:  # the postgres extra is not installed: SQLite only
        return tuple(errors)
    errors.append(psycopg.Error)
    return tuple(errors)


DATABASE_ERRORS = database_errors()


class Database:
    """A connection to the store's database; see the module docstring."""

    dialect: Dialect

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def table_names(self) -> list[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        raise NotImplementedError

    def atomic(self) -> AbstractContextManager[Database]:
        """A transaction, or a savepoint inside the current one: all of it or nothing."""
        raise NotImplementedError


_savepoints = itertools.count()


class SqliteDatabase(Database):
    dialect: Dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self.conn.executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.conn.execute(f"PRAGMA table_info({quote(table)})").fetchall()
        return [str(r[1]) for r in rows]

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        name = f"pendulum_{next(_savepoints)}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self.conn.execute(f"RELEASE SAVEPOINT {name}")


def quote(identifier: str) -> str:
    """A table or column name as a quoted identifier (valid on both backends)."""
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class Result:
    """A PostgreSQL statement's outcome, read in full before its connection went back."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rowcount: int = -1
    description: list[tuple[str, None, None, None, None, None, None]] | None = None
    _next: int = 0

    def fetchone(self) -> Any:
        if self._next >= len(self.rows):
            return None
        self._next += 1
        return self.rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        rest, self._next = self.rows[self._next :], len(self.rows)
        return rest

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


@cache  # one per placeholder style
def _converter(style: str) -> Any:
    import sqlparams

    return sqlparams.SQLParams(style, "format")


@lru_cache(maxsize=4096)
def _escaped(sql: str) -> str:
    return sql.replace("%", "%%")


def to_psycopg(sql: str, params: Params) -> tuple[str, Sequence[Any]]:
    """SQLite placeholders (`?` with a sequence, `:name` with a mapping) as psycopg's `%s`."""
    escaped = _escaped(sql)
    if isinstance(params, Mapping):
        converted, values = _converter("named").format(escaped, dict(params))
    else:
        if not params:
            return escaped, ()
        converted, values = _converter("qmark").format(escaped, list(params))
    return converted, [_adapt(v) for v in values]


def _adapt(value: Any) -> Any:
    """Booleans are stored as 0/1 on both backends (SQLite has no boolean type)."""
    return int(value) if isinstance(value, bool) else value


class PostgresDatabase(Database):
    """Statements on one psycopg connection: the one a `Store.write()` block holds, or, for a
    statement outside a transaction, one borrowed from the pool for that statement alone."""

    dialect: Dialect = "postgresql"

    def __init__(self, pool: Any, conn: psycopg.Connection[Any] | None = None) -> None:
        self.pool = pool
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        if self.conn is not None:
            return _run(self.conn, sql, params)
        with self.pool.connection() as conn:
            return _run(conn, sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if not rows:
            return
        converted = [to_psycopg(sql, r) for r in rows]
        text = converted[0][0]
        if self.conn is not None:
            self.conn.cursor().executemany(text, [v for _, v in converted])
            return
        with self.pool.connection() as conn:
            conn.cursor().executemany(text, [v for _, v in converted])

    @property
    def in_transaction(self) -> bool:
        return self.conn is not None

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn is None:
            raise RuntimeError("atomic() needs a connection of its own (Store.write)")
        with self.conn.transaction():
            yield self

    def table_names(self) -> list[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            " ORDER BY table_name"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        return [str(r[0]) for r in rows]


def _run(conn: psycopg.Connection[Any], sql: str, params: Params) -> Result:
    text, values = to_psycopg(sql, params)
    cursor = conn.execute(text, values, prepare=False)
    description = None
    rows: list[tuple[Any, ...]] = []
    if cursor.description is not None:
        description = [(c.name, None, None, None, None, None, None) for c in cursor.description]
        rows = [tuple(r) for r in cursor.fetchall()]
    return Result(rows=rows, rowcount=cursor.rowcount, description=description)
