"""Benchmark 5: one fan-out across 20 workspaces, sent by 1, 2 and 3 replicas.

Several Pendulum replicas share one PostgreSQL database; each workspace is paced by one of
them at a time (bot/delivery/replicas.py). Here R delivery engines run in this process, each
with its own `Store` (its own connection pool) and its own `Replicas` (a distinct id, the
same lease), each ticking on a thread of its own (`tick(wait=False)`, as the scheduler
does), against the SAME stand-in workspaces of `fanout_workspaces` (Slack's limits per
workspace, from `slack_emulator.limits`, answering 429 with Retry-After): the limits are
shared by whoever sends, as in Slack. Every R starts from a fresh database and fresh
workspaces; `workspaces` × `recipients` check-ins are due a minute ago.

Reported per R: wall time until every DM is out, against the posting bound of one workspace
(the workspaces run in parallel, so the bound is one workspace's: `fanout.minimum_seconds`,
Slack's bucket, which starts full) and against what Pendulum's own pacer allows one
workspace (`paced_seconds`); the 429s the stand-ins answered (one pacer per workspace: they
must not grow with R); duplicates and losses counted from what the stand-ins received; which
replica posted for which workspace; the ticks' own cost; the process's peak RSS.

All replicas run in ONE process here (one GIL): the run is bound by Slack's per-workspace
limits, so what more replicas bring is availability (and, in real deployments, CPU on other
machines), not a faster fan-out.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.fanout import minimum_seconds
from bench.fanout_workspaces import StandInWorkspace, _compose, paced_seconds
from bench.workspace import proc_status, seed_checkins, user_ids
from bot.clock import SystemClock
from bot.delivery.engine import DeliveryEngine
from bot.delivery.people import PeopleService
from bot.delivery.replicas import Replicas
from bot.store.db import Store

ENV_ADMIN_URL = "PENDULUM_TEST_POSTGRES"


def team_ids(count: int) -> list[str]:
    return [f"T0WS{n:04d}" for n in range(count)]


# -- a scratch database -------------------------------------------------------------------------
def database_url(admin_url: str, name: str) -> str:
    """The admin URL pointing at database `name` instead (same server and credentials)."""
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def scratch_database(admin_url: str, prefix: str = "bench_replicas") -> Iterator[str]:
    """A fresh, empty database for one run, dropped afterwards; yields its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- what each replica sent ---------------------------------------------------------------------
