"""`uv run python -m bench`: Pendulum's published benchmarks (docs/BENCHMARKS.md).

    uv run python -m bench                       # everything, full size (over an hour)
    uv run python -m bench --only ack,idle       # some of them
    uv run python -m bench --quick               # small counts, a few minutes
    uv run python -m bench --write-doc docs/BENCHMARKS.md   # also update the published figures
    uv run python -m bench --only replicas --postgres postgresql://user:pw@host/postgres

Each benchmark but `replicas` runs the real app (`pendulum-bot run`) as a subprocess against
the local Slack emulator (slack_emulator), exactly as the scenario tests do; `replicas` runs
several delivery engines in-process on a scratch PostgreSQL database, created and dropped
through the admin URL of `--postgres` (or PENDULUM_TEST_POSTGRES), and is skipped in a full
run without one. Raw results go to `--out`

(JSON); the Markdown tables go to stdout and, with `--write-doc`, between the results markers
of that document.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import ack, fanout, fanout_replicas, fanout_workspaces, idle, queries, report
from bench.workspace import machine
from tests.support.harness import REPO, make_emulator

BENCHMARKS = ("ack", "fanout", "idle", "queries", "replicas")


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is. `full` is what docs/BENCHMARKS.md publishes."""

    ack_sequential: int
    ack_rounds: int
    ack_width: int
    ack_warmup: int
    ack_passes: int
    fanout_recipients: int
    fanout_variants: tuple[bool, ...]  # True: Slack's tier limits on every method too
    fanout_workspaces: tuple[int, int]  # two workspaces due at once: (big, small) recipients
    idle_starts: int
    idle_seconds: float
    query_people: int
    query_weeks: int
    # one fan-out across workspaces × recipients, sent by each count of replicas in turn
    replicas_workspaces: int = 20
    replicas_recipients: int = 400
    replica_counts: tuple[int, ...] = (1, 2, 3)


FULL = Sizes(1200, 24, 50, 50, 3, 5000, (False, True), (1500, 500), 5, 30.0, 10_000, 261)
QUICK = Sizes(200, 4, 50, 20, 1, 600, (False,), (400, 350), 2, 5.0, 500, 261, 20, 60)
SMOKE = Sizes(20, 1, 10, 5, 1, 20, (False,), (20, 5), 1, 0.5, 30, 20, 3, 5, (2,))


