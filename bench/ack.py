"""Benchmark 1: how fast a slash command is acknowledged, as Slack sees it.

For each app (Pendulum, bare Bolt with Bolt's defaults, bare Bolt with
`process_before_response=True`), each transport (Socket Mode, signed HTTP) and each command
(`/pendulum help`, `/pendulum check …`), the emulator types the command and times the ack
(`Delivery.latency`: from the moment the emulator sends the envelope or starts the POST to
the moment the ack is in): first one at a time, then in bursts of 50 at once.

All apps run one after another against the same emulator in the same run, on the same
machine, after a warm-up.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench.apps import Mode, Running, start_bare, start_pendulum, wait_disconnected
from blockkit.validate import message_problems
from slack_emulator import Emulator
from tests.support.harness import TEAM
from workbench.sample import ALICE

COMMANDS = {"help": "help", "check": "check write the migration for Friday's launch"}
APPS = ("pendulum", "bare-default", "bare-tuned")


@dataclass
class Series:
    app: str
    mode: str
    command: str
    load: str  # "sequential" or "50 concurrent"
    samples: list[float] = field(repr=False)
    errors: int = 0
    cpu_seconds: float = 0.0  # the app process's CPU time (all threads) over the samples

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)

    def summary(self) -> dict[str, object]:
        data = asdict(self)
        del data["samples"]
        data.update(n=len(self.samples), p50_ms=self.p50 * 1000, p99_ms=self.p99 * 1000)
        data["cpu_ms_per_command"] = self.cpu_seconds * 1000 / max(1, len(self.samples))
        data["max_ms"] = max(self.samples) * 1000 if self.samples else 0.0
        return data


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 1,000 samples is the 990th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sequential(emu: Emulator, text: str, n: int) -> tuple[list[float], int]:
    samples, errors = [], 0
    for _ in range(n):
        delivery = emu.slash_command(ALICE, TEAM, text)
        if delivery.ok and delivery.latency is not None:
            samples.append(delivery.latency)
        else:
            errors += 1
    return samples, errors


def concurrent(emu: Emulator, text: str, rounds: int, width: int) -> tuple[list[float], int]:
    samples, errors = [], 0
    for _ in range(rounds):
        burst = [emu.slash_command(ALICE, TEAM, text, wait=False) for _ in range(width)]
        for delivery in burst:
            delivery.wait(10)
            if delivery.ok and delivery.latency is not None:
                samples.append(delivery.latency)
            else:
                errors += 1
        time.sleep(0.05)
    return samples, errors


def checked_ack(emu: Emulator, text: str) -> dict[str, object]:
    """One command's ack, which must be valid Block Kit."""
    delivery = emu.slash_command(ALICE, TEAM, text)
    ack = delivery.ack or {}
    body = {k: v for k, v in ack.items() if k in ("text", "blocks")}
    problems = message_problems(body)
    if problems:
        raise AssertionError(f"the ack to {text!r} is not valid Block Kit: {problems}")
    return ack


def run(
    emu: Emulator,
    workdir: Path,
    *,
    n_sequential: int = 1000,
    rounds: int = 20,
    width: int = 50,
    warmup: int = 50,
    passes: int = 1,
    modes: tuple[Mode, ...] = ("socket", "http"),
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    """Measure every app × transport × command. With `passes` > 1 the apps take turns (A B C
    A B C …), each pass taking its share of the samples, so a change in the machine's load
    during the run weighs on all of them alike."""
    found: dict[tuple[str, str, str, str], Series] = {}
    sizes: dict[str, int] = {}
    acks_file = workdir / "pendulum-acks.json"  # the bare apps answer with Pendulum's bytes
    workdir.mkdir(parents=True, exist_ok=True)
    per_pass_seq = max(1, n_sequential // passes)
    per_pass_rounds = max(1, rounds // passes)
    for mode in modes:
        for turn in range(passes):
            for name in APPS:
                app = launch(emu, workdir / f"{name}-{mode}-{turn}", mode, name, acks_file)
                try:
                    captured = {}
                    for command, text in COMMANDS.items():
                        sequential(emu, text, warmup)
                        captured[text] = checked_ack(emu, text)
                        sizes[f"{name}/{command}"] = len(json.dumps(captured[text]))
                        for load, measure in (
                            ("sequential", partial(sequential, emu, text, per_pass_seq)),
                            (
                                f"{width} concurrent",
                                partial(concurrent, emu, text, per_pass_rounds, width),
                            ),
                        ):
                            cpu_before = cpu_seconds(app.pid)
                            samples, errors = measure()
                            key = (name, mode, command, load)
                            series = found.setdefault(key, Series(*key, samples=[]))
                            series.samples += samples
                            series.errors += errors
                            series.cpu_seconds += cpu_seconds(app.pid) - cpu_before
                    if name == "pendulum" and not acks_file.exists():
                        acks_file.write_text(json.dumps(captured))
                finally:
                    app.stop()
                    if mode == "socket":
                        wait_disconnected(emu)
        for s in found.values():
            if s.mode == mode:
                log(
                    f"  ack {s.app:12s} {s.mode:6s} {s.command:5s} {s.load:13s} "
                    f"p50 {s.p50 * 1000:6.2f} ms  p99 {s.p99 * 1000:6.2f} ms"
                    + (f"  ({s.errors} late/failed)" if s.errors else "")
                )
    problems = [str(p) for p in emu.problems]
    return {
        "series": [s.summary() for s in found.values()],
        "ack_bytes": sizes,
        "emulator_problems": problems,
        "settings": {
            "sequential": per_pass_seq * passes,
            "rounds": per_pass_rounds * passes,
            "width": width,
            "passes": passes,
        },
    }


def launch(emu: Emulator, workdir: Path, mode: Mode, name: str, acks: Path) -> Running:
    if name == "pendulum":
        return start_pendulum(emu, workdir, mode)
    return start_bare(emu, workdir, mode, tuned=name == "bare-tuned", acks=acks)


def ratios(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pendulum against both baselines, per transport × command × load."""
    index = {(s["app"], s["mode"], s["command"], s["load"]): s for s in series}
    rows = []
    for (app, mode, command, load), mine in index.items():
        if app != "pendulum":
            continue
        default = index.get(("bare-default", mode, command, load))
        tuned = index.get(("bare-tuned", mode, command, load))
        if default is None or tuned is None:
            continue
        p50, p99 = float(str(mine["p50_ms"])), float(str(mine["p99_ms"]))
        rows.append(
            {
                "mode": mode,
                "command": command,
                "load": load,
                "p50_ms": p50,
                "p99_ms": p99,
                "p50_vs_default": p50 / float(str(default["p50_ms"])),
                "p99_vs_tuned": p99 / float(str(tuned["p99_ms"])),
                "default_p50_ms": default["p50_ms"],
                "tuned_p99_ms": tuned["p99_ms"],
            }
        )
    return rows


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
