"""The live schema on either backend: tables, columns, primary and foreign keys (SQLite's
PRAGMAs, PostgreSQL's catalogue). admin.py finds a workspace's rows with it."""

from __future__ import annotations

from typing import Any

from bot.store.sql import Database


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_postgres(db: Database) -> bool:
    # anything without a dialect (a sqlite-utils Database, in older tests) is SQLite
    return getattr(db, "dialect", "sqlite") == "postgresql"


def table_names(db: Database) -> list[str]:
    if is_postgres(db):
        return db.table_names()
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def columns(db: Database, table: str) -> list[str]:
    if is_postgres(db):
        return db.columns(table)
    return [str(r[1]) for r in db.execute(f"PRAGMA table_info({quote(table)})").fetchall()]


def _primary_key(db: Database, table: str) -> list[str]:
    if is_postgres(db):
        rows = db.execute(
            "SELECT a.attname FROM pg_index i"
            " JOIN pg_class t ON t.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
            " WHERE i.indisprimary AND n.nspname = current_schema() AND t.relname = ?"
            " ORDER BY k.ord",
            [table],
        ).fetchall()
        return [str(r[0]) for r in rows]
    rows = db.execute(f"PRAGMA table_info({quote(table)})").fetchall()
    pk = [str(r[1]) for r in sorted(rows, key=lambda r: r[5]) if r[5]]
    return pk or ["rowid"]


def _foreign_key_rows(db: Database, table: str) -> list[tuple[Any, str, str, str | None]]:
    """(key id, parent table, child column, parent column or None) per column of each key."""
    if is_postgres(db):
        rows = db.execute(
            "SELECT c.conname, p.relname, a.attname, pa.attname FROM pg_constraint c"
            " JOIN pg_class t ON t.oid = c.conrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " JOIN pg_class p ON p.oid = c.confrelid"
            " CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY"
            " AS k(child, parent, ord)"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.child"
            " JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent"
            " WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = ?"
            " ORDER BY c.conname, k.ord",
            [table],
        ).fetchall()
        return [(r[0], str(r[1]), str(r[2]), str(r[3])) for r in rows]
    rows = db.execute(f"PRAGMA foreign_key_list({quote(table)})").fetchall()
    return [(r[0], str(r[2]), str(r[3]), r[4]) for r in rows]


def foreign_keys(db: Database, table: str) -> list[tuple[str, list[str], list[str]]]:
    """(parent table, child columns, parent columns) for each foreign key of `table`."""
    grouped: dict[Any, tuple[str, list[str], list[str | None]]] = {}
    for fk_id, parent, child_col, parent_col in _foreign_key_rows(db, table):
        entry = grouped.setdefault(fk_id, (parent, [], []))
        entry[1].append(child_col)
        entry[2].append(parent_col)
    out = []
    for parent, child_cols, parent_cols in grouped.values():
        resolved = (
            [str(c) for c in parent_cols]
            if all(parent_cols)
            else _primary_key(db, parent)[: len(child_cols)]
        )
        out.append((parent, child_cols, resolved))
    return out
