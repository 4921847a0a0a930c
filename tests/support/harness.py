"""Run the real Pendulum app as a subprocess against the local Slack emulator.

Scenario tests use this the way Slack would be used: the app is started with
`pendulum-bot run`, connects over Socket Mode (or is reached over signed HTTP), and the test
acts as users through the emulator and asserts on what the app sent and stored.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.clock import OffsetFileClock
from bot.store.sql import Params
from slack_emulator import Channel, Emulator
from tests.support import databases
from workbench.sample import ALICE, BOB, CHEN, DANA, sample_users

REPO = Path(__file__).resolve().parents[2]
CONNECTED_LINE = "Pendulum connected"

# The people are the workbench's sample workspace (workbench/sample.py); the channels
# differ: scenarios also need a private channel the bot is in.
TEAM, PRIVATE, NOBOT = "C0TEAM", "G0LEADS", "C0RANDOM"


def sample_channels() -> list[Channel]:
    everyone = [ALICE, BOB, CHEN, DANA]
    return [
        Channel(id=TEAM, name="team", members=everyone),
        Channel(id=PRIVATE, name="leads", members=[ALICE, BOB], is_private=True),
        Channel(id=NOBOT, name="random", members=everyone, bot_member=False),
    ]


def manifest_bot_events() -> list[str]:
    """The events deploy/manifest.yml subscribes to: the emulator sends no others."""
    import yaml

    manifest = yaml.safe_load((REPO / "deploy" / "manifest.yml").read_text())
    return list(manifest["settings"]["event_subscriptions"]["bot_events"])


def make_emulator(clock_file: Path | None = None) -> Emulator:
    """The sample workspace. With `clock_file` (the app's, see `start_app`), Slack's clock moves
    with the app's, so message timestamps and history look-ups agree after a jump."""
    clock = OffsetFileClock(str(clock_file)) if clock_file is not None else None
    return Emulator(
        users=sample_users(),
        channels=sample_channels(),
        events=manifest_bot_events(),
        clock=clock,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def console_script() -> list[str]:
    """The installed `pendulum-bot` entry point of this environment."""
    script = Path(sys.executable).parent / "pendulum-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


@dataclass
class AppProcess:
    emu: Emulator
    proc: subprocess.Popen[bytes]
    log_path: Path
    db_location: str  # PENDULUM_DB: a SQLite path, or a PostgreSQL URL (tests/support/databases.py)
    clock_path: Path
    port: int
    mode: str
    clock_offset: float = field(default=0.0)

    @property
    def workdir(self) -> Path:
        return self.clock_path.parent

    @property
    def db_path(self) -> Path:
        """The SQLite file (tests about the file itself are `sqlite_only`)."""
        assert not databases.on_postgres(), "db_path is SQLite's; use db_location"
        return Path(self.db_location)

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """Rows straight from the app's database."""
        return databases.query(self.db_location, sql, params)

    def execute(self, sql: str, params: Params = ()) -> int:
        """One committed write to the app's database, behind the app's back."""
        return databases.execute(self.db_location, sql, params)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def advance_clock(self, seconds: float) -> None:
        """Move the app's clock forward (it follows real time plus this offset)."""
        self.clock_offset += seconds
        OffsetFileClock.write(str(self.clock_path), self.clock_offset)

    def wait_for_log(self, text: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.logs():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"app exited ({self.proc.returncode}):\n{self.logs()[-4000:]}")
            time.sleep(0.02)
        raise AssertionError(
            f"no {text!r} in the app log within {timeout}s:\n{self.logs()[-4000:]}"
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as in a crash."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def app_env(
    emu: Emulator,
    workdir: Path,
    *,
    mode: Literal["socket", "http", "oauth"],
    port: int,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PENDULUM_"))}
    env.update(
        SLACK_BOT_TOKEN=emu.auth.bot_token,
        SLACK_API_URL=emu.api_url,
        PENDULUM_PORT=str(port),
        PENDULUM_CLOCK_FILE=str(workdir / "clock"),
        PENDULUM_TICK_SECONDS="0.2",
        # scenarios type faster than a person; tests of the flood guard set "" (rules.yaml's)
        PENDULUM_REQUEST_LIMITS="commands_per_minute=100000 exports_per_hour=100000",
        PYTHONUNBUFFERED="1",
    )
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = emu.auth.app_token
    else:
        env["SLACK_SIGNING_SECRET"] = emu.auth.signing_secret
    if mode == "oauth":  # multi-workspace: no bot token; each install brings its own
        del env["SLACK_BOT_TOKEN"]
        env["SLACK_CLIENT_ID"] = emu.auth.client_id
        env["SLACK_CLIENT_SECRET"] = emu.auth.client_secret
    env.update(extra or {})
    if "PENDULUM_DB" not in env:  # the test's own database, or this workdir's
        env["PENDULUM_DB"] = str(databases.database_for(workdir))
    return env


def start_app(
    emu: Emulator,
    workdir: Path,
    *,
    mode: Literal["socket", "http", "oauth"] = "socket",
    extra_env: dict[str, str] | None = None,
    clock_offset: float = 0.0,
    timeout: float = 20.0,
) -> AppProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    clock_path = workdir / "clock"
    OffsetFileClock.write(str(clock_path), clock_offset)
    log_path = workdir / f"app-{time.monotonic_ns()}.log"
    env = app_env(emu, workdir, mode=mode, port=port, extra=extra_env)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*console_script(), "run"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    app = AppProcess(
        emu=emu,
        proc=proc,
        log_path=log_path,
        db_location=env["PENDULUM_DB"],
        clock_path=clock_path,
        port=port,
        mode=mode,
        clock_offset=clock_offset,
    )
    app.wait_for_log(CONNECTED_LINE, timeout=timeout)
    if mode == "socket":
        emu.transport = "socket"
        emu.wait_connected(timeout=timeout)
    else:
        emu.transport = "http"
        emu.request_url = f"http://127.0.0.1:{port}/slack/events"
    return app


@contextmanager
def running_app(
    workdir: Path, *, mode: Literal["socket", "http"] = "socket", **kwargs: object
) -> Iterator[tuple[Emulator, AppProcess]]:
    with make_emulator(workdir / "clock") as emu:
        app = start_app(emu, workdir, mode=mode, **kwargs)  # type: ignore[arg-type]
        try:
            yield emu, app
        finally:
            app.stop()
