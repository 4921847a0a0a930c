"""Operations: backup → restore keeps every row, restore refuses a live database, export and
stats read any schema version, one running app per database, and every command's --help."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.coaching.followups import Followup
from bot.features.checkin_views import followup_message
from bot.store import Store
from bot.store.admin import export, record_tick, stats
from bot.store.backup import DatabaseLock, live_reasons
from bot.store.migrations import MIGRATIONS
from bot.store.sql import Database
from slack_emulator import Emulator
from tests.support import commands_fakes
from tests.support.databases import fresh_database, migrate_until
from tests.support.harness import AppProcess, app_env, console_script, free_port
from tests.support.steps import dump, seed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """PENDULUM_DB for the commands: a SQLite file, or a PostgreSQL database."""
    where = fresh_database(tmp_path)
    monkeypatch.setenv("PENDULUM_DB", where)
    return where


@pytest.fixture
def db_path(location: str) -> Path:
    """The SQLite file, for the tests about files (backups, restores, the lock)."""
    return Path(location)


def seeded(location: str | Path) -> dict[str, list[tuple[object, ...]]]:
    store = Store(location)
    store.migrate()
    seed(store, "T1", "alpha")
    seed(store, "T2", "bravo")
    record_tick(store, NOW)
    with store.write() as db:
        db.execute(
            "INSERT INTO oauth_states (state, expires_at)"
            " VALUES ('s1', '2030-01-01T00:00:00+00:00')"
        )
    everything = dump(store)
    store.close()
    return everything


def contents(location: str | Path) -> dict[str, list[tuple[object, ...]]]:
    store = Store(location)
    try:
        return dump(store)
    finally:
        store.close()


def run_main(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as exc:  # argparse --help and usage errors
        return int(exc.code or 0)


# -- backup and restore --------------------------------------------------------------------
@pytest.mark.sqlite_only  # SQLite's file backup (PostgreSQL's: test_ops_postgres.py)
def test_backup_then_restore_keeps_every_row(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = seeded(db_path)
    assert sum(len(rows) for rows in original.values()) > 30
    backup = tmp_path / "backup.db"
    assert run_main("db", "backup", str(backup)) == 0
    assert not list(tmp_path.glob("pendulum.db-*")), "the app's WAL was left behind"

    # life goes on: a workspace leaves, another row arrives
    store = Store(db_path)
    with store.write() as db:
        db.execute("DELETE FROM checkins")
        db.execute("DELETE FROM workspaces WHERE team_id = 'T1'")
        db.execute("INSERT INTO workspaces (team_id, installed_at) VALUES ('T9', 'now')")
    store.close()
    assert contents(db_path) != original

    assert run_main("db", "restore", str(backup)) == 0
    out = capsys.readouterr().out
    assert f"restored {backup}" in out and "schema m" in out
    assert contents(db_path) == original
    assert not list(tmp_path.glob(".pendulum.db.restore-*"))
    # and the restored file is a working database again
    store = Store(db_path)
    assert store.migrate() == []
    store.close()


@pytest.mark.sqlite_only  # a file restored onto a new path
def test_restore_onto_a_new_machine(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = seeded(db_path)
    backup = tmp_path / "backup.db"
    assert run_main("db", "backup", str(backup)) == 0
    fresh = tmp_path / "new-host" / "pendulum.db"
    fresh.parent.mkdir()
    monkeypatch.setenv("PENDULUM_DB", str(fresh))
    assert run_main("db", "restore", str(backup)) == 0
    assert contents(fresh) == original


@pytest.mark.sqlite_only  # the lock file and -wal
def test_restore_refuses_a_live_database_without_force(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(db_path)
    backup = tmp_path / "backup.db"
    assert run_main("db", "backup", str(backup)) == 0

    with DatabaseLock(db_path):  # what a running `pendulum-bot run` holds
        assert live_reasons(db_path)[0].startswith("a running Pendulum (")
        assert run_main("db", "migrate") == 1
        assert "stop it first" in capsys.readouterr().err
        assert run_main("db", "restore", str(backup)) == 1
        error = capsys.readouterr().err
        assert "looks live" in error and "--force" in error and len(error.splitlines()) == 1

    wal = db_path.with_name("pendulum.db-wal")  # what a crash leaves behind
    wal.write_bytes(b"stale")
    assert live_reasons(db_path) == ["pendulum.db-wal exists"]
    assert run_main("db", "restore", str(backup)) == 1
    assert "pendulum.db-wal exists" in capsys.readouterr().err

    assert run_main("db", "restore", "--force", str(backup)) == 0
    assert "warning: restored over a live database" in capsys.readouterr().err
    assert not wal.exists(), "a stale WAL would be replayed onto the restored file"
    assert live_reasons(db_path) == []


@pytest.mark.sqlite_only  # a bad SQLite file as the backup
@pytest.mark.parametrize("kind", ["garbage", "not-pendulum", "newer", "missing", "itself"])
def test_restore_refuses_a_bad_backup_and_keeps_the_database(
    db_path: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    original = seeded(db_path)
    bad = tmp_path / "bad.db"
    if kind == "garbage":
        bad.write_bytes(b"this is not a database" * 100)
    elif kind == "not-pendulum":
        sqlite3.connect(bad).execute("CREATE TABLE t (x)").connection.close()
    elif kind == "newer":
        assert run_main("db", "backup", str(bad)) == 0
        conn = sqlite3.connect(bad)
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('pendulum', 'm999_from_the_future', 'x')"
        )
        conn.commit()
        conn.close()
    elif kind == "itself":
        bad = db_path
    assert run_main("db", "restore", str(bad)) == 1
    error = capsys.readouterr().err
    assert error.startswith("pendulum-bot: ") and "Fix: " in error
    assert contents(db_path) == original


@pytest.mark.sqlite_only  # a SQLite file restored
def test_an_older_backup_is_upgraded_on_the_next_start(db_path: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    store = Store(old)
    first_two = [m.name for m in MIGRATIONS._migrations][2]
    migrate_until(store, first_two)
    with store.write() as db:
        db.execute("INSERT INTO workspaces (team_id, installed_at) VALUES ('T1', 'then')")
    store.close()
    seeded(db_path)
    assert run_main("db", "restore", str(old)) == 0
    store = Store(db_path)
    applied = store.migrate()
    assert applied and applied[0] == first_two
    assert store.db.execute("SELECT team_id FROM workspaces").fetchall() == [("T1",)]
    store.close()


# -- export --------------------------------------------------------------------------------
def test_export_is_json_of_every_workspace_or_one(
    location: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(location)
    assert run_main("export") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["format"] == "pendulum-export" and document["version"] == 1
    assert sorted(document["teams"]) == ["T1", "T2"]
    assert document["schema"] == [m.name for m in MIGRATIONS._migrations]
    assert "oauth_states" not in json.dumps(
        document
    ) and "alpha-installations-bot_token" not in json.dumps(document)

    out = tmp_path / "t1.json"
    assert run_main("export", "--team", "T1", "-o", str(out)) == 0
    only = json.loads(out.read_text())
    assert list(only["teams"]) == ["T1"] and "bravo" not in out.read_text()
    assert only["teams"]["T1"]["checkins"]
    for row in only["teams"]["T1"]["checkins"]:  # a manager's answers are theirs alone
        assert row["note"] == row["critical_path_what"] == row["energy"] == "[redacted]"
        assert row["period"] and row["status"]

    assert run_main("export", "--team", "T404") == 1
    assert "no data for workspace T404" in capsys.readouterr().err


def test_export_is_stamped_by_the_given_clock(location: str) -> None:
    seeded(location)
    store = Store(location)
    try:
        assert export(store.db, NOW)["exported_at"] == "2026-03-02T09:00:00+00:00"
    finally:
        store.close()


@pytest.mark.sqlite_only  # no file created
def test_read_commands_never_create_a_database(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["export"], ["stats"]):
        assert run_main(*command) == 1
        assert "does not exist" in capsys.readouterr().err
    assert not db_path.exists()


# -- stats ---------------------------------------------------------------------------------
def fill_for_stats(db: Database) -> None:
    for team in ("T1", "T2"):
        db.execute("INSERT INTO workspaces (team_id, installed_at) VALUES (?, 'x')", [team])
    schedule = (
        "INSERT INTO schedules (team_id, kind, owner_user_id, target, weekday, local_time, tz,"
        " created_at, updated_at, next_due_at) VALUES (?, ?, ?, ?, 0, '09:00', 'UTC', 'x', 'x', ?)"
    )
    db.execute(schedule, ["T1", "checkin", "U1", "U1", "2026-03-09T09:00:00Z"])
    db.execute(schedule, ["T1", "focus", "U1", "U1", "2026-03-09T09:00:00Z"])
    db.execute(schedule, ["T2", "checkin", "U1", "U1", None])  # paused
    db.execute(schedule, ["T1", "tip", "U2", "C1", "2026-03-09T09:00:00Z"])
    delivery = (
        "INSERT INTO deliveries (key, team_id, kind, target, period, status, due_at, created_at)"
        " VALUES (?, 'T1', 'checkin', 'U1', ?, ?, ?, 'x')"
    )
    db.execute(delivery, ["k1", "p1", "pending", "2026-03-02T08:00:00Z"])
    db.execute(delivery, ["k2", "p2", "pending", "2026-03-09T08:00:00Z"])
    db.execute(delivery, ["k3", "p3", "failed", "2026-03-01T08:00:00Z"])
    db.execute(delivery, ["k4", "p4", "sent", "2026-03-01T08:00:00Z"])


def test_stats_counts_workspaces_managers_subscriptions_deliveries_and_the_last_tick(
    location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(location)
    store.migrate()
    with store.write() as db:
        fill_for_stats(db)
    record_tick(store, NOW - timedelta(seconds=20))

    result = stats(store.db, store.path, now=NOW)
    store.close()
    assert (result.workspaces, result.enrolled_managers, result.subscriptions) == (2, 2, 1)
    assert (result.pending_deliveries, result.due_now, result.failed_deliveries) == (2, 1, 1)
    assert result.schedules_by_kind == {"checkin": 2, "focus": 1, "tip": 1}
    assert result.paused_schedules == 1
    assert result.last_tick_age_seconds == 20 and result.ticker and ":" in result.ticker
    assert result.pending_migrations == [] and result.unscoped_tables == []

    assert run_main("stats") == 0
    text = capsys.readouterr().out
    assert "workspaces          2" in text and "enrolled managers   2" in text
    assert "subscriptions       1 channel(s)" in text and "failed deliveries   1" in text
    assert "last tick           2026-03-02T08:59:40+00:00" in text
    assert run_main("stats", "--json") == 0
    assert json.loads(capsys.readouterr().out)["failed_deliveries"] == 1


def test_stats_tolerate_tables_that_do_not_exist_yet(
    location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(location)
    migrate_until(store, [m.name for m in MIGRATIONS._migrations][2])
    store.close()
    assert run_main("stats") == 0
    text = capsys.readouterr().out
    assert "enrolled managers   n/a" in text and "pending deliveries  n/a" in text
    assert "pending (they run on the next start)" in text
    assert "last tick           never" in text


# -- one app per database ------------------------------------------------------------------
@pytest.mark.sqlite_only  # the lock file
def test_the_database_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with DatabaseLock(path):
        assert DatabaseLock.holder(path) == f"{os.uname().nodename}:{os.getpid()}"
        with pytest.raises(Exception, match="another Pendulum process"):
            DatabaseLock(path).acquire()
    assert DatabaseLock.holder(path) is None
    with DatabaseLock(path):  # the file left behind means nothing
        pass


@pytest.mark.sqlite_only  # the lock file; PostgreSQL runs replicas
def test_a_second_app_on_the_same_database_is_refused(
    emu: Emulator, app: AppProcess, tmp_path: Path
) -> None:
    env = app_env(emu, tmp_path, mode="socket", port=free_port())
    env["PENDULUM_DB"] = str(app.db_path)
    second = subprocess.run(
        [*console_script(), "run"], env=env, capture_output=True, text=True, timeout=30
    )
    assert second.returncode == 2
    assert "PENDULUM_DB" in second.stderr and "another Pendulum process" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*console_script(), *args], env=env, capture_output=True, text=True, timeout=30
        )

    backup = tmp_path / "online.db"
    assert cli("db", "backup", str(backup)).returncode == 0  # online: fine while running
    restore = cli("db", "restore", str(backup))
    assert restore.returncode == 1 and "looks live: a running Pendulum (" in restore.stderr
    assert app.proc.poll() is None  # the first one runs on


# -- help ----------------------------------------------------------------------------------
def subcommands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from subcommands(sub, (*prefix, name))


def test_every_command_has_accurate_help(capsys: pytest.CaptureFixture[str]) -> None:
    found = {" ".join(path): sub for path, sub in subcommands(build_parser())}
    assert {"run", "db backup", "db restore", "db migrate", "export", "stats", "health"} <= set(
        found
    )
    for name, sub in found.items():
        assert run_main(*name.split(), "--help") == 0
        text = capsys.readouterr().out
        assert text.startswith(f"usage: pendulum-bot {name}"), name
        if name not in ("content", "db"):
            assert sub.description, f"`pendulum-bot {name}` has no description"
    restore = found["db restore"].format_help()
    assert "--force" in restore and "-wal" in restore and ".lock" in restore
    export_help = found["export"].format_help()
    assert "--team" in export_help and "[redacted]" in export_help
    assert "SLACK_CLIENT_ID" in found["run"].format_help()


def test_export_never_shows_a_check_in_answer_quoted_in_a_follow_up(location: str) -> None:
    """The operator's export redacts what a manager answered, and also the follow-up DM that
    quotes it back to them: message bodies stay out of the document."""
    seeded(location)
    answer = "rewrite the zebrafish billing cron"
    library = commands_fakes.library()
    followup = Followup("followup-handoff", {"what": answer}, "critical path: yes")
    payload = json.dumps(followup_message(library, followup, None, []))
    assert answer in payload  # the DM does quote the answer
    store = Store(location)
    with store.write() as db:
        db.execute(
            "UPDATE checkins SET critical_path = 'yes', critical_path_what = ?"
            " WHERE team_id = 'T1'",
            [answer],
        )
        db.execute(
            "INSERT INTO deliveries (key, team_id, kind, target, period, status, due_at,"
            " created_at, sent_at, channel, ts, payload)"
            " VALUES ('followup-1', 'T1', 'checkin_followup', 'U0SHARED', '2026-W10', 'sent',"
            " ?, ?, ?, 'D1', '1.0', ?)",
            [NOW.isoformat(), NOW.isoformat(), NOW.isoformat(), payload],
        )
    document = export(store.db, NOW, "T1")
    store.close()
    text = json.dumps(document, default=str)
    assert "zebrafish" not in text
    (sent,) = [r for r in document["teams"]["T1"]["deliveries"] if r["key"] == "followup-1"]
    assert sent["payload"] == "[redacted]"
    assert sent["status"] == "sent" and sent["target"] == "U0SHARED"
