"""Configuration: modes, and one clear error per bad setting, without writing anything."""

from __future__ import annotations

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
