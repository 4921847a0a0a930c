"""Configuration: modes, and one clear error per bad setting, without writing anything."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PENDULUM_DB": str(tmp_path / "p.db"), **values}


def test_no_tokens_is_offline(tmp_path: Path) -> None:
    assert load_config(env(tmp_path)).mode == "offline"


def test_bot_and_app_token_is_socket_mode(tmp_path: Path) -> None:
    config = load_config(env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1"))
    assert config.mode == "socket"


def test_bot_token_and_signing_secret_is_http_mode(tmp_path: Path) -> None:
    config = load_config(
        env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s3cr3t", PENDULUM_PORT="8080")
    )
    assert (config.mode, config.port) == ("http", 8080)
    assert "s3cr3t" not in repr(config) and "xoxb" not in repr(config)


def test_api_url_gets_a_trailing_slash(tmp_path: Path) -> None:
    config = load_config(env(tmp_path, SLACK_API_URL="http://127.0.0.1:9/api"))
    assert config.api_url == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"PENDULUM_PORT": "http"}, "PENDULUM_PORT"),
        ({"PENDULUM_PROMPTS": "/does/not/exist"}, "PENDULUM_PROMPTS"),
        ({"PENDULUM_DB": "/does/not/exist/p.db"}, "PENDULUM_DB"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ],
)
def test_bad_settings_name_the_variable_and_the_fix(
    tmp_path: Path, values: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, **values))
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert "Fix: " in str(caught.value)
    assert not (tmp_path / "p.db").exists()


def test_a_movable_clock_is_refused_against_real_slack(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, PENDULUM_CLOCK_FILE=str(tmp_path / "clock")))
    assert caught.value.variable == "PENDULUM_CLOCK_FILE"
    config = load_config(
        env(
            tmp_path,
            PENDULUM_CLOCK_FILE=str(tmp_path / "clock"),
            SLACK_API_URL="http://127.0.0.1:5555/api/",
        )
    )
    assert config.clock_file == str(tmp_path / "clock")


def test_tick_seconds_is_bounded(tmp_path: Path) -> None:
    assert load_config(env(tmp_path, PENDULUM_TICK_SECONDS="0.2")).tick_seconds == 0.2
    with pytest.raises(ConfigError):
        load_config(env(tmp_path, PENDULUM_TICK_SECONDS="600"))


def test_the_replica_lease_outlasts_a_few_heartbeats(tmp_path: Path) -> None:
    assert load_config(env(tmp_path)).replica_lease_seconds == 90  # three default ticks
    assert load_config(env(tmp_path, PENDULUM_TICK_SECONDS="60")).replica_lease_seconds == 180
    fast = env(tmp_path, PENDULUM_TICK_SECONDS="0.2", PENDULUM_REPLICA_LEASE_SECONDS="3")
    assert load_config(fast).replica_lease_seconds == 3
    for bad in ("45", "abc", "0", "7200"):  # 45 s is under two 30 s ticks
        with pytest.raises(ConfigError) as caught:
            load_config(env(tmp_path, PENDULUM_REPLICA_LEASE_SECONDS=bad))
        assert caught.value.variable == "PENDULUM_REPLICA_LEASE_SECONDS"


def test_request_limits_are_for_the_emulator_only_and_checked(tmp_path: Path) -> None:
    local = "http://127.0.0.1:5555/api/"
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, PENDULUM_REQUEST_LIMITS="commands_per_minute=1000"))
    assert caught.value.variable == "PENDULUM_REQUEST_LIMITS"
    for bad in ("commands_per_minute=0", "commands=5", "exports_per_hour=1.5"):
        with pytest.raises(ConfigError, match="is not understood"):
            load_config(env(tmp_path, PENDULUM_REQUEST_LIMITS=bad, SLACK_API_URL=local))
    config = load_config(
        env(tmp_path, PENDULUM_REQUEST_LIMITS="exports_per_hour=9", SLACK_API_URL=local)
    )
    assert config.request_limits == (("exports_per_hour", 9),)


# -- PENDULUM_DB: a SQLite file or a PostgreSQL URL ------------------------------------------
PG_URL = "postgresql://pendulum:s3cr3t-pw@db.example:5432/pendulum"


def test_a_postgres_url_selects_postgres_and_never_shows_the_password(tmp_path: Path) -> None:
    from bot.store.location import PostgresLocation

    config = load_config(env(tmp_path, PENDULUM_DB=PG_URL))
    assert config.postgres and config.database == PostgresLocation(PG_URL)
    assert config.database.display == "postgresql://db.example:5432/pendulum"
    assert "s3cr3t" not in repr(config) and "s3cr3t" not in str(config.db_path)
    assert "postgresql://db.example:5432/pendulum" in repr(config)


def test_a_sqlite_path_stays_the_default_and_both_names_agree(tmp_path: Path) -> None:
    from bot.config import Config
    from bot.store.location import SqliteLocation

    config = load_config(env(tmp_path, PENDULUM_DB=f"sqlite:///{tmp_path}/x.db"))
    assert not config.postgres
    assert config.database == SqliteLocation(tmp_path / "x.db") and config.db_path == (
        tmp_path / "x.db"
    )
    assert Config(db_path=tmp_path / "y.db").database == SqliteLocation(tmp_path / "y.db")
    assert Config().database == SqliteLocation(Path("pendulum.db"))
    moved = dataclasses.replace(config, db_path=tmp_path / "z.db")  # as the workbench does
    assert moved.database == SqliteLocation(tmp_path / "z.db")


def test_a_postgres_url_needs_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg_pool", None)  # as if the extra were missing
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, PENDULUM_DB=PG_URL))
    message = str(caught.value)
    assert message.startswith("PENDULUM_DB: postgresql://db.example:5432/pendulum is a PostgreSQL")
    assert "pip install 'pendulum-bot[postgres]'" in message and "s3cr3t" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://pendulum:s3cr3t-pw@db.example:port/pendulum",
        "postgresql://pendulum:s3cr3t-pw@db.example:5432/pendulum?s3cr3t-pw=1",
    ],
)
def test_a_bad_postgres_url_is_one_line_without_the_password(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, PENDULUM_DB=url))
    message = str(caught.value)
    assert message.startswith("PENDULUM_DB: is not a valid PostgreSQL URL")
    assert "s3cr3t" not in message and "\n" not in message


def test_the_sqlite_directory_checks_do_not_apply_to_postgres(tmp_path: Path) -> None:
    config = load_config(env(tmp_path, PENDULUM_DB="postgresql://u:p@db.example/no/such/dir"))
    assert config.postgres


def test_every_process_has_a_replica_id_of_its_own(tmp_path: Path) -> None:
    import os
    import socket

    first, second = load_config(env(tmp_path)), load_config(env(tmp_path))
    host, pid, random = first.replica.rsplit("-", 2)
    assert (host, pid) == (socket.gethostname(), str(os.getpid())) and len(random) == 6
    assert first.replica != second.replica
    assert first.replica in repr(first)
