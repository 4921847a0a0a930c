"""Opt-ins racing each other leave one schedule, and `off` removes all of it.

`checkin on`, `nudge on` and `focus set` look for an existing schedule and then insert one; two
requests in flight at once both saw "none" and both inserted. The schema now allows one
schedule per (workspace, kind, target), a losing insert returns the winner, and the migration
removes duplicates an older version left behind.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.delivery.timing import utc_text
from bot.store import schedules as sch
from bot.store.db import Store
from slack_emulator import Emulator, User
from tests.support.databases import migrate_until, open_test_store
from tests.support.harness import AppProcess

T0 = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)  # a Wednesday
TEAM = "T1"


def fresh_store(tmp_path: Path) -> Store:
    return open_test_store(tmp_path)


def create(store: Store, clock: FakeClock, kind: str, target: str, time: str = "09:00") -> int:
    return sch.create_schedule(
        store,
        clock,
        team_id=TEAM,
        kind=kind,
        owner_user_id=target,
        target=target,
        weekday=0,
        local_time=time,
        tz="Europe/Berlin",
    ).id


def test_racing_creates_leave_one_schedule_and_all_get_it(tmp_path: Path) -> None:
    store = fresh_store(tmp_path)
    clock = FakeClock(T0)
    start = threading.Barrier(20)

    def opt_in(i: int) -> int:
        start.wait()
        return create(store, clock, "checkin", "U1", time=f"09:{i:02d}")

    with ThreadPoolExecutor(20) as pool:
        ids = list(pool.map(opt_in, range(20)))
    rows = store.db.execute("SELECT id FROM schedules WHERE target = 'U1'").fetchall()
    assert len(rows) == 1
    assert set(ids) == {rows[0][0]}  # every racer was handed the one that exists
    store.close()


def test_the_same_kind_may_target_others_and_other_kinds_may_target_the_same(
    tmp_path: Path,
) -> None:
    store = fresh_store(tmp_path)
    clock = FakeClock(T0)
    ids = {create(store, clock, k, t) for k in ("checkin", "nudge") for t in ("U1", "U2")}
    assert len(ids) == 4
    store.close()


def test_turning_off_removes_every_row_of_that_kind_only(tmp_path: Path) -> None:
    store = fresh_store(tmp_path)
    clock = FakeClock(T0)
    for kind in ("focus_1", "focus_2", "focus_3", "checkin"):
        create(store, clock, kind, "U1")
    create(store, clock, "focus_1", "U2")
    removed = sch.delete_kinds_for(store, TEAM, "U1", lambda kind: kind.startswith("focus_"))
    assert removed == 3
    left = store.db.execute("SELECT kind, target FROM schedules ORDER BY kind").fetchall()
    assert left == [("checkin", "U1"), ("focus_1", "U2")]
    store.close()


def test_migration_removes_duplicates_left_by_the_old_race(tmp_path: Path) -> None:
    store = open_test_store(tmp_path, "old.db", migrate=False)
    migrate_until(store, "m008_unique_optins")
    now = utc_text(T0)

    def insert(kind: str, target: str, local_time: str) -> int:
        with store.write() as db:
            cursor = db.execute(
                "INSERT INTO schedules (team_id, kind, owner_user_id, target, weekday,"
                " local_time, tz, params, next_due_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 0, ?, 'UTC', '{}', ?, ?, ?) RETURNING id",
                [TEAM, kind, target, target, local_time, now, now, now],
            )
            return int(cursor.fetchone()[0])

    kept = insert("checkin", "U1", "09:00")
    doubles = [insert("checkin", "U1", "09:00"), insert("checkin", "U1", "10:00")]
    nudge = insert("nudge", "U1", "09:00")
    other = insert("checkin", "U2", "09:00")
    insert("nudge", "U1", "09:00")
    with store.write() as db:
        db.execute(
            "INSERT INTO schedule_skips (schedule_id, team_id, local_date, created_at)"
            " VALUES (?, ?, ?, ?)",
            [doubles[0], TEAM, date(2026, 11, 16).isoformat(), now],
        )
        db.execute(
            "INSERT INTO deliveries (key, team_id, kind, schedule_id, target, period, status,"
            " due_at, created_at)"
            " VALUES ('k', ?, 'checkin', ?, 'U1', '2026-W46', 'sent', ?, ?)",
            [TEAM, doubles[1], now, now],
        )

    assert store.migrate()[0] == "m008_unique_optins"
    ids = sorted(r[0] for r in store.db.execute("SELECT id FROM schedules").fetchall())
    assert ids == sorted([kept, nudge, other])
    assert store.db.execute("SELECT COUNT(*) FROM schedule_skips").fetchone()[0] == 0
    assert store.db.execute("SELECT schedule_id, status FROM deliveries").fetchone() == (
        None,
        "sent",
    )  # the ledger keeps its history, detached
    store.close()


# -- through Slack ---------------------------------------------------------------------------
def rows_per_user(app: AppProcess, kind: str) -> dict[str, int]:
    rows = app.query(
        "SELECT target, COUNT(*) FROM schedules WHERE kind = ? GROUP BY target", [kind]
    )
    return {str(t): int(n) for t, n in rows}


def test_twenty_people_opting_in_ten_times_at_once_get_one_schedule_each(
    emu: Emulator, app: AppProcess
) -> None:
    people = [f"U0RACE{i:02d}" for i in range(20)]
    for person in people:
        emu.add_user(User(id=person, name=person.lower(), tz="Europe/Berlin"))
    # each person's ten repeats side by side, so they are in flight together
    requests = [(person, command) for person in people for _ in range(10)
                for command in ("checkin on", "nudge on")]  # fmt: skip

    def send(request: tuple[str, str]) -> bool:
        person, command = request
        return emu.slash_command(person, text=command, wait=True).ok

    with ThreadPoolExecutor(20) as pool:  # twenty requests in flight
        acked = list(pool.map(send, requests))
    assert all(acked)

    def settled() -> bool:  # opt-ins finish on the worker after the ack
        return all(
            rows_per_user(app, kind) == dict.fromkeys(people, 1) for kind in ("checkin", "nudge")
        )

    emu.wait_for(settled, timeout=60, message="one check-in and one nudge per person")

    emu.slash_command(people[0], text="checkin off")
    emu.slash_command(people[0], text="nudge off")
    assert people[0] not in rows_per_user(app, "checkin")
    assert people[0] not in rows_per_user(app, "nudge")
