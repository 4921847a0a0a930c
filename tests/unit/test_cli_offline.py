"""`pendulum-bot` without tokens serves the offline workbench, which the Docker image leaves out."""

from __future__ import annotations

import sys

import pytest

from bot import cli


def test_without_the_workbench_package_run_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setitem(sys.modules, "workbench", None)  # as if workbench/ were not installed
    # run() would install the app's log handler on the root logger, over pytest's own
    monkeypatch.setattr(cli, "setup_logging", lambda *args, **kwargs: None)
    assert cli.cmd_run() == cli.EXIT_CONFIG
    assert "offline workbench not installed" in capsys.readouterr().err


# -- a PostgreSQL server that does not answer: one line, exit 2, no password ----------------
UNREACHABLE = "postgresql://pendulum:s3cr3t-pw@127.0.0.1:1/pendulum"


@pytest.mark.parametrize(
    "argv", [["stats"], ["export"], ["db", "migrate"], ["db", "backup", "x.dump"]]
)
def test_an_unreachable_postgres_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
    argv: list[str],
) -> None:
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("PENDULUM_DB", UNREACHABLE)
    assert cli.main(argv) == cli.EXIT_CONFIG
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "pendulum-bot: PENDULUM_DB: cannot reach PostgreSQL at postgresql://127.0.0.1:1/pendulum ("
    )
    assert "Fix: start the server" in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "s3cr3t" not in captured.err


def test_run_checks_the_postgres_server_before_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.app import check_store
    from bot.config import ConfigError, load_config

    config = load_config(
        {"PENDULUM_DB": UNREACHABLE, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    )
    with pytest.raises(ConfigError) as caught:
        check_store(config)
    assert "cannot reach PostgreSQL at postgresql://127.0.0.1:1/pendulum" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_the_offline_workbench_refuses_postgres(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PENDULUM_DB", UNREACHABLE)
    assert cli.main(["run"]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "offline workbench (no Slack settings) runs on a SQLite file only" in err
    assert "s3cr3t" not in err


def test_help_describes_both_backends() -> None:
    parser = cli.build_parser()
    commands = {
        name: sub
        for action in parser._actions
        if hasattr(action, "choices") and isinstance(action.choices, dict)
        for name, sub in action.choices.items()
    }
    db_help = commands["db"].format_help()
    assert "postgresql://" in db_help and "SQLite" in db_help
    db_commands = {
        name: sub
        for action in commands["db"]._actions
        if hasattr(action, "choices") and isinstance(action.choices, dict)
        for name, sub in action.choices.items()
    }
    restore = " ".join(db_commands["restore"].format_help().split())
    assert "stop every replica first" in restore and "in one transaction" in restore
    assert "pg_dump --format=custom" in " ".join(db_commands["backup"].format_help().split())
    run = " ".join(commands["run"].format_help().split())
    assert "any number of `run` processes (replicas) may share it" in run
