"""Operating Pendulum's database: what belongs to a workspace, export, stats, the scheduler's
tick, and the counts the health checks and metrics read (the file as a whole: backup.py).

Workspace data is found from the live schema, not from a hand-kept list, so a table added by
a later migration is covered the day it ships: a table with a `team_id` column holds one
workspace's rows, and a table without one is covered through a foreign key into such a table
(at any depth). The few tables that belong to no workspace are named in `GLOBAL_TABLES`; any
other table is reported by `unscoped_tables` (and fails the isolation test).
"""

from __future__ import annotations

import json
import os
import socket
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from bot.store.db import Store
from bot.store.migrations import MIGRATIONS, MIGRATIONS_TABLE
from bot.store.schema import columns as columns  # re-exported: tests and tools use admin's
from bot.store.schema import foreign_keys, is_postgres
from bot.store.schema import quote as quote
from bot.store.schema import table_names as table_names
from bot.store.sql import DATABASE_ERRORS, Database

EXPORT_FORMAT = "pendulum-export"
EXPORT_VERSION = 1

GLOBAL_TABLES: dict[str, str] = {
    "_sqlite_migrations": "the schema's migration history",
    "oauth_states": "installs in progress (no workspace exists yet; expire in minutes)",
    "app_state": "process-wide facts such as the scheduler's last tick",
    "replicas": "the running processes' heartbeats (several replicas on PostgreSQL)",
}
# never written to an export: they would let the file's reader act as the app
SECRET_COLUMNS: dict[str, frozenset[str]] = {
    "installations": frozenset(
        {"bot_token", "bot_refresh_token", "user_token", "user_refresh_token"}
    ),
    # a calendar feed address is a secret link: whoever has it reads the whole calendar
    "calendars": frozenset({"feed"}),
}
# never written to an export either: a manager's check-in answers are theirs alone ("Only you
# can see your answers"); they get them with `/pendulum export`. `db backup` copies everything.
PRIVATE_COLUMNS: dict[str, frozenset[str]] = {
    "checkins": frozenset(
        {"hands_on", "critical_path", "critical_path_what", "focus_blocks", "energy", "note"}
    ),
    # a manager's calendar and its figures are private to them too
    "calendars": frozenset({"events", "etag", "last_modified"}),
    "calendar_weeks": frozenset(
        {"meeting_hours", "focus_hours", "fragmented_hours", "ooo_days", "focus_blocks"}
    ),
    # a sent message's body: a follow-up DM quotes the manager's check-in answers back to them
    "deliveries": frozenset({"payload"}),
}
REDACTED = "[redacted]"
READ_ONLY = "read-only"  # quick_check's finding for a PostgreSQL server that refuses writes
LAST_TICK_KEY = "last_tick_at"
TICKER_KEY = "ticker"


class OpsError(Exception):
    """An operation refused or failed; `str()` is one line naming the problem and the fix."""


# -- workspace scopes ------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """How to find one workspace's rows in a table: `where` has exactly one `?`, the team id."""

    table: str
    where: str
    depth: int  # 0: the table has team_id; n: reached through n foreign keys


def workspace_scopes(db: Database) -> list[Scope]:
    """Every table holding workspace data, parents before children."""
    tables = table_names(db)
    scopes: dict[str, Scope] = {
        t: Scope(t, "team_id = ?", 0)
        for t in tables
        if t not in GLOBAL_TABLES and "team_id" in columns(db, t)
    }
    changed = True
    while changed:
        changed = False
        for table in tables:
            if table in scopes or table in GLOBAL_TABLES:
                continue
            for parent, child_cols, parent_cols in foreign_keys(db, table):
                if parent not in scopes:
                    continue
                up = scopes[parent]
                child = ", ".join(quote(c) for c in child_cols)
                keys = ", ".join(quote(c) for c in parent_cols)
                where = f"({child}) IN (SELECT {keys} FROM {quote(parent)} WHERE {up.where})"
                scopes[table] = Scope(table, where, up.depth + 1)
                changed = True
                break
    return sorted(scopes.values(), key=lambda s: (s.depth, s.table))


