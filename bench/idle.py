"""Benchmark 3: start-up time to "connected" and memory at rest.

Start-up is timed from spawning `pendulum-bot run` to the moment Slack could deliver to it:
the "Pendulum connected" log line and, in Socket Mode, the emulator seeing the connection
(imports, content loading, the token check, migrations, the first scheduler tick, the
websocket). Memory is the app's RSS after it has sat idle (the scheduler ticking at its
production 30 s interval), and its peak (VmHWM). Bare Bolt apps are measured the same way for
scale.

Both start from compiled bytecode, as they do in production (deploy/Dockerfile builds with
UV_COMPILE_BYTECODE=1): a development checkout often has none (uv does not compile by
default, and PYTHONDONTWRITEBYTECODE stops Python from caching it), and then every start
compiles every module it imports from source first.
"""

from __future__ import annotations

import compileall
import statistics
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

from bench.apps import Mode, start_bare, start_pendulum, wait_disconnected
from slack_emulator import Emulator
from tests.support.harness import REPO

APPS = ("pendulum", "bare-tuned")


def run(
    emu: Emulator,
    workdir: Path,
    *,
    starts: int = 5,
    idle_seconds: float = 30.0,
    modes: tuple[Mode, ...] = ("socket", "http"),
    log: Callable[[str], None] = print,
) -> list[dict[str, object]]:
    compile_bytecode()
    rows: list[dict[str, object]] = []
    for mode in modes:
        for name in APPS:
            times, rss, hwm = [], [], []
            for attempt in range(starts):
                where = workdir / f"{name}-{mode}-{attempt}"
                if name == "pendulum":
                    app = start_pendulum(emu, where, mode)
                else:
                    app = start_bare(emu, where, mode, tuned=True)
                try:
                    times.append(app.started_in)
                    if attempt == starts - 1:  # the last start also sits idle
                        time.sleep(idle_seconds)
                        memory = app.memory()
                        rss.append(memory.get("VmRSS", 0) / 1024)
                        hwm.append(memory.get("VmHWM", 0) / 1024)
                finally:
                    app.stop()
                    if mode == "socket":
                        wait_disconnected(emu)
            row = {
                "app": name,
                "mode": mode,
                "startup_median_s": statistics.median(times),
                "startup_min_s": min(times),
                "startup_max_s": max(times),
                "idle_rss_mib": rss[-1] if rss else 0.0,
                "peak_rss_mib": hwm[-1] if hwm else 0.0,
                "starts": starts,
                "idle_seconds": idle_seconds,
            }
            log(
                f"  idle {name:10s} {mode:6s} start-up {row['startup_median_s']:.2f} s "
                f"(median of {starts}), idle RSS {row['idle_rss_mib']:.1f} MiB"
            )
            rows.append(row)
    return rows


def compile_bytecode() -> None:
    """What the production image does at build time: the app's and its libraries' modules
    compiled once (only those not compiled already)."""
    for where in (REPO / "bot", sysconfig.get_paths()["purelib"]):
        compileall.compile_dir(where, quiet=1, workers=0)
