"""The database: pragmas, per-thread connections, migrations from every earlier schema, backup."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.migrations import MIGRATIONS


def schema_of(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    finally:
        conn.close()
    return [(name, " ".join(sql.split())) for name, sql in rows]


def test_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    applied = store.migrate()
    assert applied == [m.name for m in MIGRATIONS._migrations]
    assert store.migrate() == []  # idempotent
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


@pytest.mark.parametrize("stop_before", [m.name for m in MIGRATIONS._migrations])
def test_upgrade_from_each_earlier_version_matches_fresh(tmp_path: Path, stop_before: str) -> None:
    fresh = Store(tmp_path / "fresh.db")
    fresh.migrate()
    fresh.close()

    old = Store(tmp_path / "old.db")
    MIGRATIONS.apply(old.db, stop_before=stop_before)
    assert stop_before not in old.schema_version()
    applied_later = old.migrate()
    assert applied_later[0] == stop_before
    old.close()
    assert schema_of(tmp_path / "old.db") == schema_of(tmp_path / "fresh.db")


def test_each_thread_gets_its_own_connection(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    store.migrate()
    seen: list[int] = []

    barrier = threading.Barrier(4)

    def use(n: int) -> None:
        with store.write() as db:
            db["workspaces"].insert({"team_id": f"T{n}", "installed_at": "2026-01-01"})
        seen.append(id(store.db.conn))
        barrier.wait()  # keep every thread (and its connection) alive until all have written

    threads = [threading.Thread(target=use, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 4
    assert store.db["workspaces"].count == 4


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    store.migrate()
    with pytest.raises(RuntimeError), store.write() as db:
        db["workspaces"].insert({"team_id": "T1", "installed_at": "x"})
        raise RuntimeError("boom")
    assert store.db["workspaces"].count == 0


def test_online_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    store.migrate()
    with store.write() as db:
        db["workspaces"].insert_all({"team_id": f"T{i}", "installed_at": "x"} for i in range(50))
    store.backup(tmp_path / "copy.db")
    copy = Store(tmp_path / "copy.db")
    assert copy.db["workspaces"].count == 50
    assert copy.schema_version() == store.schema_version()


def test_request_keys_are_once_only_and_forgotten_after_two_days(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.store.requests import first_time, forget_older_than

    store = Store(tmp_path / "p.db")
    store.migrate()
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert first_time(store, "T1", "event:Ev1", now)
    assert not first_time(store, "T1", "event:Ev1", now)
    assert forget_older_than(store, now + timedelta(days=1)) == 0
    assert forget_older_than(store, now + timedelta(days=3)) == 1
    assert first_time(store, "T1", "event:Ev1", now + timedelta(days=3))


def test_a_persons_deliveries_are_found_by_index_not_a_scan(tmp_path: Path) -> None:
    """Updating this week's check-in DMs after an answer must not scan the whole ledger (a
    5-year, 10,000-person ledger has millions of rows: see docs/BENCHMARKS.md)."""
    store = Store(tmp_path / "p.db")
    store.migrate()
    plan = store.db.execute(
        "EXPLAIN QUERY PLAN SELECT channel, ts FROM deliveries WHERE team_id = ? AND target = ?"
        " AND period = ? AND status = 'sent'",
        ["T1", "U1", "2026-W47"],
    ).fetchall()
    detail = " ".join(str(row[3]) for row in plan)
    assert "USING INDEX deliveries_by_target" in detail, detail


def test_patience_is_a_short_wait_on_a_connection_of_its_own(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    store.migrate()

    def timeout() -> int:
        return int(store.db.execute("PRAGMA busy_timeout").fetchone()[0])

    usual = store.db
    assert timeout() == 15_000
    for _ in range(2):  # the second time reuses the short-wait connection
        with store.patience(250):
            assert timeout() == 250 and store.db is not usual
            store.db.execute("INSERT INTO app_state VALUES ('k', 'v', 'now')")
        assert store.db is usual and timeout() == 15_000
        store.db.execute("DELETE FROM app_state WHERE key = 'k'")
    store.close()