def unscoped_tables(db: Database) -> list[str]:
    """Tables that are neither workspace data nor known-global: a schema mistake."""
    scoped = {s.table for s in workspace_scopes(db)}
    return [t for t in table_names(db) if t not in scoped and t not in GLOBAL_TABLES]


def _rows(db: Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def workspace_rows(db: Database, team_id: str) -> dict[str, list[dict[str, Any]]]:
    """table → every row of one workspace, secrets and check-in answers redacted."""
    out: dict[str, list[dict[str, Any]]] = {}
    for scope in workspace_scopes(db):
        rows = _rows(db, f"SELECT * FROM {quote(scope.table)} WHERE {scope.where}", [team_id])
        secret = SECRET_COLUMNS.get(scope.table, frozenset()) | PRIVATE_COLUMNS.get(
            scope.table, frozenset()
        )
        for row in rows:
            for column in secret & row.keys():
                if row[column] is not None:
                    row[column] = REDACTED
        out[scope.table] = rows
    return out


def team_ids(db: Database) -> list[str]:
    """Every workspace with at least one row anywhere."""
    parts = [
        f"SELECT team_id FROM {quote(s.table)} WHERE team_id IS NOT NULL AND team_id != ''"
        for s in workspace_scopes(db)
        if s.depth == 0
    ]
    if not parts:
        return []
    rows = db.execute(" UNION ".join(parts) + " ORDER BY 1").fetchall()
    return [str(r[0]) for r in rows]


def children_first(db: Database, scopes: list[Scope]) -> list[Scope]:
    """`scopes` ordered so that a table comes before every table its foreign keys point to:
    deleting in this order never leaves a row pointing at a deleted one (PostgreSQL checks
    each statement; SQLite could defer the check to the commit)."""
    by_table = {s.table: s for s in scopes}
    graph: TopologicalSorter[str] = TopologicalSorter()
    for scope in sorted(scopes, key=lambda s: (-s.depth, s.table)):
        parents = {p for p, _, _ in foreign_keys(db, scope.table) if p in by_table}
        # a table pointing at itself (a tree) is deleted in one statement
        graph.add(scope.table, *(parents - {scope.table}))
    try:
        parents_first = list(graph.static_order())
    except CycleError:  # tables pointing at each other: depth order, checks at commit
        return sorted(scopes, key=lambda s: (-s.depth, s.table))
    return [by_table[t] for t in reversed(parents_first)]


def delete_workspace_rows(db: Database, team_id: str) -> dict[str, int]:
    """Delete every row of one workspace, children before parents (see `children_first`).
    Call inside a write transaction: all of it goes, or nothing."""
    if not team_id:
        raise ValueError("delete_workspace_rows needs a team id")
    if not is_postgres(db):
        db.execute("PRAGMA defer_foreign_keys = ON")
    deleted: dict[str, int] = {}
    for scope in children_first(db, workspace_scopes(db)):
        cursor = db.execute(f"DELETE FROM {quote(scope.table)} WHERE {scope.where}", [team_id])
        deleted[scope.table] = cursor.rowcount
    return deleted


def applied_migrations(db: Database) -> list[str]:
    if MIGRATIONS_TABLE not in table_names(db):
        return []
    rows = db.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY id",
        [MIGRATIONS.name],
    ).fetchall()
    return [str(r[0]) for r in rows]


def known_migrations() -> list[str]:
    return [m.name for m in MIGRATIONS._migrations]


# -- export ----------------------------------------------------------------------------------
def export(db: Database, now: datetime, team_id: str | None = None) -> dict[str, Any]:
    """Workspace data as one JSON-ready document: every workspace, or only `team_id`, stamped
    `now` (the caller's clock). Tokens, check-in answers and message bodies (a follow-up DM
    quotes the answers) are redacted; the global tables (install states, app state) are not
    included."""
    teams = [team_id] if team_id else team_ids(db)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "schema": applied_migrations(db),
        "teams": {team: workspace_rows(db, team) for team in teams},
    }


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False, default=str)


