"""The database: pragmas, per-thread connections, migrations from every earlier schema, backup."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.migrations import MIGRATIONS
from tests.support.databases import migrate_until, open_test_store, schema_of


def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    store = open_test_store(tmp_path, migrate=False)
    applied = store.migrate()
    assert applied == [m.name for m in MIGRATIONS._migrations]
    assert store.migrate() == []  # idempotent
    if store.postgres:
        return
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


@pytest.mark.parametrize("stop_before", [m.name for m in MIGRATIONS._migrations])
def test_upgrade_from_each_earlier_version_matches_fresh(tmp_path: Path, stop_before: str) -> None:
    fresh = open_test_store(tmp_path, "fresh.db")
    old = open_test_store(tmp_path, "old.db", migrate=False)
    migrate_until(old, stop_before)
    assert stop_before not in old.schema_version()
    applied_later = old.migrate()
    assert applied_later[0] == stop_before
    assert schema_of(old) == schema_of(fresh)


def count(store: Store, table: str) -> int:
    return int(store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_each_thread_gets_its_own_connection(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    seen: list[int] = []

    barrier = threading.Barrier(4)

    def use(n: int) -> None:
        with store.write() as db:
            db.execute(
                "INSERT INTO workspaces (team_id, installed_at) VALUES (?, '2026-01-01')", [f"T{n}"]
            )
            seen.append(id(getattr(db, "conn", None)))
        barrier.wait()  # keep every thread (and its connection) alive until all have written

    threads = [threading.Thread(target=use, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not store.postgres:  # PostgreSQL: a write borrows whichever pooled connection is free
        assert len(set(seen)) == 4
    assert len(seen) == 4 and count(store, "workspaces") == 4


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    with pytest.raises(RuntimeError), store.write() as db:
        db.execute("INSERT INTO workspaces (team_id, installed_at) VALUES ('T1', 'x')")
        raise RuntimeError("boom")
    assert count(store, "workspaces") == 0


@pytest.mark.sqlite_only  # a file copy through SQLite's backup API (PostgreSQL: pg_dump)
def test_online_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    store = open_test_store(tmp_path, "p.db")
    with store.write() as db:
        db.executemany(
            "INSERT INTO workspaces (team_id, installed_at) VALUES (?, 'x')",
            [[f"T{i}"] for i in range(50)],
        )
    store.backup(tmp_path / "copy.db")
    copy = Store(tmp_path / "copy.db")
    assert count(copy, "workspaces") == 50
    assert copy.schema_version() == store.schema_version()
    copy.close()


def test_request_keys_are_once_only_and_forgotten_after_two_days(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.store.requests import first_time, forget_older_than

    store = open_test_store(tmp_path)
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert first_time(store, "T1", "event:Ev1", now)
    assert not first_time(store, "T1", "event:Ev1", now)
    assert forget_older_than(store, now + timedelta(days=1)) == 0
    assert forget_older_than(store, now + timedelta(days=3)) == 1
    assert first_time(store, "T1", "event:Ev1", now + timedelta(days=3))


def test_a_persons_deliveries_are_found_by_index_not_a_scan(tmp_path: Path) -> None:
    """Updating this week's check-in DMs after an answer must not scan the whole ledger (a
    5-year, 10,000-person ledger has millions of rows: see docs/BENCHMARKS.md)."""
    store = open_test_store(tmp_path)
    sql = (
        "SELECT channel, ts FROM deliveries WHERE team_id = ? AND target = ?"
        " AND period = ? AND status = 'sent'"
    )
    params = ["T1", "U1", "2026-W47"]
    if store.postgres:  # an empty table: tell the planner a scan is dear, as it is at scale
        with store.write() as db:
            db.execute("SET LOCAL enable_seqscan = off")
            plan = db.execute("EXPLAIN " + sql, params).fetchall()
        detail = " ".join(str(row[0]) for row in plan)
        assert "deliveries_by_target" in detail, detail
        return
    plan = store.db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    detail = " ".join(str(row[3]) for row in plan)
    assert "USING INDEX deliveries_by_target" in detail, detail


def test_patience_is_a_short_wait_on_a_connection_of_its_own(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    if store.postgres:  # the write transaction's lock_timeout
        with store.patience(250), store.write() as db:
            assert db.execute("SHOW lock_timeout").fetchone()[0] == "250ms"
        with store.write() as db:
            assert db.execute("SHOW lock_timeout").fetchone()[0] == "0"
        return

    def timeout() -> int:
        return int(store.db.execute("PRAGMA busy_timeout").fetchone()[0])

    usual = store.db
    assert timeout() == 15_000
    for _ in range(2):  # the second time reuses the short-wait connection
        with store.patience(250):
            assert timeout() == 250 and store.db is not usual
            with store.write() as db:
                db.execute("INSERT INTO app_state VALUES ('k', 'v', 'now')")
        assert store.db is usual and timeout() == 15_000
        with store.write() as db:
            db.execute("DELETE FROM app_state WHERE key = 'k'")
