"""Operations on PostgreSQL (PENDULUM_TEST_POSTGRES): backup → restore keeps every row,
restore refuses a live database or a file that is not a pg_dump archive, export and stats
read the whole database (and say what the same data says on SQLite), uninstall and
`forget me` delete exactly one workspace's or one person's rows, two `db migrate` at once
make one schema, and the replica checks (health, metrics) work against the server.

Each test gets a database of its own, owned by a role of its own whose password is
distinctive, so a test can look for it in everything printed."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.cli import main
from bot.ops.health import IntegrityCheck
from bot.ops.metrics import database_collector
from bot.store import Store, personal
from bot.store.admin import (
    GLOBAL_TABLES,
    children_first,
    export,
    quote,
    record_tick,
    stats,
    table_names,
    workspace_scopes,
)
from bot.store.installations import forget_workspace
from bot.store.location import PostgresLocation
from bot.store.migrations import MIGRATIONS
from bot.store.pg_backup import libpq_environment
from bot.store.sql import Database, PostgresDatabase
from tests.support.harness import console_script, make_emulator, start_app
from tests.support.pg_marker import admin_url
from tests.support.steps import SHARED_USER, dump, seed

pytestmark = pytest.mark.postgres

psycopg = pytest.importorskip("psycopg")  # the dev group installs it; never skips there

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Server:
    url: str  # postgresql://role:password@host:port/db
    password: str
    name: str


def _with(url: str, *, user: str, password: str, database: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{user}:{password}@{host}:{parts.port or 5432}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", "", ""))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A fresh database owned by a fresh role, as PENDULUM_DB; both dropped afterwards."""
    admin = admin_url()
    assert admin is not None  # deselected otherwise (tests/support/pg_marker.py)
    name = f"pgops_{secrets.token_hex(4)}"
    password = f"pw-{secrets.token_hex(8)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    url = _with(admin, user=name, password=password, database=name)
    monkeypatch.setenv("PENDULUM_DB", url)
    try:
        yield Server(url, password, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"DROP ROLE IF EXISTS {name}")


def run_main(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


def copy_rows(source: Database, target: Database) -> None:
    """Every row of `source` (SQLite) into `target` (PostgreSQL, migrated): parents first,
    identity sequences moved past the copied ids."""
    scoped = [s.table for s in reversed(children_first(target, workspace_scopes(target)))]
    tables = [*(t for t in GLOBAL_TABLES if t != "_sqlite_migrations"), *scoped]
    for table in tables:
        cursor = source.execute(f"SELECT * FROM {quote(table)}")
        names = [d[0] for d in cursor.description]
        rows = [list(r) for r in cursor.fetchall()]
        columns = ", ".join(quote(n) for n in names)
        marks = ", ".join("?" for _ in names)
        target.executemany(f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks})", rows)
        if "id" in names and rows:
            target.execute(
                f"SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT max(id) FROM {table}))",
                [table],
            )


