"""Starting the apps under test against one emulator: Pendulum itself (through the scenario
harness, `pendulum-bot run`) and the bare Bolt baselines (bench/bare_bolt.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench.workspace import proc_status
from slack_emulator import Emulator
from tests.support.harness import REPO, AppProcess, app_env, free_port, start_app

Mode = Literal["socket", "http"]
BARE_READY = "bare bolt ready"


@dataclass
class Running:
    """An app process the benchmark talks to, whichever kind it is."""

    name: str
    mode: Mode
    pid: int
    started_in: float  # seconds from spawn to ready ("connected")
    app: AppProcess | None = None
    proc: subprocess.Popen[bytes] | None = None

    def memory(self) -> dict[str, int]:
        return proc_status(self.pid)

    def stop(self) -> None:
        if self.app is not None:
            self.app.stop()
        elif self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


# Production settings, not the scenario tests' (a 0.2 s tick and a movable clock file).
PRODUCTION_ENV = {"PENDULUM_TICK_SECONDS": "30", "PENDULUM_CLOCK_FILE": ""}


def start_pendulum(
    emu: Emulator, workdir: Path, mode: Mode, extra_env: dict[str, str] | None = None
) -> Running:
    began = time.monotonic()
    # the SQLite file the benchmark seeded, whatever the tests' PENDULUM_TEST_POSTGRES says
    # (the replicas benchmark names its PostgreSQL database in `extra_env`)
    env = {**PRODUCTION_ENV, "PENDULUM_DB": str(workdir / "pendulum.db"), **(extra_env or {})}
    app = start_app(emu, workdir, mode=mode, extra_env=env, timeout=120)
    return Running("Pendulum", mode, app.proc.pid, time.monotonic() - began, app=app)


def start_bare(
    emu: Emulator, workdir: Path, mode: Mode, *, tuned: bool, acks: Path | None = None
) -> Running:
    """A bare Bolt app (Bolt's defaults, or `process_before_response=True`), answering with
    the acks in `acks` (command text → ack JSON) when given."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = app_env(emu, workdir, mode=mode, port=port)
    if acks is not None:
        env["BARE_ACKS"] = str(acks)
    log_path = workdir / f"bare-{mode}-{'tuned' if tuned else 'default'}.log"
    args = [sys.executable, "-m", "bench.bare_bolt", mode] + (["--tuned"] if tuned else [])
    began = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = began + 60
    while BARE_READY not in log_path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"bare Bolt app did not start:\n{log_path.read_text()[-2000:]}")
        time.sleep(0.01)
    if mode == "socket":
        emu.transport = "socket"
        emu.wait_connected(timeout=20)
    else:
        emu.transport = "http"
        emu.request_url = f"http://127.0.0.1:{port}/slack/events"
    name = "bare Bolt, process_before_response" if tuned else "bare Bolt, defaults"
    return Running(name, mode, proc.pid, time.monotonic() - began, proc=proc)


def wait_disconnected(emu: Emulator, timeout: float = 10.0) -> None:
    """Between Socket Mode apps: only one may be connected, or envelopes split between them."""
    emu.wait_for(lambda: emu.connection_count == 0, timeout=timeout, message="no connection")
