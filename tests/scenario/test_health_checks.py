"""/healthz checks what the app needs: that the database takes writes (the heartbeat row),
that it is not damaged (quick_check at start-up and hourly), that ticks succeed, and that the
scheduler is alive, counting a long fan-out's sending as life."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import build_services
from bot.clock import FakeClock
from bot.config import Config
from bot.content.library import load_library
from bot.ops.health import Health, Heartbeat, IntegrityCheck
from bot.store import Store
from bot.store.admin import record_tick
from slack_emulator import Emulator
from tests.support.databases import on_postgres
from tests.support.harness import AppProcess

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
FULL = "database or disk is full"


def migrated(path: Path) -> Store:
    store = Store(path)
    store.migrate()
    return store


def fail_writes_to(db_path: Path, table: str) -> None:
    """Every write to `table` fails as it does on a full disk."""
    conn = sqlite3.connect(db_path, timeout=10)
    for event in ("INSERT", "UPDATE"):
        conn.execute(
            f"CREATE TRIGGER full_{event.lower()} BEFORE {event} ON {table}"
            f" BEGIN SELECT RAISE(ABORT, '{FULL}'); END"
        )
    conn.commit()
    conn.close()


def test_a_database_that_takes_no_writes_is_503(tmp_path: Path) -> None:
    store = migrated(tmp_path / "p.db")
    clock = FakeClock(START)
    heartbeat = Heartbeat(START, on_beat=lambda now: record_tick(store, now))
    health = Health(store, heartbeat, clock)
    heartbeat.beat(clock.now())
    assert health()[0]

    fail_writes_to(store.path, "app_state")
    clock.advance(timedelta(seconds=1))
    heartbeat.beat(clock.now())
    ok, detail = health()
    assert not ok and detail["database"] == "ok" and detail["database_writable"] is False
    assert any("not writable" in p and FULL in p for p in detail["problems"])
    store.close()


def corrupt_table(path: Path, table: str) -> None:
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()
    conn.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\x07" * 64)  # not a b-tree page any more


def test_a_damaged_table_is_503_found_at_start_up(tmp_path: Path) -> None:
    store = migrated(tmp_path / "p.db")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    corrupt_table(tmp_path / "p.db", "schedules")

    store = Store(tmp_path / "p.db")
    clock = FakeClock(START)
    heartbeat = Heartbeat(START)
    heartbeat.beat(START)
    integrity = IntegrityCheck(store)
    health = Health(store, heartbeat, clock, integrity=integrity)
    assert health()[1]["database"] == "ok"  # SELECT 1 alone would call this healthy
    integrity.run(clock.now())
    ok, detail = health()
    assert not ok and detail["integrity"].startswith("damaged")
    assert any(p.startswith("database damaged") for p in detail["problems"])
    store.close()


def test_the_integrity_check_runs_hourly_not_per_request(tmp_path: Path) -> None:
    store = migrated(tmp_path / "p.db")
    integrity = IntegrityCheck(store)
    integrity.run(START)
    assert integrity.verdict == "ok" and not integrity.due(START + timedelta(minutes=59))
    assert integrity.due(START + timedelta(hours=1))
    store.close()


def test_two_failed_ticks_are_503_and_a_good_one_clears_it(tmp_path: Path) -> None:
    store = migrated(tmp_path / "p.db")
    heartbeat = Heartbeat(START)
    heartbeat.beat(START)
    health = Health(store, heartbeat, FakeClock(START))
    heartbeat.tick_failed(sqlite3.OperationalError(FULL))
    assert health()[0]  # once: a lock held for a while, say
    heartbeat.tick_failed(sqlite3.OperationalError(FULL))
    ok, detail = health()
    assert not ok and detail["last_tick_ok"] is False
    assert any("last 2 ticks failed" in p and FULL in p for p in detail["problems"])
    heartbeat.tick_done()
    assert health()[0]
    store.close()


def test_a_long_fan_out_is_not_a_stale_scheduler(tmp_path: Path) -> None:
    """The engine reports progress while it drains (its on_progress is wired to the
    heartbeat), so minutes of sending in one tick stay healthy; silence does not."""
    store = migrated(tmp_path / "p.db")
    clock = FakeClock(START)
    services, _ = build_services(
        Config(bot_token="xoxb-x", app_token="xapp-x", db_path=tmp_path / "p.db"),
        library=load_library(PROMPTS),
        store=store,
        clock=clock,
    )
    heartbeat = services.heartbeat
    heartbeat.attach(lambda: True)
    health = Health(store, heartbeat, clock, stale_after=180)
    heartbeat.beat(clock.now())  # the tick starts a 10-minute drain
    for _ in range(10):
        clock.advance(timedelta(seconds=60))
        services.engine.on_progress()  # as the engine calls it while sending
        assert health()[0], health()[1]
    clock.advance(timedelta(seconds=181))  # then nothing at all
    ok, detail = health()
    assert not ok and any("last tick" in p for p in detail["problems"])
    store.close()


def healthz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def fail_the_apps_writes_to(app: AppProcess, table: str) -> None:
    """`fail_writes_to` on whichever backend the app runs."""
    if not on_postgres():
        fail_writes_to(app.db_path, table)
        return
    app.execute(
        "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" RAISE EXCEPTION '{FULL}' USING ERRCODE = 'disk_full'; END $$"
    )
    app.execute(
        f"CREATE TRIGGER full_writes BEFORE INSERT OR UPDATE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION disk_full()"
    )


def let_the_apps_writes_through(app: AppProcess, table: str) -> None:
    if on_postgres():
        app.execute(f"DROP TRIGGER full_writes ON {table}")
        return
    conn = sqlite3.connect(app.db_path, timeout=10)
    conn.executescript("DROP TRIGGER full_insert; DROP TRIGGER full_update;")
    conn.close()


def test_the_running_app_says_503_while_writes_fail(emu: Emulator, app: AppProcess) -> None:
    assert healthz(app.port)[0] == 200
    fail_the_apps_writes_to(app, "app_state")
    deadline = time.monotonic() + 15
    status, body = healthz(app.port)
    while status == 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # the next tick writes the heartbeat row
        status, body = healthz(app.port)
    assert status == 503 and body["database"] == "ok", body
    assert any("not writable" in p for p in body["problems"])
    let_the_apps_writes_through(app, "app_state")
    deadline = time.monotonic() + 15
    while healthz(app.port)[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert healthz(app.port)[0] == 200


def test_the_running_app_names_its_replica_in_healthz_metrics_and_the_tick(
    emu: Emulator, app: AppProcess
) -> None:
    """Each process has a replica id (`<host>-<pid>-<random>`): /healthz and /metrics say
    which replica answered, and the tick it records in the database names it for `stats`."""
    status, body = healthz(app.port)
    assert status == 200
    replica = body["replica"]
    assert replica.startswith(f"{socket.gethostname()}-{app.proc.pid}-")
    with urllib.request.urlopen(f"http://127.0.0.1:{app.port}/metrics", timeout=5) as r:
        metrics = r.read().decode()
    info = [line for line in metrics.splitlines() if line.startswith("pendulum_replica_info{")]
    assert len(info) == 1 and info[0].endswith(" 1.0"), info
    backend = "postgresql" if on_postgres() else "sqlite"
    assert f'replica="{replica}"' in info[0] and f'backend="{backend}"' in info[0]
    assert f"replica={replica}" in app.logs()

    def ticker() -> str | None:
        rows = app.query("SELECT value FROM app_state WHERE key = 'ticker'")
        return str(rows[0][0]) if rows else None

    emu.wait_for(lambda: ticker() == replica, timeout=10, message="the tick's replica id")