def seeded(server: Server, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    """Two workspaces' rows in every table (tests/support/steps.py `seed`, on SQLite, then
    copied), the scheduler's tick and an install in progress. Returns the PostgreSQL
    database's contents and the SQLite twin holding the same rows."""
    twin = tmp_path / "twin.db"
    sqlite = Store(twin)
    sqlite.migrate()
    seed(sqlite.db, "T1", "alpha")
    seed(sqlite.db, "T2", "bravo")
    record_tick(sqlite, NOW, "replica-a")
    sqlite.db.execute(
        "INSERT INTO oauth_states (state, expires_at) VALUES ('s1', '2030-01-01T00:00:00+00:00')"
    )
    sqlite.db.conn.commit()  # type: ignore[attr-defined]
    store = Store(server.url)
    store.migrate()
    with store.write() as db:
        copy_rows(sqlite.db, db)
    everything = dump(store.db)
    store.close()
    sqlite.close()
    assert sum(len(rows) for t, rows in everything.items() if t != "_sqlite_migrations") > 40
    return everything, twin


def contents(server: Server, team: str | None = None) -> dict[str, Any]:
    store = Store(server.url)
    try:
        return dump(store.db, team)
    finally:
        store.close()


def no_replicas_left(server: Server) -> None:
    """Wait until the server has let go of every closed store's connections (a backend
    exits a moment after its client closes)."""
    admin = admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        for _ in range(200):
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                " AND application_name = 'pendulum'",
                [server.name],
            ).fetchone()
            if row[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("connections from closed stores stayed open")


# -- backup and restore --------------------------------------------------------------------
def test_backup_then_restore_keeps_every_row(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, _ = seeded(server, tmp_path)
    archive = tmp_path / "pendulum.dump"
    assert run_main("db", "backup", str(archive)) == 0
    assert archive.read_bytes().startswith(b"PGDMP")
    assert not list(tmp_path.glob(".pendulum.dump.partial-*"))
    assert run_main("db", "backup", str(archive)) == 2  # never overwrites

    store = Store(server.url)
    assert forget_workspace(store, "T1")["workspaces"] == 1
    with store.write() as db:
        db.execute("INSERT INTO app_state (key, value, updated_at) VALUES ('x', 'y', 'z')")
    store.close()
    assert contents(server) != original

    no_replicas_left(server)
    assert run_main("db", "restore", str(archive)) == 0
    assert contents(server) == original
    out, err = capsys.readouterr()
    rows = sum(len(r) for t, r in original.items() if t != "_sqlite_migrations")
    assert f"restored {archive} to postgresql://127.0.0.1:" in out
    assert f": {rows} row(s) in {len(original)} table(s)" in out
    assert server.password not in out + err

    # the restored database is one the app can go on with: ids continue past the copies
    store = Store(server.url)
    assert store.migrate() == []
    with store.write() as db:
        new_id = db.execute(
            "INSERT INTO schedules (team_id, kind, owner_user_id, target, weekday, local_time,"
            " tz, created_at, updated_at) VALUES ('T1', 'tips', 'U1', 'C1', 0, '09:00', 'UTC',"
            " 'now', 'now') RETURNING id"
        ).fetchone()[0]
    assert new_id > max(r[0] for r in original["schedules"])
    store.close()


def test_restore_refuses_while_a_replica_is_connected(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, _ = seeded(server, tmp_path)
    archive = tmp_path / "pendulum.dump"
    assert run_main("db", "backup", str(archive)) == 0
    replica = Store(server.url)  # a running replica's pool: its connections stay open
    replica.db.execute("SELECT 1")
    forget_workspace(replica, "T2")
    capsys.readouterr()
    assert run_main("db", "restore", str(archive)) == 1
    err = capsys.readouterr().err
    assert "looks live" in err and "stop every replica first" in err
    assert len(err.strip().splitlines()) == 1
    assert contents(server, "T2") == {t: [] for t in contents(server, "T2")}  # untouched

    replica.close()
    no_replicas_left(server)
    assert run_main("db", "restore", str(archive)) == 0
    assert contents(server) == original


def test_restore_with_force_over_a_connected_replica(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, _ = seeded(server, tmp_path)
    archive = tmp_path / "pendulum.dump"
    assert run_main("db", "backup", str(archive)) == 0
    replica = Store(server.url)
    forget_workspace(replica, "T1")
    replica.close()
    idle = Store(server.url)
    idle.db.execute("SELECT 1")  # connected, not inside a transaction
    capsys.readouterr()
    assert run_main("db", "restore", "--force", str(archive)) == 0
    assert "warning: restored over a live database" in capsys.readouterr().err
    idle.close()
    assert contents(server) == original


def test_restore_refuses_what_is_not_a_pendulum_pg_dump(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, twin = seeded(server, tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("not a backup\n")
    foreign = tmp_path / "foreign.dump"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA other")
    subprocess.run(  # the server's host, port, role and password as PG* variables
        ["pg_dump", "--format=custom", "--schema=other", f"--file={foreign}"],
        env=libpq_environment(PostgresLocation(server.url)),
        check=True,
    )
    cases = {
        text: "is not a pg_dump archive",
        twin: "is a SQLite backup, and PENDULUM_DB is PostgreSQL",
        foreign: "has no Pendulum schema",
        tmp_path / "missing.dump": "does not exist",
    }
    no_replicas_left(server)
    for path, problem in cases.items():
        capsys.readouterr()
        assert run_main("db", "restore", str(path)) == 1, path
        err = capsys.readouterr().err
        assert problem in err and "Fix:" in err, err
        assert len(err.strip().splitlines()) == 1
    assert contents(server) == original


# -- export and stats ----------------------------------------------------------------------
def _sorted_teams(document: dict[str, Any]) -> dict[str, Any]:
    return {
        team: {
            t: sorted(rows, key=lambda r: json.dumps(r, sort_keys=True)) for t, rows in by.items()
        }
        for team, by in document["teams"].items()
    }


def test_export_reads_the_whole_database_as_sqlite_would(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, twin = seeded(server, tmp_path)
    capsys.readouterr()
    assert run_main("export") == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document["teams"]) == {"T1", "T2"}
    assert document["schema"] == MIGRATIONS.names
    assert {r["team_id"] for rows in document["teams"]["T1"].values() for r in rows} <= {"T1"}
    tokens = [r["bot_token"] for r in document["teams"]["T1"]["installations"]]
    assert tokens and set(tokens) == {"[redacted]"}

    sqlite = Store(twin)
    expected = export(sqlite.db, NOW)
    sqlite.close()
    assert _sorted_teams(document) == _sorted_teams(expected)

    assert run_main("export", "--team", "T2") == 0
    assert set(json.loads(capsys.readouterr().out)["teams"]) == {"T2"}
    assert run_main("export", "--team", "T9") == 1
    assert "no data for workspace T9" in capsys.readouterr().err


def test_stats_sees_the_whole_database(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, twin = seeded(server, tmp_path)
    capsys.readouterr()
    assert run_main("stats", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    sqlite = Store(twin)
    expected = stats(sqlite.db, twin, NOW).as_dict()
    sqlite.close()
    assert shown["db_path"] == server.url.replace(f"{server.name}:{server.password}@", "")
    assert shown["workspaces"] == 2 and shown["ticker"] == "replica-a"
    for figure in ("enrolled_managers", "subscriptions", "paused_schedules", "failed_deliveries"):
        assert shown[figure] is not None, figure
    for key in ("db_path", "last_tick_age_seconds", "due_now"):
        shown.pop(key), expected.pop(key)
    assert shown == expected
    assert run_main("stats") == 0
    text = capsys.readouterr().out
    assert "workspaces          2" in text and server.password not in text


def test_stats_and_export_of_an_empty_database(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main("stats") == 0  # nothing created yet: every figure says so
    out = capsys.readouterr().out
    assert "schema              (empty)" in out and "n/a (table not created yet)" in out
    assert run_main("export") == 0
    assert json.loads(capsys.readouterr().out)["teams"] == {}


# -- uninstall and forget me ---------------------------------------------------------------
def test_uninstall_deletes_exactly_one_workspace(server: Server, tmp_path: Path) -> None:
    original, _ = seeded(server, tmp_path)
    t1 = contents(server, "T1")
    t2 = contents(server, "T2")
    store = Store(server.url)
    deleted = forget_workspace(store, "T1")
    store.close()
    assert deleted == {t: len(rows) for t, rows in t1.items()}
    assert all(rows == [] for rows in contents(server, "T1").values())
    assert contents(server, "T2") == t2
    after = contents(server)
    for table in GLOBAL_TABLES:
        assert after.get(table) == original.get(table), table


def test_forget_me_deletes_one_person_in_one_workspace(server: Server, tmp_path: Path) -> None:
    seeded(server, tmp_path)
    t2 = contents(server, "T2")
    store = Store(server.url)
    before = personal.counts(store, "T1", SHARED_USER)
    assert sum(before.values()) > 5
    with store.write() as db:  # a once-only key naming the person (no user column)
        db.execute(
            "INSERT INTO processed_requests (key, team_id, seen_at) VALUES (?, 'T1', ?)",
            [f"dm-hint:{SHARED_USER}:2026-03-02", "2026-03-02T09:00:00+00:00"],
        )
    deleted = personal.forget(store, "T1", SHARED_USER)
    assert {t: n for t, n in deleted.items() if t in before} == before
    assert deleted["processed_requests"] == 1
    assert sum(personal.counts(store, "T1", SHARED_USER).values()) == 0
    store.close()
    assert contents(server, "T2") == t2  # the same person id in the other workspace stays


# -- migrations ----------------------------------------------------------------------------
def test_two_migrates_at_once_make_one_schema(server: Server) -> None:
    env = {"PATH": "/usr/bin:/bin", "PENDULUM_DB": server.url}
    runs = [
        subprocess.Popen(
            [*console_script(), "db", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    applied = sorted(int(out.split("applied ")[1].split(" ")[0]) for out, _ in outputs)
    assert applied == [0, len(MIGRATIONS.names)]
    for out, err in outputs:
        assert server.password not in out + err and err == ""
    with psycopg.connect(server.url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names == MIGRATIONS.names


# -- a replica's own checks ----------------------------------------------------------------
def test_health_and_metrics_read_the_server(server: Server) -> None:
    store = Store(server.url)
    clock = type("Clock", (), {"now": staticmethod(lambda: NOW)})()
    assert {s.name for s in database_collector(store, clock)()} == set()  # no tables yet
    store.migrate()
    samples = {s.name: s.value for s in database_collector(store, clock)()}
    assert samples["pendulum_workspaces"] == 0 and samples["pendulum_pending_sends"] == 0
    assert IntegrityCheck(store).run(NOW) == "ok"
    store.close()

    admin = admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:  # as a standby would answer
        conn.execute(f"ALTER DATABASE {server.name} SET default_transaction_read_only = on")
    standby = Store(server.url)
    verdict = IntegrityCheck(standby).run(NOW)
    standby.close()
    assert verdict.startswith("read-only: ")


def test_a_store_on_postgres_is_a_postgres_database(server: Server) -> None:
    store = Store(server.url)
    assert isinstance(store.db, PostgresDatabase)
    store.migrate()
    assert "schedules" in table_names(store.db)
    store.close()


def test_uninstall_deletes_children_before_parents_whatever_their_names(
    server: Server, tmp_path: Path
) -> None:
    """PostgreSQL checks every foreign key at each statement (SQLite could defer to the
    commit): a child table that sorts after its parent must still go first."""
    seeded(server, tmp_path)
    store = Store(server.url)
    with store.write() as db:
        db.execute("CREATE TABLE aa_parent (team_id TEXT NOT NULL, id BIGINT PRIMARY KEY)")
        db.execute(
            "CREATE TABLE zz_child (team_id TEXT NOT NULL,"
            " parent_id BIGINT NOT NULL REFERENCES aa_parent (id))"
        )
        db.execute("CREATE TABLE zz_grandchild (child_parent BIGINT REFERENCES aa_parent (id))")
        for team, key in (("T1", 1), ("T2", 2)):
            db.execute("INSERT INTO aa_parent VALUES (?, ?)", [team, key])
            db.execute("INSERT INTO zz_child VALUES (?, ?)", [team, key])
            db.execute("INSERT INTO zz_grandchild VALUES (?)", [key])
    deleted = forget_workspace(store, "T1")
    assert (deleted["aa_parent"], deleted["zz_child"], deleted["zz_grandchild"]) == (1, 1, 1)
    assert store.db.execute("SELECT team_id FROM zz_child").fetchall() == [("T2",)]
    store.close()


# -- replicas ------------------------------------------------------------------------------
def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_two_replicas_share_one_database_and_each_reports_itself(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No lock file on PostgreSQL: a second `run` starts beside the first (on SQLite it is
    refused, test_ops.py); each answers /healthz and /metrics as itself."""
    with make_emulator(tmp_path / "clock") as emu:
        apps = [
            start_app(emu, tmp_path / name, mode="http", extra_env={"PENDULUM_DB": server.url})
            for name in ("a", "b")
        ]
        try:
            replicas = []
            for app in apps:
                status, text = _get(app.port, "/healthz")
                body = json.loads(text)
                assert status == 200 and body["integrity"] == "ok", body
                replicas.append(body["replica"])
                assert body["replica"].startswith(f"{socket.gethostname()}-{app.proc.pid}-")
                metrics = _get(app.port, "/metrics")[1]
                assert f'replica="{body["replica"]}"' in metrics
                assert 'backend="postgresql"' in metrics
                assert server.password not in app.logs()
                assert "db=postgresql://127.0.0.1:" in app.logs()
            assert replicas[0] != replicas[1]
            assert not list(tmp_path.rglob("*.lock"))

            def ticker() -> str | None:
                capsys.readouterr()
                assert run_main("stats", "--json") == 0
                return json.loads(capsys.readouterr().out)["ticker"]  # type: ignore[no-any-return]

            emu.wait_for(lambda: ticker() in replicas, timeout=15, message="a replica's tick")
        finally:
            for app in apps:
                app.stop()


def test_an_older_backup_restores_and_is_upgraded_on_the_next_start(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tables the backup does not know (added by a later migration) go too, as they do when
    SQLite's whole file is replaced: else the next start's migrations would find them."""
    last = MIGRATIONS.names[-1]
    store = Store(server.url)
    with store.pool.connection() as conn:
        MIGRATIONS.apply(PostgresDatabase(store.pool, conn), stop_before=last)
    with store.write() as db:
        db.execute(
            "INSERT INTO workspaces (team_id, name, installed_at) VALUES ('T1', 'alpha', 'then')"
        )
    store.close()
    archive = tmp_path / "older.dump"
    assert run_main("db", "backup", str(archive)) == 0
    store = Store(server.url)
    assert store.migrate() == [last]
    added = set(table_names(store.db))
    store.close()

    no_replicas_left(server)
    assert run_main("db", "restore", str(archive)) == 0
    assert f"schema {MIGRATIONS.names[-2]}" in capsys.readouterr().out
    store = Store(server.url)
    assert store.migrate() == [last]  # the next start upgrades it
    assert set(table_names(store.db)) == added
    assert store.db.execute("SELECT name FROM workspaces").fetchall() == [("alpha",)]
    store.close()


def test_a_restore_that_fails_half_way_changes_nothing(
    server: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pg_restore failing while its script streams into psql (a disk error reading the
    archive): the part already sent, every DROP TABLE, must not be committed."""
    seeded(server, tmp_path)
    archive = tmp_path / "pendulum.dump"
    assert run_main("db", "backup", str(archive)) == 0
    real = shutil.which("pg_restore")
    failing = tmp_path / "pg_restore"
    failing.write_text(
        "#!/bin/sh\n"
        f'case "$*" in *--clean*) {real} "$@" | awk "/^CREATE /{{exit}} {{print}}"; '
        'echo "pg_restore: error: could not read from input file" >&2; exit 1;; esac\n'
        f'exec {real} "$@"\n'
    )
    failing.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    store = Store(server.url)
    forget_workspace(store, "T1")
    store.close()
    before = contents(server)
    no_replicas_left(server)
    capsys.readouterr()
    assert run_main("db", "restore", str(archive)) == 1
    err = capsys.readouterr().err
    assert f"could not restore {archive} (pg_restore: error: could not read" in err, err
    assert "is unchanged" in err and len(err.strip().splitlines()) == 1
    assert contents(server) == before
