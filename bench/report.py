"""The benchmark results as Markdown (the figures section of docs/BENCHMARKS.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.ack import ratios

START, END = "<!-- results:start -->", "<!-- results:end -->"

# the targets from the issues
P50_VS_TUNED = 1.3  # Pendulum's p50 against the bare Bolt app with process_before_response
P99_VS_TUNED = 1.2
P99_SEQUENTIAL_MS = 20.0
P99_CONCURRENT_MS = 100.0
FANOUT_RATIO = 1.1
STARTUP_S = 0.7  # spawn to "connected"
STARTUP_VS_BARE = 1.75
IDLE_RSS_MIB = 40.0


def mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def ms(value: object) -> str:
    number = float(str(value))
    return f"{number:.2f}" if number < 1 else f"{number:.1f}"


def cpu(series: dict[str, Any]) -> str:
    value = series.get("cpu_ms_per_command")
    return "?" if value is None else f"{float(value):.2f}"


def render(results: dict[str, Any]) -> str:
    parts = [START, "", machine_section(results)]
    sections: dict[str, Callable[[Any], str]] = {
        "ack": ack_section,
        "fanout": fanout_section,
        "idle": idle_section,
        "queries": queries_section,
        "replicas": replicas_section,
    }
    for name, section in sections.items():
        if name in results:
            parts.append(section(results[name]) + when(results, name))
    parts.append(END)
    return "\n".join(parts) + "\n"


def when(results: dict[str, Any], name: str) -> str:
    measured = results.get("measured", {}).get(name)
    if not measured:
        return ""
    note = f" ({measured['note']})" if measured.get("note") else ""
    if measured.get("uptime"):  # `uptime`'s three figures at the end
        note = f"; at the end 1 / 5 / 15 min: {measured['uptime']}" + note
    return f"\nMeasured {measured['finished']}; load average {measured['load']}{note}.\n"


def machine_section(results: dict[str, Any]) -> str:
    m = results["machine"]
    run = results["run"]
    return "\n".join(
        [
            f"Measured {run['finished']} with `{run['command']}` at commit `{run['commit']}`"
            f" ({run['wall_minutes']:.0f} minutes in all)"
            + (f": {run['parts']}." if run.get("parts") else "."),
            "",
            "| Machine | |",
            "|---|---|",
            f"| CPU | {m['cpu']} (`nproc`: {m['nproc']}) |",
            f"| Memory | {m['memory']} |",
            f"| OS | {m['os']} |",
            f"| Python | {m['python']} (SQLite {m['sqlite']}) |",
            (
                f"| Load average (1 min) before / after | {run['load_before']}"
                f" / {run['load_after']} |"
                if run["load_before"] != run["load_after"]
                else f"| Load average (1 min) | {run['load_before']} |"
            ),
            "",
        ]
    )


def ack_section(ack: dict[str, Any]) -> str:
    series = ack["series"]
    index = {(s["app"], s["mode"], s["command"], s["load"]): s for s in series}
    settings = ack["settings"]
    lines = [
        "### 1. Ack latency",
        "",
        f"`uv run python -m bench --only ack` — {settings['sequential']} commands one at a time,"
        f" then {settings['rounds']} bursts of {settings['width']} at once, per app × transport"
        f" × command, in {settings.get('passes', 1)} alternating passes after a warm-up;"
        " latency as the emulator sees it (`Delivery.latency`).",
        "",
        "| Transport | Command | Load | Pendulum p50 / p99 (ms) | bare Bolt defaults p50 / p99"
        " | bare Bolt tuned (`process_before_response`) p50 / p99 | p50 ÷ tuned p50 (≤ 1.3)"
        " | p99 ÷ tuned p99 (≤ 1.2) | p99 under 20 / 100 ms | CPU per command: Pendulum /"
        " defaults / tuned (ms) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in ratios(series):
        key = (row["mode"], row["command"], row["load"])
        default = index[("bare-default", *key)]
        tuned = index[("bare-tuned", *key)]
        limit = P99_SEQUENTIAL_MS if row["load"] == "sequential" else P99_CONCURRENT_MS
        p50_vs_tuned = float(row["p50_ms"]) / float(str(tuned["p50_ms"]))
        lines.append(
            f"| {row['mode']} | `{row['command']}` | {row['load']} "
            f"| {ms(row['p50_ms'])} / {ms(row['p99_ms'])} "
            f"| {ms(default['p50_ms'])} / {ms(default['p99_ms'])} "
            f"| {ms(tuned['p50_ms'])} / {ms(tuned['p99_ms'])} "
            f"| {p50_vs_tuned:.2f} {mark(p50_vs_tuned <= P50_VS_TUNED)} "
            f"| {row['p99_vs_tuned']:.2f} {mark(row['p99_vs_tuned'] <= P99_VS_TUNED)} "
            f"| {mark(row['p99_ms'] < limit)} "
            f"| {cpu(index[('pendulum', *key)])} / {cpu(default)} / {cpu(tuned)} |"
        )
    sizes = ack.get("ack_bytes", {})
    errors = sum(int(s.get("errors", 0)) for s in series)
    lines += [
        "",
        f"Ack sizes (bytes of JSON): Pendulum `help` {sizes.get('pendulum/help', '?')},"
        f" `check` {sizes.get('pendulum/check', '?')}; the bare apps send the same bytes."
        f" Late or failed acks: {errors}. Emulator problems: {len(ack['emulator_problems'])}.",
        "",
    ]
    return "\n".join(lines)


def fanout_section(runs: list[dict[str, Any]]) -> str:
    lines = [
        "### 2. Weekly fan-out",
        "",
        "`uv run python -m bench --only fanout` — check-in DMs to distinct people, all due at"
        " once, Pendulum with its production settings (Socket Mode, one process), the emulator"
        " enforcing Slack's limits.",
        "",
        "| Limits on | DMs | Wall time | Minimum the limits allow | Ratio (≤ 1.1) | Rate"
        " | Duplicates | Lost | 429s | Peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        limits = (
            "every method (Slack's tiers)"
            if run["tier_limits"]
            else "chat.postMessage only (other tiers lifted)"
        )
        limited = ", ".join(f"{n:,} ({m})" for m, n in sorted(run["rate_limited"].items()))
        lines.append(
            f"| {limits}; {run['workspace_per_minute']}/min workspace cap "
            f"| {run['recipients']:,} | {run['wall_seconds']:,.0f} s "
            f"| {run['minimum_seconds']:.0f} s "
            f"| {run['ratio']:.2f} {mark(run['ratio'] <= FANOUT_RATIO)} "
            f"| {run['rate']:.2f}/s | {run['duplicated']} | {run['lost']} "
            f"| {limited or 0} | {run['peak_rss_mib']:.0f} MiB |"
        )
    lines.append("")
    return "\n".join(lines)


def idle_section(rows: list[dict[str, Any]]) -> str:
    lines = [
        "### 3. Start-up and idle memory",
        "",
        '`uv run python -m bench --only idle` — spawn to "connected" (median of'
        f" {rows[0]['starts']} starts), then RSS after {rows[0]['idle_seconds']:.0f} s idle.",
        "",
        f"Targets for Pendulum: connected within {STARTUP_S} s and within {STARTUP_VS_BARE}×"
        f" the bare Bolt app's start-up in the same run; idle RSS ≤ {IDLE_RSS_MIB:.0f} MiB.",
        "",
        "| App | Transport | Start-up to connected (median, min–max) | ÷ bare Bolt (≤ 1.75)"
        " | Idle RSS | Peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    bare = {row["mode"]: row for row in rows if row["app"] != "pendulum"}
    for row in rows:
        median = float(row["startup_median_s"])
        name, versus, started, memory = "bare Bolt (tuned)", "", "", ""
        if row["app"] == "pendulum":
            name = "Pendulum"
            started = f" {mark(median <= STARTUP_S)}"
            memory = f" {mark(float(row['idle_rss_mib']) <= IDLE_RSS_MIB)}"
            if row["mode"] in bare:
                ratio = median / float(bare[row["mode"]]["startup_median_s"])
                versus = f"{ratio:.2f} {mark(ratio <= STARTUP_VS_BARE)}"
        lines.append(
            f"| {name} | {row['mode']} | {median:.2f} s"
            f" ({row['startup_min_s']:.2f}–{row['startup_max_s']:.2f}){started} | {versus} "
            f"| {row['idle_rss_mib']:.1f} MiB{memory} | {row['peak_rss_mib']:.1f} MiB |"
        )
    lines.append("")
    return "\n".join(lines)


def queries_section(q: dict[str, Any]) -> str:
    rows = q["rows"]
    inproc = q["in_process"]
    wire = q["over_the_wire"]
    lines = [
        "### 4. History and App Home with years of data",
        "",
        "`uv run python -m bench --only queries` — "
        f"{q['people']:,} people × {q['weeks']} weeks: {rows['checkins']:,} check-ins and"
        f" {rows['deliveries']:,} ledger rows ({q['database_mib']:.0f} MiB of SQLite), one"
        " person's views.",
        "",
        "| What | Cold | p50 | p99 |",
        "|---|---|---|---|",
    ]
    names = {
        "history_message": "`/pendulum history` answer, built in process",
        "home_view": "App Home view, built in process",
        "prompt_location": "a week's sent DMs (after answering, on the worker)",
    }
    for key, label in names.items():
        t = inproc[key]
        lines.append(
            f"| {label} | {ms(t['cold_ms'])} ms | {ms(t['p50_ms'])} ms | {ms(t['p99_ms'])} ms |"
        )
    h, p = wire["history_ack"], wire["home_published"]
    lines += [
        f"| `/pendulum history` ack over Socket Mode (n={h['n']}) | | {ms(h['p50_ms'])} ms"
        f" | {ms(h['p99_ms'])} ms |",
        f"| `app_home_opened` → `views.publish` (n={p['n']}) | | {ms(p['p50_ms'])} ms"
        f" | {ms(p['p99_ms'])} ms |",
        "",
        "Query plans:",
        "",
    ]
    for name, plan in inproc["plans"].items():
        lines.append(f"- {name}: `{'; '.join(plan)}`")
    lines.append("")
    return "\n".join(lines)


def replicas_section(result: dict[str, Any]) -> str:
    runs = result["runs"]
    first = runs[0]
    lines = [
        "### 5. Fan-out across replicas",
        "",
        "`PENDULUM_TEST_POSTGRES=postgresql://… uv run python -m bench --only replicas` —"
        f" {first['workspaces']} workspaces × {first['recipients_per_workspace']:,} check-in DMs"
        " due at once, sent by 1, 2 and 3 delivery engines (replicas) in one process, each with"
        " its own connection pool, replica id and tick thread (every"
        f" {first['tick_interval_seconds']:g} s, lease {first['lease_seconds']:g} s), on a fresh"
        " PostgreSQL database per run, against the same stand-in workspaces enforcing Slack's"
        f" limits ({first['workspace_per_minute']}/min workspace bucket, 1/s per channel).",
        "",
        "| Replicas | DMs | Wall time | Slack's bound (one workspace) | Pendulum's pacer"
        " (one workspace) | 429s | Duplicates | Lost | Workspaces per replica"
        " | Workspaces with 2+ pacers | Tick median / max | Peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        shares = " / ".join(str(n) for n in run["workspaces_per_replica"].values())
        slack = f"{run['minimum_seconds']:.0f} s ({run['ratio']:.2f}×)"
        if not run["minimum_seconds"]:
            slack = "0 s (Slack's bucket takes them all at once)"
        lines.append(
            f"| {run['replicas']} | {run['dms']:,} | {run['wall_seconds']:.1f} s "
            f"| {slack} "
            f"| {run['paced_seconds']:.0f} s ({run['paced_ratio']:.2f}×) "
            f"| {run['rate_limited']} | {run['duplicated']} | {run['lost']} | {shares} "
            f"| {run['workspaces_with_several_pacers']} "
            f"| {run['tick_median_ms']:.0f} / {run['tick_max_ms']:,.0f} ms "
            f"| {run['peak_rss_mib']:.0f} MiB |"
        )
    lines.append("")
    return "\n".join(lines)


def splice(document: str, section: str) -> str:
    """Replace the results between the markers in `document` (append them if absent). A
    benchmark this run did not measure keeps its published section, with its own date."""
    if START in document and END in document:
        head, rest = document.split(START, 1)
        published, tail = rest.split(END, 1)
        return head + merge(published, section.strip("\n").removeprefix(START)).rstrip() + tail
    return document.rstrip("\n") + "\n\n" + section


def merge(published: str, fresh: str) -> str:
    """The fresh results' header and sections, plus the published sections it lacks (by
    their `### N.` heading), in number order."""
    fresh = fresh.replace(END, "")
    top, new = _sections(fresh)
    _, old = _sections(published)
    kept = {**old, **new}
    body = "".join(kept[k] for k in sorted(kept))
    older = sorted(set(old) - set(new))
    if older:
        which = " and ".join(", ".join(older).rsplit(", ", 1))
        note = f"Section{'s' if len(older) > 1 else ''} {which}: not measured in this run"
        top = top.replace(
            "\n\n| Machine |", f" {note}; each section says when it was.\n\n| Machine |", 1
        )
    return f"{START}\n{top.strip()}\n\n{body.strip()}\n\n{END}"


def _sections(text: str) -> tuple[str, dict[str, str]]:
    """(what comes before the first `### ` heading, heading number → section text)."""
    top, *chunks = text.split("\n### ")
    found = {}
    for chunk in chunks:
        number = chunk.split(".", 1)[0].strip()
        found[number] = "### " + chunk.rstrip() + "\n\n"
    return top, found
