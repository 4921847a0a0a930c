"""The real app as a subprocess against the emulator: both transports, signatures, start-up
errors and a clean stop."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Literal

import pytest

from blockkit.validate import message_problems
from bot.store.location import parse_location
from slack_emulator import Emulator
from tests.support.databases import table_names
from tests.support.harness import (
    ALICE,
    TEAM,
    AppProcess,
    app_env,
    console_script,
    free_port,
    start_app,
)


def assert_help(delivery_ack: dict[str, object] | None) -> None:
    assert delivery_ack is not None
    assert message_problems(delivery_ack) == []
    text = repr(delivery_ack)
    assert "/pendulum help" in text and "forget me" in text


def test_socket_mode_help_is_acked_fast_with_valid_block_kit(
    emu: Emulator, app: AppProcess
) -> None:
    delivery = emu.slash_command(ALICE, TEAM, "help")
    assert delivery.acked and delivery.latency is not None and delivery.latency < 3.0
    assert_help(delivery.ack)
    (shown,) = emu.ephemerals(channel=TEAM, user=ALICE)
    assert "Pendulum" in repr(shown.blocks)
    assert (
        "mode=socket" in app.logs()
        and "Acme" in app.logs()
        and display(app.db_location) in app.logs()
    )
    for secret in (emu.auth.bot_token, emu.auth.app_token):
        assert secret not in app.logs()


@pytest.mark.parametrize("mode", ["socket", "http"])
def test_the_token_is_checked_once_at_start_up_and_not_again_per_request(
    emu: Emulator, tmp_path: Path, mode: Literal["socket", "http"]
) -> None:
    process = start_app(emu, tmp_path / "app", mode=mode)
    try:
        assert len(emu.calls_to("auth.test")) == 1  # start-up's check; Bolt reuses its answer
        for text in ("help", "check write the migration for Friday's launch"):
            assert emu.slash_command(ALICE, TEAM, text).ok
        assert len(emu.calls_to("auth.test")) == 1
    finally:
        process.stop()


def test_empty_command_shows_help(emu: Emulator, app: AppProcess) -> None:
    assert_help(emu.slash_command(ALICE, TEAM, "").ack)


def test_http_mode_help_with_a_signed_request(emu: Emulator, http_app: AppProcess) -> None:
    delivery = emu.slash_command(ALICE, TEAM, "help")
    assert delivery.status == 200 and delivery.latency is not None and delivery.latency < 3.0
    assert_help(delivery.ack)
    assert "mode=http" in http_app.logs()
    assert emu.auth.signing_secret not in http_app.logs()


@pytest.mark.parametrize("signing", ["forged", "stale"])
def test_http_mode_rejects_forged_and_stale_signatures(
    emu: Emulator, http_app: AppProcess, signing: str
) -> None:
    with emu.signing(signing):  # type: ignore[arg-type]
        delivery = emu.slash_command(ALICE, TEAM, "help")
    assert delivery.status == 401
    assert emu.ephemerals(user=ALICE) == []
    emu.clear_problems()  # the emulator notes the refused request; that is what we wanted


def test_sigterm_stops_cleanly(emu: Emulator, app: AppProcess) -> None:
    assert app.stop(signal.SIGTERM) == 0
    assert "stopped" in app.logs()
    assert "Traceback" not in app.logs()


def run_cli(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*console_script(), "run"], env=env, cwd=cwd, capture_output=True, text=True, timeout=30
    )


def test_invalid_auth_is_one_line_exit_2_and_nothing_written(emu: Emulator, tmp_path: Path) -> None:
    env = app_env(emu, tmp_path, mode="socket", port=free_port())
    env["SLACK_BOT_TOKEN"] = "xoxb-not-the-right-one"
    result = run_cli(env, tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "invalid_auth" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "pendulum.db").exists()


def test_unreadable_prompts_are_refused_before_anything_is_written(
    emu: Emulator, tmp_path: Path
) -> None:
    broken = tmp_path / "content"
    (broken / "topics").mkdir(parents=True)
    (broken / "topics" / "x.md.j2").write_text("no front matter")
    env = app_env(emu, tmp_path, mode="socket", port=free_port())
    env["PENDULUM_PROMPTS"] = str(broken)
    result = run_cli(env, tmp_path)
    assert result.returncode == 2 and "PENDULUM_PROMPTS" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "pendulum.db").exists()


def display(location: str) -> str:
    return parse_location(location).display


def test_migrations_applied_on_start(emu: Emulator, app: AppProcess) -> None:
    names = set(table_names(app.db_location))
    assert {"workspaces", "assessments", "processed_requests"} <= names
