"""A smoke run of the benchmark harness (`python -m bench`) with tiny counts: every benchmark
starts its apps, measures, and the report renders. The real figures come from the full run
documented in docs/BENCHMARKS.md; this only keeps the harness working."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import report
from bench.__main__ import BENCHMARKS, SMOKE, main, run
from bench.fanout_replicas import ENV_ADMIN_URL
from bench.workspace import machine


def test_every_benchmark_runs_with_tiny_counts(tmp_path: Path) -> None:
    lines: list[str] = []
    results = run(BENCHMARKS, SMOKE, tmp_path, log=lines.append)

    ack = results["ack"]
    apps = {(s["app"], s["mode"]) for s in ack["series"]}
    assert apps == {
        (app, mode)
        for app in ("pendulum", "bare-default", "bare-tuned")
        for mode in ("socket", "http")
    }
    assert all(s["n"] > 0 and s["errors"] == 0 for s in ack["series"])
    assert ack["emulator_problems"] == []
    # the bare apps answered with Pendulum's own bytes
    assert ack["ack_bytes"]["bare-tuned/help"] == ack["ack_bytes"]["pendulum/help"]

    (fan,) = results["fanout"]
    assert fan["delivered"] == SMOKE.fanout_recipients
    assert fan["lost"] == 0 and fan["duplicated"] == 0 and fan["peak_rss_mib"] > 0

    assert {(r["app"], r["mode"]) for r in results["idle"]} == {
        (app, mode) for app in ("pendulum", "bare-tuned") for mode in ("socket", "http")
    }
    assert all(r["idle_rss_mib"] > 0 for r in results["idle"])

    q = results["queries"]
    assert q["rows"]["checkins"] == SMOKE.query_people * SMOKE.query_weeks
    assert q["over_the_wire"]["history_ack"]["n"] > 0

    markdown = report.render(results)
    for heading in ("### 1.", "### 2.", "### 3.", "### 4."):
        assert heading in markdown
    assert markdown.startswith(report.START) and markdown.rstrip().endswith(report.END)


def test_the_command_line_writes_results_and_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--write-doc` replaces only what is between the markers (the run itself is faked:
    the test above runs the real thing)."""
    import bench.__main__ as cli

    idle_row = {
        "app": "pendulum",
        "mode": "socket",
        "startup_median_s": 1.5,
        "startup_min_s": 1.4,
        "startup_max_s": 1.6,
        "idle_rss_mib": 50.0,
        "peak_rss_mib": 52.0,
        "starts": 1,
        "idle_seconds": 1.0,
    }
    canned = {
        "machine": machine(),
        "idle": [idle_row],
        "run": {
            "finished": "now",
            "wall_minutes": 0.1,
            "load_before": "0.1",
            "load_after": "0.1",
            "commit": "abc",
            "command": "uv run python -m bench --only idle",
        },
    }
    seen: list[tuple[str, ...]] = []

    def fake_run(only: tuple[str, ...], *_: object, **__: object) -> dict[str, object]:
        seen.append(only)
        return canned

    monkeypatch.setattr(cli, "run", fake_run)
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"# Benchmarks\n\nprose\n\n{report.START}\nold\n{report.END}\n\nmore prose\n")
    out = tmp_path / "results.json"
    assert main(["--only", "idle", "--out", str(out), "--write-doc", str(doc)]) == 0
    assert seen == [("idle",)]
    written = doc.read_text()
    assert written.startswith("# Benchmarks\n\nprose") and written.endswith("more prose\n")
    assert "old" not in written and "### 3. Start-up and idle memory" in written
    assert "| Pendulum | socket | 1.50 s" in written
    assert json.loads(out.read_text())["idle"] == [idle_row]
    with pytest.raises(SystemExit):
        main(["--only", "nonsense"])


@pytest.mark.postgres
def test_the_replicas_benchmark_shares_the_workspaces_one_pacer_each(tmp_path: Path) -> None:
    """Two replicas, three workspaces of five: every DM once, each workspace paced by exactly
    one replica, and the section renders."""
    lines: list[str] = []
    results = run(("replicas",), SMOKE, tmp_path, lines.append, postgres=os.environ[ENV_ADMIN_URL])
    (outcome,) = results["replicas"]["runs"]
    assert outcome["replicas"] == 2 and outcome["dms"] == 3 * 5
    assert outcome["duplicated"] == 0 and outcome["lost"] == 0 and outcome["unexpected"] == 0
    assert outcome["workspaces_with_several_pacers"] == 0
    assert sum(outcome["workspaces_per_replica"].values()) == 3
    assert set(outcome["workspaces_per_replica"]) == {"replica-1", "replica-2"}
    assert outcome["tick_errors"] == 0 and outcome["peak_rss_mib"] > 0
    markdown = report.render(results)
    assert "### 5. Fan-out across replicas" in markdown
    assert "| 2 | 15 |" in markdown
