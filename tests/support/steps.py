"""Steps the scenario tests share: enrol, answer a check-in, wait for what Slack shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from blockkit.validate import message_problems
from bot.store import Store
from bot.store.admin import (
    quote,
    table_names,
    workspace_scopes,
)
from bot.store.sql import Database, SqliteDatabase
from slack_emulator import Emulator
from slack_emulator.delivery import Delivery
from slack_emulator.models import Ephemeral, Message, View
from tests.support.harness import (
    ALICE,
    TEAM,
    AppProcess,
)

CLIENT_ID = "123.456"

SHARED_USER = "U0SHARED"  # the same person id in both workspaces: scoping must still hold


USER_COLUMNS = ("user_id", "owner_user_id", "installer_id", "target")


FIXED = {
    "client_id": CLIENT_ID,
    "enterprise_id": "",
    # a calendar feed due for its hourly read would be read (its row updated) by the app
    "next_fetch_at": "9999-12-31T00:00:00+00:00",
}


# -- generic seeding -----------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # upper case, SQLite's words: INTEGER, TEXT, REAL
    pk: bool


def _checks(constraints: str) -> dict[str, Any]:
    """A valid value for columns with `CHECK (col IN (...))` / `CHECK (col BETWEEN a AND b)`,
    as SQLite keeps them (the CREATE statement) or as PostgreSQL prints them
    (`col = ANY (ARRAY['a'::text, ...])`, `col >= a AND col <= b`)."""
    found: dict[str, Any] = {}
    for col, options in re.findall(r"CHECK\s*\(\s*(\w+)\s+IN\s*\(([^)]*)\)", constraints, re.I):
        found[col] = options.split(",")[0].strip().strip("'")
    for col, low in re.findall(r"CHECK\s*\(\s*(\w+)\s+BETWEEN\s+(-?\d+)", constraints, re.I):
        found[col] = int(low)
    for col, first in re.findall(r"\(?(\w+) = ANY \(+ARRAY\['([^']*)'", constraints):
        found[col] = first
    for col, low in re.findall(r"\(+(\w+) >= \(?(-?\d+)", constraints):
        found[col] = int(low)
    return found


def _shape(db: Database, table: str) -> tuple[list[Column], dict[str, tuple[str, str]], str]:
    """A table's columns, foreign keys (column → parent table and key) and CHECK text."""
    if db.dialect == "sqlite":
        info = db.execute(f"PRAGMA table_info({quote(table)})").fetchall()
        columns = [Column(str(r[1]), str(r[2]).upper(), bool(r[5])) for r in info]
        fks = {
            str(r[3]): (str(r[2]), str(r[4] or "rowid"))
            for r in db.execute(f"PRAGMA foreign_key_list({quote(table)})").fetchall()
        }
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
        return columns, fks, str(sql)
    pk = {
        str(r[0])
        for r in db.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY (i.indkey)"
            " WHERE i.indisprimary AND i.indrelid = CAST(? AS regclass)",
            [table],
        )
    }
    words = {"bigint": "INTEGER", "integer": "INTEGER", "double precision": "REAL"}
    columns = [
        Column(str(name), words.get(str(kind), str(kind).upper()), str(name) in pk)
        for name, kind in db.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            [table],
        )
    ]
    fks = {}
    checks = []
    for kind, definition in db.execute(
        "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = CAST(? AS regclass) AND contype IN ('f', 'c')",
        [table],
    ):
        if kind == "c":
            checks.append(str(definition))
            continue
        found = re.match(r"FOREIGN KEY \(([^)]*)\) REFERENCES (\w+)\(([^)]*)\)", str(definition))
        if found:
            children, parents = (g.split(", ") for g in (found.group(1), found.group(3)))
            fks.update({c: (found.group(2), k) for c, k in zip(children, parents, strict=True)})
    return columns, fks, " ".join(f"CHECK {c[len('CHECK ') :]}" for c in checks)


def _parents_first(db: Database, tables: list[str]) -> list[str]:
    ordered: list[str] = []

    def visit(table: str, path: tuple[str, ...] = ()) -> None:
        if table in ordered or table in path:
            return
        for parent, _key in _shape(db, table)[1].values():
            if parent in tables and parent != table:
                visit(parent, (*path, table))
        ordered.append(table)

    for table in tables:
        visit(table)
    return ordered