def run(
    only: tuple[str, ...],
    sizes: Sizes,
    workdir: Path,
    log: Callable[[str], None] = print,
    *,
    postgres: str | None = None,
) -> dict[str, Any]:
    """Run the chosen benchmarks; returns the raw results (what `--out` holds). `postgres`:
    the admin URL the replicas benchmark makes its scratch databases with (none: skipped)."""
    results: dict[str, Any] = {"machine": machine(), "measured": {}}
    load_before = _load()
    began = time.monotonic()

    def note(name: str, load: str) -> None:
        """When each benchmark ran, and the machine's load around it."""
        results["measured"][name] = {
            "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load": f"{load} → {_load()}",
        }

    if "ack" in only:
        log("ack latency …")
        load = _load()
        with make_emulator() as emu:
            results["ack"] = ack.run(
                emu,
                workdir / "ack",
                n_sequential=sizes.ack_sequential,
                rounds=sizes.ack_rounds,
                width=sizes.ack_width,
                warmup=sizes.ack_warmup,
                passes=sizes.ack_passes,
                log=log,
            )
        note("ack", load)
    if "fanout" in only:
        results["fanout"] = []
        load = _load()
        for tiers in sizes.fanout_variants:
            log(f"fan-out of {sizes.fanout_recipients} DMs ({'all tiers' if tiers else 'posts'}) …")
            with make_emulator() as emu:
                outcome = fanout.run(
                    emu,
                    workdir / f"fanout-{'tiers' if tiers else 'posts'}",
                    recipients=sizes.fanout_recipients,
                    tiers=tiers,
                    log=log,
                )
            log(
                f"  fan-out: {outcome['wall_seconds']:.0f} s against a minimum of "
                f"{outcome['minimum_seconds']:.0f} s; {outcome['duplicated']} duplicates, "
                f"{outcome['lost']} lost; peak RSS {outcome['peak_rss_mib']:.0f} MiB"
            )
            results["fanout"].append(outcome)
        big, small = sizes.fanout_workspaces
        log(f"fan-outs in two workspaces at once ({big} and {small} DMs) …")
        both = fanout_workspaces.run(workdir / "fanout-workspaces", big=big, small=small, log=log)
        results["fanout_workspaces"] = both
        for team, w in both["workspaces"].items():
            log(
                f"  {team}: first DM after {w['first_dm_seconds']:.1f} s, last after "
                f"{w['last_dm_seconds']:.0f} s (its own minimum {w['minimum_seconds']:.0f} s); "
                f"{w['duplicated']} duplicates, {w['lost']} lost"
            )
        log(f"  both: {both['wall_seconds']:.0f} s against {both['minimum_seconds']:.0f} s")
        note("fanout", load)
    if "idle" in only:
        log("start-up and idle memory …")
        load = _load()
        with make_emulator() as emu:
            results["idle"] = idle.run(
                emu,
                workdir / "idle",
                starts=sizes.idle_starts,
                idle_seconds=sizes.idle_seconds,
                log=log,
            )
        note("idle", load)
    if "queries" in only:
        load = _load()
        log(f"history and App Home over {sizes.query_people} people × {sizes.query_weeks} weeks …")
        with make_emulator() as emu:
            results["queries"] = queries.run(
                emu,
                workdir / "queries",
                people=sizes.query_people,
                weeks=sizes.query_weeks,
                log=log,
            )
        note("queries", load)
    if "replicas" in only and not postgres:
        env = fanout_replicas.ENV_ADMIN_URL
        log(f"replicas: skipped (no PostgreSQL: give --postgres URL or {env})")
    elif "replicas" in only and postgres:
        load = _load()
        results["replicas"] = fanout_replicas.run(
            postgres,
            replica_counts=sizes.replica_counts,
            workspaces=sizes.replicas_workspaces,
            recipients=sizes.replicas_recipients,
            log=log,
        )
        note("replicas", load)
        results["measured"]["replicas"]["uptime"] = _uptime()
    results["run"] = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_minutes": (time.monotonic() - began) / 60,
        "load_before": load_before,
        "load_after": _load(),
        "commit": _commit(),
        "command": "uv run python -m bench"
        + (f" --only {','.join(only)}" if only != BENCHMARKS else ""),
    }
    return results


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _uptime() -> str:
    """The load averages over 1, 5 and 15 minutes, as `uptime` prints them."""
    try:
        return ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "") if head else "?"
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    parser.add_argument("--quick", action="store_true", help="small counts (minutes, not hours)")
    parser.add_argument("--out", default="bench-results.json", help="raw results (JSON)")
    parser.add_argument("--write-doc", metavar="PATH", help="update the figures in this document")
    parser.add_argument("--workdir", help="keep the apps' databases and logs here")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(fanout_replicas.ENV_ADMIN_URL),
        help="PostgreSQL admin URL for the replicas benchmark's scratch databases"
        f" (default: ${fanout_replicas.ENV_ADMIN_URL})",
    )
    args = parser.parse_args(argv)
    only = tuple(name for name in BENCHMARKS if name in args.only.split(","))
    unknown = set(args.only.split(",")) - set(BENCHMARKS)
    if unknown or not only:
        parser.error(f"--only takes {', '.join(BENCHMARKS)}")
    if only == ("replicas",) and not args.postgres:
        parser.error(f"replicas needs --postgres URL (or {fanout_replicas.ENV_ADMIN_URL})")
    sizes = QUICK if args.quick else FULL
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="pendulum-bench-"))
    os.environ.setdefault("PYTHONHASHSEED", "0")

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    results = run(only, sizes, workdir, log, postgres=args.postgres)
    if args.quick:
        results["run"]["command"] += " --quick"
    Path(args.out).write_text(json.dumps(results, indent=2, default=str) + "\n")
    section = report.render(results)
    print(section)
    if args.write_doc:
        path = Path(args.write_doc)
        path.write_text(report.splice(path.read_text() if path.exists() else "", section))
        log(f"figures written to {path}")
    log(f"raw results in {args.out}; apps' databases and logs in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