class Posters:
    """Which replica posted for which workspace (from the posts themselves)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_team: dict[str, Counter[str]] = {}

    def record(self, team_id: str, replica: str) -> None:
        with self._lock:
            self.by_team.setdefault(team_id, Counter())[replica] += 1


class TaggedWorkspace:
    """A stand-in workspace as one replica sees it: its posts are credited to that replica."""

    def __init__(self, stand_in: StandInWorkspace, replica: str, posters: Posters) -> None:
        self._stand_in = stand_in
        self._replica = replica
        self._posters = posters

    def chat_postMessage(self, **args: Any) -> dict[str, Any]:
        answer = self._stand_in.chat_postMessage(**args)  # a 429 raises: not a post
        self._posters.record(self._stand_in.team_id, self._replica)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stand_in, name)


class Replica:
    """One delivery engine with its own pool, replica id and ticking thread."""

    def __init__(
        self,
        url: str,
        name: str,
        slack: dict[str, StandInWorkspace],
        posters: Posters,
        *,
        lease: timedelta,
    ) -> None:
        self.name = name
        self.store = Store(url)
        clock = SystemClock()
        self.replicas = Replicas(self.store, clock, name, lease=lease)
        tagged = {t: TaggedWorkspace(s, name, posters) for t, s in slack.items()}

        def client(team_id: str) -> Any:
            return tagged[team_id]

        people = PeopleService(self.store, clock, client)
        self.engine = DeliveryEngine(
            self.store,
            client,
            clock,
            {"checkin": _compose},
            people=people,
            grace=timedelta(hours=12),
            replicas=self.replicas,
        )
        self.tick_seconds: list[float] = []
        self.tick_errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._ticking, name=f"tick-{name}", daemon=True)
        self._interval = 0.5

    def start(self, interval: float) -> None:
        self._interval = interval
        self._thread.start()

    def _ticking(self) -> None:
        while not self._stop.is_set():
            began = time.perf_counter()
            try:
                self.engine.tick(wait=False)
            except Exception:
                self.tick_errors += 1
            self.tick_seconds.append(time.perf_counter() - began)
            self._stop.wait(self._interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def close(self) -> None:
        self.stop()
        try:
            self.engine.close()
        finally:
            self.store.close()


# -- one run ------------------------------------------------------------------------------------
def reset_peak_rss() -> bool:
    """Start VmHWM afresh (Linux: writing 5 to clear_refs), so each run reports its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def run_once(
    admin_url: str,
    replicas: int,
    *,
    workspaces: int = 20,
    recipients: int = 400,
    workspace_per_minute: int = 300,
    tick_seconds: float = 0.5,
    lease: timedelta = timedelta(seconds=30),
    settle_seconds: float = 2.0,
    timeout: float = 1800,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """One fan-out of `workspaces` × `recipients` DMs by `replicas` engines on a fresh
    database; returns what was measured."""
    teams = team_ids(workspaces)
    users = {t: user_ids(recipients, prefix=f"U{t[4:]}X") for t in teams}
    with scratch_database(admin_url) as url:
        seeded_at = time.monotonic()
        now = datetime.now(UTC)
        for team_id in teams:
            seed_checkins(url, users[team_id], team_id=team_id, now=now)
        seed_seconds = time.monotonic() - seeded_at
        slack = {t: StandInWorkspace(t, users[t], workspace_per_minute) for t in teams}
        posters = Posters()
        names = [f"replica-{n + 1}" for n in range(replicas)]
        running = [Replica(url, name, slack, posters, lease=lease) for name in names]
        peak_reset = reset_peak_rss()
        try:
            for replica in running:  # every replica is alive before anyone plans
                replica.replicas.beat()
            began = time.monotonic()
            for replica in running:
                replica.start(tick_seconds)
            last_report = began
            total = workspaces * recipients
            while (done := _delivered(slack)) < total:
                now_m = time.monotonic()
                if now_m - began > timeout:
                    raise TimeoutError(f"{replicas} replica(s): {done}/{total} DMs after timeout")
                if now_m - last_report >= 30:
                    last_report = now_m
                    log(f"  {replicas} replica(s): {done}/{total} DMs after {now_m - began:.0f} s")
                time.sleep(0.1)
            wall = time.monotonic() - began
            time.sleep(settle_seconds)  # anything still in flight would show up as a duplicate
            peak_kib = proc_status(os.getpid()).get("VmHWM", 0)
        finally:
            for replica in running:
                replica.stop()
            for replica in running:
                replica.close()
    return _summary(
        replicas=replicas,
        users=users,
        slack=slack,
        posters=posters,
        running=running,
        wall=wall,
        seed_seconds=seed_seconds,
        workspace_per_minute=workspace_per_minute,
        tick_interval=tick_seconds,
        lease=lease,
        peak_kib=peak_kib,
        peak_reset=peak_reset,
        began=began,
    )


def _delivered(slack: dict[str, StandInWorkspace]) -> int:
    """Recipients with at least one DM, over every workspace."""
    count = 0
    for stand_in in slack.values():
        with stand_in.lock:
            count += len({channel for _, channel, _ in stand_in.posts})
    return count


def _summary(
    *,
    replicas: int,
    users: dict[str, list[str]],
    slack: dict[str, StandInWorkspace],
    posters: Posters,
    running: Sequence[Replica],
    wall: float,
    seed_seconds: float,
    workspace_per_minute: int,
    tick_interval: float,
    lease: timedelta,
    peak_kib: int,
    peak_reset: bool,
    began: float,
) -> dict[str, Any]:
    recipients = len(next(iter(users.values())))
    per_channel: Counter[str] = Counter()
    limited: Counter[str] = Counter()
    last_dm = 0.0
    for stand_in in slack.values():
        per_channel.update(channel for _, channel, _ in stand_in.posts)
        limited.update(stand_in.limited_by)
        last_dm = max([last_dm, *(at - began for at, _, _ in stand_in.posts)])
    everyone = {u for ids in users.values() for u in ids}  # a check-in DM goes to the user id
    paced_by = {team: sorted(counts) for team, counts in posters.by_team.items()}
    workspaces_of = Counter(names[0] for names in paced_by.values() if len(names) == 1)
    bound = minimum_seconds(recipients, workspace_per_minute)
    paced = paced_seconds(recipients)
    ticks = [t for r in running for t in r.tick_seconds]
    return {
        "replicas": replicas,
        "workspaces": len(users),
        "recipients_per_workspace": recipients,
        "dms": sum(len(ids) for ids in users.values()),
        "workspace_per_minute": workspace_per_minute,
        "tick_interval_seconds": tick_interval,
        "lease_seconds": lease.total_seconds(),
        "seed_seconds": seed_seconds,
        "wall_seconds": wall,
        "last_dm_seconds": last_dm,
        "minimum_seconds": bound,
        "ratio": wall / bound if bound else float("nan"),
        "paced_seconds": paced,
        "paced_ratio": wall / paced if paced else float("nan"),
        "rate_limited": sum(limited.values()),
        "rate_limited_by_method": dict(limited),
        "duplicated": sum(n - 1 for n in per_channel.values() if n > 1),
        "lost": len(everyone - set(per_channel)),
        "unexpected": len(set(per_channel) - everyone),
        "workspaces_per_replica": {r.name: workspaces_of[r.name] for r in running},
        "workspaces_with_several_pacers": sum(1 for names in paced_by.values() if len(names) > 1),
        "ticks": len(ticks),
        "tick_errors": sum(r.tick_errors for r in running),
        "tick_median_ms": statistics.median(ticks) * 1000 if ticks else float("nan"),
        "tick_max_ms": max(ticks) * 1000 if ticks else float("nan"),
        "peak_rss_mib": peak_kib / 1024,
        "peak_rss_per_run": peak_reset,
    }


def run(
    admin_url: str,
    *,
    replica_counts: Sequence[int] = (1, 2, 3),
    workspaces: int = 20,
    recipients: int = 400,
    tick_seconds: float = 0.5,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The same fan-out with each replica count, one after the other."""
    runs = []
    for count in replica_counts:
        log(f"fan-out of {workspaces} × {recipients} DMs by {count} replica(s) …")
        outcome = run_once(
            admin_url,
            count,
            workspaces=workspaces,
            recipients=recipients,
            tick_seconds=tick_seconds,
            log=log,
        )
        log(
            f"  {count} replica(s): {outcome['wall_seconds']:.1f} s (Slack's bound"
            f" {outcome['minimum_seconds']:.0f} s, the pacer's {outcome['paced_seconds']:.0f} s);"
            f" {outcome['rate_limited']} 429s, {outcome['duplicated']} duplicates,"
            f" {outcome['lost']} lost; workspaces per replica"
            f" {outcome['workspaces_per_replica']}; peak RSS {outcome['peak_rss_mib']:.0f} MiB"
        )
        runs.append(outcome)
    return {"runs": runs}