# -- stats -----------------------------------------------------------------------------------
@dataclass
class Stats:
    db_path: str
    schema: list[str]
    pending_migrations: list[str]
    workspaces: int
    oauth_installations: int
    enterprise_installs: int
    enrolled_managers: int | None
    subscriptions: int | None
    schedules_by_kind: dict[str, int]
    paused_schedules: int | None
    deliveries: dict[str, int]
    pending_deliveries: int | None
    due_now: int | None
    failed_deliveries: int | None
    last_tick_at: str | None
    last_tick_age_seconds: float | None
    ticker: str | None
    unscoped_tables: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        def show(value: int | None) -> str:
            return "n/a (table not created yet)" if value is None else str(value)

        migrations = (
            f"{len(self.pending_migrations)} pending (they run on the next start)"
            if self.pending_migrations
            else "up to date"
        )
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.schedules_by_kind.items()))
        statuses = ", ".join(f"{k} {n}" for k, n in sorted(self.deliveries.items()))
        if self.last_tick_at is None:
            tick = "never (no scheduler has run on this database)"
        else:
            age = self.last_tick_age_seconds or 0.0
            tick = f"{self.last_tick_at} ({age:.0f} s ago, by {self.ticker or '?'})"
        out = [
            f"database            {self.db_path}",
            f"schema              {self.schema[-1] if self.schema else '(empty)'}, {migrations}",
            f"workspaces          {self.workspaces} (OAuth installations: "
            f"{self.oauth_installations}, Enterprise Grid org installs: "
            f"{self.enterprise_installs})",
            f"enrolled managers   {show(self.enrolled_managers)}",
            f"subscriptions       {show(self.subscriptions)} channel(s)",
            f"schedules           {kinds or 'none'}; paused {show(self.paused_schedules)}",
            f"pending deliveries  {show(self.pending_deliveries)} ({show(self.due_now)} due now)",
            f"failed deliveries   {show(self.failed_deliveries)}",
            f"ledger              {statuses or 'empty'}",
            f"last tick           {tick}",
        ]
        if self.unscoped_tables:
            out.append(
                f"WARNING             tables with no team_id: {', '.join(self.unscoped_tables)}"
            )
        return out


def _count(db: Database, sql: str, params: list[Any] | None = None) -> int | None:
    """A count, or None when a table or column it needs does not exist yet."""
    try:
        row = db.execute(sql, params or []).fetchone()
    except DATABASE_ERRORS:
        return None
    return int(row[0] or 0)


def _state(db: Database, key: str) -> str | None:
    try:
        row = db.execute("SELECT value FROM app_state WHERE key = ?", [key]).fetchone()
    except DATABASE_ERRORS:
        return None
    return str(row[0]) if row else None


_USER_TARGET = "(target LIKE 'U%' OR target LIKE 'W%')"


