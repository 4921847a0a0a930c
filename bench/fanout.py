"""Benchmark 2: a weekly fan-out of check-in DMs to N distinct people, against the emulator
with Slack's limits on.

The emulator enforces Slack's published limits (`emu.rate_limits(True)`): chat.postMessage
≈ 1 per second per channel with a burst of 3, plus a workspace cap (300 per minute by default,
as a bucket that starts full), and every other method by its tier (users.info: Tier 4,
100 per minute). Pendulum runs with its production settings (no PENDULUM_DELIVERY_LIMITS), so
it paces itself by what it knows of Slack's limits. N managers are enrolled in the weekly
check-in, all due at once; the run ends when every one of them has a DM.

The minimum wall time is what the workspace cap allows for N posts:
max(0, N − cap) / (cap / 60) seconds (the bucket's first `cap` posts may go at once).
Reported: wall time against it, duplicates and losses, 429s, the app's peak RSS (VmHWM).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.apps import start_pendulum
from bench.workspace import add_users, seed_checkins, sent_count, tally, user_ids
from slack_emulator import Emulator


def minimum_seconds(n: int, workspace_per_minute: int) -> float:
    return max(0, n - workspace_per_minute) / (workspace_per_minute / 60)


def run(
    emu: Emulator,
    workdir: Path,
    *,
    recipients: int = 5000,
    workspace_per_minute: int = 300,
    tiers: bool = True,
    timeout: float = 4 * 3600,
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    users = user_ids(recipients, prefix="U0FAN")
    add_users(emu, users)
    seed_checkins(workdir / "pendulum.db", users)
    emu.rate_limits(True, workspace_per_minute=workspace_per_minute)
    if not tiers:  # chat.postMessage limits only
        emu.rate_limits(True, workspace_per_minute=workspace_per_minute, tier_per_minute=HIGH)
    calls_before = len(emu.calls)
    app = start_pendulum(emu, workdir, "socket")
    began = time.monotonic()  # the first tick runs as the app connects: the send starts now
    peak_kib = 0
    last_report = began
    try:
        while True:
            done = sent_count(emu, users)
            peak_kib = max(peak_kib, app.memory().get("VmHWM", 0))
            now = time.monotonic()
            if done >= recipients:
                break
            if now - began > timeout:
                raise TimeoutError(f"only {done}/{recipients} DMs after {timeout:.0f} s")
            if now - last_report >= 60:
                log(f"  fan-out: {done}/{recipients} after {now - began:.0f} s")
                last_report = now
            time.sleep(0.25)
        wall = time.monotonic() - began
        time.sleep(2.0)  # anything still in flight would show up as a duplicate
        result = tally(emu, users)
        peak_kib = max(peak_kib, app.memory().get("VmHWM", 0))
    finally:
        app.stop()
    calls = emu.calls[calls_before:]
    by_method: Counter[str] = Counter(c.method for c in calls)
    limited: Counter[str] = Counter(c.method for c in calls if c.status == 429)
    floor = minimum_seconds(recipients, workspace_per_minute)
    return {
        "recipients": recipients,
        "workspace_per_minute": workspace_per_minute,
        "tier_limits": tiers,
        "wall_seconds": wall,
        "minimum_seconds": floor,
        "ratio": wall / floor if floor else float("nan"),
        "delivered": result.delivered,
        "lost": len(result.lost),
        "duplicated": sum(n - 1 for n in result.duplicated.values()),
        "peak_rss_mib": peak_kib / 1024,
        "calls": dict(by_method),
        "rate_limited": dict(limited),
        "rate": recipients / wall,
    }


# every tier far above what N users need: isolates chat.postMessage's own limits
HIGH = {1: 1000, 2: 100_000, 3: 100_000, 4: 100_000}
