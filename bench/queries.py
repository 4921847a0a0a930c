"""Benchmark 4: a person's history and App Home when the database holds five years of weekly
check-ins for 10,000 people.

The database is seeded the way years of use would leave it: for every person a check-in
schedule, a `people` row, and for each of the last N weeks one `checkins` row (answered,
skipped or away) and one `deliveries` ledger row for the DM that asked. Then, for one person:

- in process: `history_message` (what `/pendulum history` answers) and `home_view` (what App
  Home publishes), timed over many runs, plus SQLite's plan for the queries behind them;
- over the wire: the real app on that database — `/pendulum history` acked through the
  emulator, and `app_home_opened` → `views.publish`.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.ack import percentile
from bench.apps import start_pendulum
from bench.workspace import TEAM_ID
from bot.clock import FakeClock
from bot.coaching.checkin_rules import period_of
from bot.store.db import Store
from slack_emulator import Emulator

CHECKIN_COLUMNS = (
    "team_id, user_id, period, status, hands_on, critical_path, critical_path_what, "
    "focus_blocks, energy, note, created_at, updated_at"
)
DELIVERY_COLUMNS = (
    "key, team_id, kind, schedule_id, target, period, status, due_at, expires_at, created_at, "
    "claimed_at, sent_at, channel, ts, attempts"
)
HANDS_ON = ("none", "lt5", "5to10", "gt10")


def person(i: int) -> str:
    return f"U0HIST{i:05d}"


def fridays(today: date, weeks: int) -> list[date]:
    last = today - timedelta(days=(today.weekday() - 4) % 7 or 7)
    return [last - timedelta(weeks=w) for w in range(weeks)][::-1]


def seed(db_path: Path, *, people: int, weeks: int, today: date) -> dict[str, float]:
    """Create the app's schema, then fill it with `people` × `weeks` of history."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(db_path)
    store.migrate()
    store.close()
    began = time.monotonic()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    rng = random.Random(20261122)
    days = fridays(today, weeks)
    stamp = datetime.combine(today, datetime.min.time(), UTC).isoformat(timespec="seconds")
    next_friday = days[-1] + timedelta(weeks=1)
    next_due = datetime.combine(next_friday, datetime.min.time(), UTC) + timedelta(hours=15)
    with conn:
        conn.executemany(
            "INSERT INTO people (team_id, user_id, tz, tz_checked_at, first_seen_at)"
            " VALUES (?, ?, 'UTC', ?, ?)",
            ((TEAM_ID, person(i), stamp, stamp) for i in range(people)),
        )
        conn.executemany(
            "INSERT INTO schedules (id, team_id, kind, owner_user_id, target, weekday, local_time,"
            " tz, params, next_due_at, created_at, updated_at)"
            " VALUES (?, ?, 'checkin', ?, ?, 4, '15:00', 'UTC', '{}', ?, ?, ?)",
            (
                (i + 1, TEAM_ID, person(i), person(i), next_due.isoformat(), stamp, stamp)
                for i in range(people)
            ),
        )
        conn.executemany(
            f"INSERT INTO checkins ({CHECKIN_COLUMNS}) VALUES ({', '.join('?' * 12)})",
            _checkins(rng, people, days),
        )
        conn.executemany(
            f"INSERT INTO deliveries ({DELIVERY_COLUMNS}) VALUES ({', '.join('?' * 15)})",
            _deliveries(people, days),
        )
    conn.execute("ANALYZE")
    conn.close()
    return {"seconds": time.monotonic() - began, "bytes": float(db_path.stat().st_size)}


def _checkins(rng: random.Random, people: int, days: list[date]) -> Iterator[tuple[Any, ...]]:
    for i in range(people):
        for day in days:
            when = f"{day.isoformat()}T16:00:00+00:00"
            roll = rng.random()
            if roll < 0.07:
                yield (TEAM_ID, person(i), period_of(day), "skipped", None, None, None, None,
                       None, None, when, when)  # fmt: skip
            elif roll < 0.10:
                yield (TEAM_ID, person(i), period_of(day), "away", None, None, None, None,
                       None, None, when, when)  # fmt: skip
            else:
                hands_on = rng.choice(HANDS_ON)
                critical = "no" if hands_on == "none" else rng.choice(("yes", "no", "unsure"))
                yield (
                    TEAM_ID,
                    person(i),
                    period_of(day),
                    "answered",
                    hands_on,
                    critical,
                    "the billing migration" if critical == "yes" else None,
                    rng.randint(0, 10),
                    rng.randrange(0, 101, 10),
                    "A long week of interviews." if rng.random() < 0.2 else None,
                    when,
                    when,
                )


def _deliveries(people: int, days: list[date]) -> Iterator[tuple[Any, ...]]:
    for i in range(people):
        uid = person(i)
        for n, day in enumerate(days):
            period = period_of(day)
            due = f"{day.isoformat()}T15:00:00+00:00"
            ts = f"{datetime.combine(day, datetime.min.time(), UTC).timestamp() + 54000:.6f}"
            yield (
                f"{TEAM_ID}:checkin:{uid}:{period}",
                TEAM_ID,
                "checkin",
                i + 1,
                uid,
                period,
                "sent",
                due,
                f"{day.isoformat()}T23:59:59+00:00",
                due,
                due,
                due,
                f"D{i:08d}{n % 100:02d}",
                ts,
                1,
            )