def query(app: AppProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return app.query(sql, params)


def text_of(item: Message | Ephemeral | Any) -> str:
    return f"{getattr(item, 'text', '')} {getattr(item, 'blocks', '')}"


def wait_ephemeral(emu: Emulator, user: str, needle: str) -> Ephemeral:
    def found() -> Ephemeral | None:
        for item in reversed(emu.ephemerals(user=user)):
            if needle in text_of(item):
                return item
        return None

    return emu.wait_for(found, timeout=10, message=f"an ephemeral with {needle!r}")


def wait_dm(emu: Emulator, user: str, needle: str, count: int = 1) -> Message:
    def found() -> Message | None:
        hits = [m for m in emu.messages(user) if needle in text_of(m)]
        return hits[-1] if len(hits) >= count else None

    return emu.wait_for(found, timeout=15, message=f"a DM with {needle!r}")


def move_clock_to(app: AppProcess, instant: datetime) -> None:
    app.advance_clock((instant - datetime.now(UTC)).total_seconds() - app.clock_offset + 1)


def enrol(emu: Emulator, user: str = ALICE) -> None:
    delivery = emu.slash_command(user, TEAM, "checkin on")
    assert delivery.acked and delivery.latency is not None and delivery.latency < 3.0
    wait_ephemeral(emu, user, "signed up")


ANSWERS = {
    "hands_on": {"value": "5to10"},
    "critical_path": {"value": "no"},
    "focus_blocks": {"value": "3"},
    "energy": {"value": "70"},
}


def open_checkin(emu: Emulator) -> View:
    enrol(emu)
    emu.slash_command(ALICE, TEAM, "checkin now")
    emu.click(ALICE, wait_dm(emu, ALICE, "Start check-in"), "checkin_start")
    return emu.wait_for(lambda: emu.modals(ALICE), timeout=10, message="the modal")[-1]


def answered(delivery: Delivery) -> dict[str, Any]:
    """The command's ack: fast, and a valid private message."""
    assert delivery.acked and delivery.latency is not None and delivery.latency < 3.0
    assert delivery.ack is not None
    assert delivery.ack.get("response_type", "ephemeral") == "ephemeral"
    body = {k: v for k, v in delivery.ack.items() if k in ("text", "blocks")}
    assert message_problems(body) == []
    return delivery.ack


def latest_ephemeral(slack: Emulator, channel: str | None, user: str = ALICE) -> Ephemeral:
    where = channel or slack.dm_channel(user)
    shown = slack.ephemerals(channel=where, user=user)
    assert shown, f"no ephemeral for {user} in {where}"
    return shown[-1]


def header(blocks: list[dict[str, Any]]) -> str:
    return str(blocks[0]["text"]["text"])


def seed(target: Store | Database, team: str, marker: str, rows: int = 2) -> dict[str, int]:
    """Insert `rows` rows of workspace `team` into every table keyed by workspace, in one
    transaction (a Store's) or on a connection (committed on SQLite). Text columns carry
    `marker`; user columns hold SHARED_USER. Returns table → rows inserted."""
    if isinstance(target, Store):
        with target.write() as db:
            return _seed(db, team, marker, rows)
    inserted = _seed(target, team, marker, rows)
    if isinstance(target, SqliteDatabase) and target.conn.in_transaction:
        target.conn.commit()
    return inserted


def _seed(db: Database, team: str, marker: str, rows: int) -> dict[str, int]:
    scoped = [s.table for s in workspace_scopes(db)]
    return {t: _seed_table(db, t, team, marker, rows) for t in _parents_first(db, scoped)}


def _seed_table(db: Database, table: str, team: str, marker: str, rows: int) -> int:
    columns, fks, constraints = _shape(db, table)
    checks = _checks(constraints)
    single_int_pk = len([c for c in columns if c.pk]) == 1
    count = 0
    for i in range(rows):
        row: dict[str, Any] = {}
        for column in columns:
            name, kind = column.name, column.kind
            if name == "team_id":
                row[name] = team
            elif column.pk and single_int_pk and "INT" in kind:
                continue
            elif name in fks:
                parent, key = fks[name]
                found = db.execute(
                    f"SELECT {quote(key)} FROM {quote(parent)} WHERE team_id = ?"
                    f" ORDER BY 1 LIMIT 1 OFFSET {i}",
                    [team],
                ).fetchone()
                row[name] = found[0] if found else None
            elif name in checks:
                row[name] = checks[name]
            elif name in USER_COLUMNS:
                row[name] = SHARED_USER if i == 0 else f"U0{marker.upper()}{i}"
            elif name in FIXED:
                row[name] = FIXED[name]
            elif "INT" in kind:
                row[name] = i + 1
            elif name.endswith("_at"):
                row[name] = f"2026-03-0{i + 1}T09:00:00+00:00"
            elif "REAL" in kind:
                row[name] = 1.5
            else:
                row[name] = f"{marker}-{table}-{name}-{i}"
        placeholders = ", ".join("?" for _ in row)
        names = ", ".join(quote(c) for c in row)
        cursor = db.execute(
            f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
            list(row.values()),
        )
        count += cursor.rowcount
    return count


def dump(target: Store | Database, team: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (or of one workspace's scoped rows), sorted."""
    db = target.db if isinstance(target, Store) else target
    out: dict[str, list[tuple[Any, ...]]] = {}
    scopes = {s.table: s for s in workspace_scopes(db)}
    for table in table_names(db):
        if team is None:
            rows = db.execute(f"SELECT * FROM {quote(table)}").fetchall()
        elif table in scopes:
            rows = db.execute(
                f"SELECT * FROM {quote(table)} WHERE {scopes[table].where}", [team]
            ).fetchall()
        else:
            continue
        out[table] = sorted(rows, key=repr)
    return out
