"""Shared set-up for the benchmarks and the fault tests: a large emulated workspace, a
database seeded with weekly check-ins that are due now, and what the app process costs.

Everything here drives the real app the way the scenario tests do (`tests/support/harness.py`): as a
subprocess against the local Slack emulator.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.store.db import Store
from bot.store.schedules import create_schedule
from slack_emulator import Emulator, User

TEAM_ID = "T0PENDULUM"  # the emulator's default workspace
CHECKIN_KIND = "checkin"
METADATA_EVENT = "pendulum_delivery"


def user_ids(count: int, prefix: str = "U0LOAD") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


def add_users(emu: Emulator, ids: Iterable[str], tz: str = "UTC") -> None:
    for uid in ids:
        emu.add_user(User(uid, uid.lower(), real_name=f"Manager {uid[-5:]}", tz=tz))


def due_slot(now: datetime | None = None) -> tuple[datetime, int, str]:
    """A weekly UTC slot that fell due a minute or two ago: (due instant, weekday, "HH:MM").
    Schedules created with the clock just before it are planned by the app's first tick."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    due = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    return due, due.weekday(), due.strftime("%H:%M")


def seed_checkins(
    db_path: Path | str,
    users: Sequence[str],
    *,
    team_id: str = TEAM_ID,
    now: datetime | None = None,
) -> datetime:
    """Create the app's database and enrol `users` in the weekly check-in, each due a
    minute ago (UTC), exactly as `/pendulum checkin on` would store it. `db_path` may also be
    a postgresql:// URL. Returns the due time."""
    due, weekday, local_time = due_slot(now)
    clock = FakeClock(due - timedelta(seconds=30))
    if isinstance(db_path, Path):
        db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(db_path)
    try:
        store.migrate()
        for uid in users:
            create_schedule(
                store,
                clock,
                team_id=team_id,
                kind=CHECKIN_KIND,
                owner_user_id=uid,
                target=uid,
                weekday=weekday,
                local_time=local_time,
                tz="UTC",
            )
    finally:
        store.close()
    return due


# -- what landed in Slack -------------------------------------------------------------------
def delivery_keys(emu: Emulator, user: str) -> list[str]:
    """The ledger keys of the app's messages in `user`'s DM (from Slack message metadata)."""
    keys = []
    for message in emu.messages(user):
        meta = message.metadata or {}
        if meta.get("event_type") == METADATA_EVENT:
            keys.append(str((meta.get("event_payload") or {}).get("key")))
    return keys


@dataclass(frozen=True)
class Tally:
    """Check-in DMs per recipient: who got none, who got more than one."""

    expected: int
    delivered: int
    lost: list[str]
    duplicated: dict[str, int]

    @property
    def exact(self) -> bool:
        return not self.lost and not self.duplicated


def tally(emu: Emulator, users: Sequence[str], kind: str = CHECKIN_KIND) -> Tally:
    counts: Counter[str] = Counter()
    for uid in users:
        counts[uid] = sum(1 for key in delivery_keys(emu, uid) if f":{kind}:{uid}:" in key)
    lost = [u for u in users if counts[u] == 0]
    dup = {u: n for u, n in counts.items() if n > 1}
    return Tally(len(users), sum(1 for u in users if counts[u] >= 1), lost, dup)


def sent_count(emu: Emulator, users: Sequence[str]) -> int:
    return sum(1 for uid in users if delivery_keys(emu, uid))


# -- what the app process costs -------------------------------------------------------------
def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (peak RSS) / VmSize of a process, in KiB, from /proc (Linux)."""
    values: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return values
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM", "VmSize", "Threads"):
            values[name] = int(rest.split()[0])
    return values


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        if match:
            cpu = match.group(1).strip()
    except OSError:
        pass
    mem = ""
    try:
        match = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        if match:
            mem = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpus": str(os.cpu_count() or "?"),
        "nproc": _nproc(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": _sqlite_version(),
    }


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return str(len(os.sched_getaffinity(0)))


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def python() -> str:
    return sys.executable