def services_for(db_path: Path, now: datetime) -> Any:
    from bot.app import build_services
    from bot.config import Config, packaged_prompts_dir
    from bot.content.library import load_library

    prompts = packaged_prompts_dir()
    services, _ = build_services(
        Config(db_path=db_path, prompts_dir=prompts),
        library=load_library(prompts),
        store=Store(db_path),
        clock=FakeClock(now),
    )
    return services


def timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    first_began = time.perf_counter()
    fn()
    cold = time.perf_counter() - first_began
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return {
        "cold_ms": cold * 1000,
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "runs": float(runs),
    }


def query_plans(store: Store, user: str) -> dict[str, list[str]]:
    """SQLite's plan for the queries behind history and App Home."""
    queries = {
        "history (checkins of one person, last 12 weeks)": (
            "SELECT * FROM checkins WHERE team_id = ? AND user_id = ? AND period >= ?"
            " ORDER BY period DESC LIMIT 52",
            [TEAM_ID, user, "2026-W01"],
        ),
        "this week's DM (ledger by key)": (
            "SELECT * FROM deliveries WHERE key = ?",
            [f"{TEAM_ID}:checkin:{user}:2026-W47"],
        ),
        "schedules a person owns": (
            "SELECT * FROM schedules WHERE team_id = ? AND owner_user_id = ?",
            [TEAM_ID, user],
        ),
        "a week's sent DMs to update after answering (prompt_location)": (
            "SELECT channel, ts FROM deliveries WHERE team_id = ? AND target = ? AND period = ?"
            " AND status = 'sent' AND ts IS NOT NULL AND kind IN (?, ?, ?, ?)",
            [TEAM_ID, user, "2026-W47", "checkin", "checkin_adhoc", "checkin_reminder", "x"],
        ),
    }
    plans = {}
    for name, (sql, params) in queries.items():
        rows = store.db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        plans[name] = [str(r[-1]) for r in rows]
    return plans


def run_in_process(db_path: Path, user: str, now: datetime, runs: int = 200) -> dict[str, object]:
    from bot.features.checkin_sends import prompt_location
    from bot.features.checkin_status import history_message
    from bot.features.home_view import home_view

    services = services_for(db_path, now)
    period = period_of(now.date())
    try:
        return {
            "history_message": timed(lambda: history_message(services, TEAM_ID, user), runs),
            "home_view": timed(lambda: home_view(services, TEAM_ID, user), runs),
            "prompt_location": timed(
                lambda: prompt_location(services, TEAM_ID, user, period), max(5, runs // 20)
            ),
            "plans": query_plans(services.store, user),
        }
    finally:
        services.worker.shutdown()
        services.store.close()


def run_over_the_wire(
    emu: Emulator, workdir: Path, user: str, *, requests: int = 200, homes: int = 50
) -> dict[str, object]:
    """The real app on the seeded database (`workdir/pendulum.db`)."""
    from slack_emulator import User

    emu.add_user(User(user, user.lower(), tz="UTC"))
    app = start_pendulum(emu, workdir, "socket")
    try:
        for _ in range(10):
            emu.slash_command(user, None, "history")
        samples = []
        for _ in range(requests):
            delivery = emu.slash_command(user, None, "history")
            if delivery.ok and delivery.latency is not None:
                samples.append(delivery.latency)
        if not samples or "12 weeks" not in str(delivery.ack):
            raise AssertionError(f"history did not answer with a table: {delivery.ack!r:.300}")
        home_latencies = []
        for _ in range(homes):
            before = len(emu.calls_to("views.publish"))
            began = time.time()
            emu.open_home(user)

            def new_publish(n: int = before) -> bool:
                return len(emu.calls_to("views.publish")) > n

            emu.wait_for(new_publish, timeout=10)
            home_latencies.append(emu.calls_to("views.publish")[-1].time - began)
        published = emu.calls_to("views.publish")[-1]
        if not published.response.get("ok"):
            raise AssertionError(f"views.publish failed: {published.response}")
        return {
            "history_ack": {
                "p50_ms": percentile(samples, 50) * 1000,
                "p99_ms": percentile(samples, 99) * 1000,
                "n": len(samples),
            },
            "home_published": {
                "p50_ms": percentile(home_latencies, 50) * 1000,
                "p99_ms": percentile(home_latencies, 99) * 1000,
                "n": len(home_latencies),
            },
            "peak_rss_mib": app.memory().get("VmHWM", 0) / 1024,
            "started_in_s": app.started_in,
        }
    finally:
        app.stop()


def run(
    emu: Emulator,
    workdir: Path,
    *,
    people: int = 10_000,
    weeks: int = 261,
    log: Callable[[str], None] = print,
) -> dict[str, object]:
    now = datetime.now(UTC)
    db_path = workdir / "pendulum.db"
    seeded = seed(db_path, people=people, weeks=weeks, today=now.date())
    counts = _counts(db_path)
    log(
        f"  queries: seeded {counts['checkins']:,} check-ins and {counts['deliveries']:,} ledger"
        f" rows in {seeded['seconds']:.0f} s ({seeded['bytes'] / 2**20:.0f} MiB)"
    )
    user = person(people // 2)
    in_process = run_in_process(db_path, user, now)
    over_the_wire = run_over_the_wire(emu, workdir, user)
    return {
        "people": people,
        "weeks": weeks,
        "rows": counts,
        "database_mib": seeded["bytes"] / 2**20,
        "seed_seconds": seeded["seconds"],
        "in_process": in_process,
        "over_the_wire": over_the_wire,
    }


def _counts(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(db_path)
    try:
        return {
            table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("people", "schedules", "checkins", "deliveries")
        }
    finally:
        conn.close()
