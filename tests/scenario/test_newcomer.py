"""The newcomer's path: whatever is wrong with PENDULUM_DB or SLACK_API_URL, every command
answers with one line naming the problem and the fix (exit status 2), and leaves nothing
behind (no lock file, no empty backup)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import Store
from slack_emulator import Emulator
from tests.support.databases import fresh_database
from tests.support.harness import app_env, console_script, free_port

FUTURE = "m999_from_a_newer_pendulum"
READ_AND_MAINTAIN = [["stats"], ["export"], ["db", "migrate"], ["db", "backup", "copy.db"]]


def run_main(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)


def garbage(path: Path) -> Path:
    path.write_text("hello\n")
    return path


def from_the_future(path: Path) -> str:
    """A database a newer Pendulum wrote: `path` (SQLite), or a fresh PostgreSQL database."""
    location = fresh_database(path.parent, path.name)
    store = Store(location)
    store.migrate()
    with store.write() as db:
        db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            ["pendulum", FUTURE, "2030-01-01 00:00:00+00:00"],
        )
    store.close()
    return location


@pytest.mark.sqlite_only  # a file that is not SQLite
@pytest.mark.parametrize("argv", READ_AND_MAINTAIN, ids=" ".join)
def test_a_file_that_is_not_a_database_gets_one_line(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PENDULUM_DB", str(garbage(tmp_path / "x.db")))
    assert run_main(*argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "x.db is not a SQLite database" in err[0] and "Fix:" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]  # nothing left behind


@pytest.mark.parametrize("argv", READ_AND_MAINTAIN, ids=" ".join)
def test_a_database_from_a_newer_pendulum_is_refused(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PENDULUM_DB", from_the_future(tmp_path / "pendulum.db"))
    assert run_main(*argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "newer Pendulum" in err[0] and FUTURE in err[0] and "Fix: upgrade" in err[0]
    assert not (tmp_path / "copy.db").exists()


def test_the_store_refuses_to_migrate_a_newer_database(tmp_path: Path) -> None:
    store = Store(from_the_future(tmp_path / "pendulum.db"))
    with pytest.raises(Exception, match=FUTURE):
        store.migrate()
    store.close()


@pytest.mark.sqlite_only  # SQLite's file backup
def test_a_failed_backup_leaves_no_file_so_the_retry_works(tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    with pytest.raises(Exception, match="not a database"):
        Store(garbage(tmp_path / "x.db")).backup(target)
    assert not target.exists()
    good = Store(tmp_path / "good.db")
    good.migrate()
    good.backup(target)
    good.close()
    assert sqlite3.connect(target).execute("SELECT count(*) FROM _sqlite_migrations").fetchone()


def run_app(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*console_script(), "run"], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "make",
    [pytest.param(garbage, marks=pytest.mark.sqlite_only), from_the_future],
    ids=["garbage", "newer"],
)
def test_run_refuses_a_bad_database_in_one_line_and_leaves_no_lock(
    make: object, emu: Emulator, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    db = str(make(work / "x.db"))  # type: ignore[operator]
    before = sorted(p.name for p in work.iterdir())  # x.db, or nothing (PostgreSQL)
    env = app_env(emu, work, mode="socket", port=free_port(), extra={"PENDULUM_DB": db})
    done = run_app(env, work)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pendulum-bot: PENDULUM_DB:"), lines
    assert sorted(p.name for p in work.iterdir()) == before


def test_an_unreachable_slack_api_url_gets_exactly_one_line(emu: Emulator, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/api/"
    env = app_env(emu, tmp_path, mode="socket", port=free_port(), extra={"SLACK_API_URL": dead})
    done = run_app(env, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [lines[0]] and "SLACK_API_URL" in lines[0], done.stderr


@pytest.mark.sqlite_only  # a file that is not SQLite
def test_the_offline_workbench_refuses_a_bad_database_in_one_line(tmp_path: Path) -> None:
    import os

    db = garbage(tmp_path / "x.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PENDULUM_"))}
    env.update(PENDULUM_DB=str(db), PENDULUM_PORT=str(free_port()))
    done = run_app(env, tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "x.db is not a SQLite database" in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]