def stats(db: Database, db_path: Path | str, now: datetime) -> Stats:
    """The whole database's figures; `db_path` is where it is, as shown to a person (for
    PostgreSQL the URL without its credentials)."""
    schema = applied_migrations(db)
    workspaces = set(team_ids(db))
    last_tick = _state(db, LAST_TICK_KEY)
    age = None
    if last_tick is not None:
        with suppress(ValueError):
            age = max(0.0, (now - datetime.fromisoformat(last_tick)).total_seconds())
    kinds: dict[str, int] = {}
    with suppress(*DATABASE_ERRORS):
        for kind, n in db.execute("SELECT kind, COUNT(*) FROM schedules GROUP BY kind"):
            kinds[str(kind)] = int(n)
    statuses: dict[str, int] = {}
    with suppress(*DATABASE_ERRORS):
        for status, n in db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status"):
            statuses[str(status)] = int(n)
    now_text = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Stats(
        db_path=str(db_path),
        schema=schema,
        pending_migrations=[m for m in known_migrations() if m not in schema],
        workspaces=len(workspaces),
        oauth_installations=_count(db, "SELECT COUNT(*) FROM installations") or 0,
        enterprise_installs=_count(
            db, "SELECT COUNT(*) FROM installations WHERE is_enterprise_install = 1"
        )
        or 0,
        enrolled_managers=_count(
            db,
            "SELECT COUNT(*) FROM (SELECT DISTINCT team_id, owner_user_id FROM schedules"
            f" WHERE {_USER_TARGET}) AS managers",
        ),
        subscriptions=_count(
            db,
            "SELECT COUNT(*) FROM (SELECT DISTINCT team_id, target FROM schedules"
            f" WHERE NOT {_USER_TARGET}) AS channels",
        ),
        schedules_by_kind=kinds,
        paused_schedules=_count(
            db,
            "SELECT COUNT(*) FROM schedules WHERE paused_reason IS NOT NULL"
            " OR paused_until IS NOT NULL OR next_due_at IS NULL",
        ),
        deliveries=statuses,
        pending_deliveries=_count(
            db, "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'claimed')"
        ),
        due_now=_count(
            db,
            "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'claimed')"
            " AND due_at <= ?",
            [now_text],
        ),
        failed_deliveries=_count(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'failed'"),
        last_tick_at=last_tick,
        last_tick_age_seconds=age,
        ticker=_state(db, TICKER_KEY),
        unscoped_tables=unscoped_tables(db),
    )


def record_tick(store: Store, now: datetime, ticker: str | None = None) -> None:
    """Remember the scheduler's last tick in the database, for `stats` and for a second
    process to see that this database already has a scheduler. `ticker` names the process
    (the replica id; host:pid by default)."""
    when = now.astimezone(UTC).isoformat(timespec="seconds")
    ticker = ticker or f"{socket.gethostname()}:{os.getpid()}"
    with store.write() as db:
        for key, value in ((LAST_TICK_KEY, when), (TICKER_KEY, ticker)):
            db.execute(
                "INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                [key, value, when],
            )


# -- the health checks' and metrics' reads ---------------------------------------------------
def quick_check(db: Database) -> list[str]:
    """`["ok"]` when the database is sound, else the findings. SQLite: `PRAGMA quick_check`
    (reads every page of the file). PostgreSQL keeps its own pages sound; what a replica can
    get wrong is the server it reached: it must answer, and accept writes (not a standby or
    a read-only default), checked without writing anything."""
    if is_postgres(db):
        db.execute("SELECT 1").fetchone()
        if str(db.execute("SHOW transaction_read_only").fetchone()[0]) == "on":
            return [f"{READ_ONLY}: this PostgreSQL server accepts no writes (a standby?)"]
        return ["ok"]
    return [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]


def ping(db: Database) -> None:
    """A trivial read: raises when the database can't answer."""
    db.execute("SELECT 1").fetchone()


def ledger_counts(db: Database, due_by: str) -> tuple[dict[str, int], int]:
    """Ledger rows by status, and how many pending or claimed ones are due by `due_by` (ISO
    UTC). Raises one of DATABASE_ERRORS before the ledger exists."""
    rows = db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
    due = db.execute(
        "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'claimed') AND due_at <= ?",
        [due_by],
    ).fetchone()[0]
    return {str(s): int(n) for s, n in rows}, int(due)


def workspace_count(db: Database) -> int:
    """Workspaces known to this database (raises one of DATABASE_ERRORS before the table)."""
    return int(db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0])


def restorable_schema(source: Path, schema: list[str]) -> list[str]:
    """A backup's migrations, if this version can run it (on either backend)."""
    if not schema:
        raise OpsError(
            f"{source} has no Pendulum schema. Fix: give a file written by `pendulum-bot db backup`"
        )
    unknown = [m for m in schema if m not in known_migrations()]
    if unknown:
        raise OpsError(
            f"{source} was written by a newer Pendulum (migrations {', '.join(unknown)}). "
            "Fix: upgrade this installation first, then restore"
        )
    return schema
