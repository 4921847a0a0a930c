"""Schedule records (bot.store.schedules) and the m003_delivery migration, on a real file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.delivery.timing import ScheduleValueError, utc_text
from bot.store import schedules as sch
from bot.store.db import Store
from tests.support.databases import INTEGRITY_ERRORS, migrate_until, open_test_store
from tests.support.delivery_fakes import TEAM, FakeSlack, make_engine, make_store

T0 = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


def new(store: Store, clock: FakeClock, **kw: object) -> sch.Schedule:
    args: dict[str, object] = {
        "team_id": TEAM,
        "kind": "tip",
        "owner_user_id": "U1",
        "target": "C1",
        "weekday": 0,
        "local_time": "09:00",
        "tz": "Europe/Berlin",
    }
    args.update(kw)
    return sch.create_schedule(store, clock, **args)  # type: ignore[arg-type]


def test_migration_applies_from_the_schema_before_it(tmp_path: Path) -> None:
    store = open_test_store(tmp_path, "old.db", migrate=False)
    migrate_until(store, "m003_delivery")
    assert "schedules" not in store.db.table_names()
    assert "m003_delivery" in store.migrate()
    assert {"schedules", "schedule_skips", "deliveries"} <= set(store.db.table_names())
    for table in ("schedules", "schedule_skips", "deliveries"):
        assert "team_id" in store.db.columns(table)


def test_create_sets_the_cursor_to_the_next_local_occurrence(store: Store) -> None:
    clock = FakeClock(T0)
    s = new(store, clock, params={"channel_name": "eng"})
    assert s.next_due_at == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # Mon 09:00 CET
    assert s.params == {"channel_name": "eng"}
    assert sch.get_schedule(store, TEAM, s.id) == s
    assert sch.get_schedule(store, "T_OTHER", s.id) is None  # scoped by workspace


def test_create_refuses_bad_values(store: Store) -> None:
    clock = FakeClock(T0)
    with pytest.raises(ScheduleValueError, match="Nowhere/Land"):
        new(store, clock, tz="Nowhere/Land")
    with pytest.raises(ScheduleValueError, match="25:00"):
        new(store, clock, local_time="25:00")
    assert sch.list_by_team(store, TEAM) == []


def test_update_moves_the_cursor(store: Store) -> None:
    clock = FakeClock(T0)
    s = new(store, clock)
    moved = sch.update_schedule(store, clock, TEAM, s.id, weekday=3, local_time="16:30", tz="UTC")
    assert moved.next_due_at == datetime(2026, 11, 12, 16, 30, tzinfo=UTC)
    with pytest.raises(sch.ScheduleNotFound):
        sch.update_schedule(store, clock, "T_OTHER", s.id, weekday=1)


def test_pause_resume_and_skip(store: Store) -> None:
    clock = FakeClock(T0)
    s = new(store, clock)
    paused = sch.pause_schedule(store, clock, TEAM, s.id)
    assert paused.paused_indefinitely and paused.next_due_at is None
    assert paused.paused_reason == "paused by owner"
    resumed = sch.resume_schedule(store, clock, TEAM, s.id)
    assert resumed.paused_reason is None and resumed.next_due_at is not None
    until = sch.pause_schedule(store, clock, TEAM, s.id, until=date(2026, 12, 1), reason="leave")
    assert not until.paused_indefinitely and until.is_paused_on(date(2026, 11, 30))
    assert not until.is_paused_on(date(2026, 12, 1))
    sch.skip_date(store, clock, TEAM, s.id, date(2026, 12, 7))
    sch.skip_date(store, clock, TEAM, s.id, date(2026, 12, 7))  # idempotent
    assert sch.skipped_dates(store, TEAM, s.id) == [date(2026, 12, 7)]
    assert sch.unskip_date(store, TEAM, s.id, date(2026, 12, 7))
    assert sch.skipped_dates(store, TEAM, s.id) == []


def test_lists_and_delete(store: Store) -> None:
    clock = FakeClock(T0)
    a = new(store, clock, kind="checkin", target="U1")
    b = new(store, clock, kind="tip", target="C1")
    new(store, clock, kind="tip", owner_user_id="U2", target="C2")
    new(store, clock, team_id="T2", owner_user_id="U1")
    assert [x.id for x in sch.list_by_owner(store, TEAM, "U1")] == [a.id, b.id]
    assert len(sch.list_by_team(store, TEAM)) == 3
    assert len(sch.list_by_team(store, TEAM, kind="tip")) == 2
    sch.skip_date(store, clock, TEAM, a.id, date(2026, 12, 7))
    assert sch.delete_schedule(store, TEAM, a.id)
    assert not sch.delete_schedule(store, TEAM, a.id)
    assert store.db.execute("SELECT count(*) FROM schedule_skips").fetchone()[0] == 0


def test_delete_workspace_removes_only_that_workspace(store: Store) -> None:
    clock = FakeClock(T0)
    s = new(store, clock)
    other = new(store, clock, team_id="T2")
    sch.skip_date(store, clock, TEAM, s.id, date(2026, 12, 7))
    engine = make_engine(store, FakeSlack(clock), clock)
    engine.send_once(("milestone", "U1", "x"), TEAM, {"channel": "U1", "text": "hi"})
    engine.send_once(("milestone", "U1", "x"), "T2", {"channel": "U1", "text": "hi"})
    sch.delete_workspace(store, TEAM)
    for table in ("schedules", "schedule_skips", "deliveries"):
        teams = {r[0] for r in store.db.execute(f"SELECT team_id FROM {table}").fetchall()}
        assert TEAM not in teams
    assert sch.get_schedule(store, "T2", other.id) is not None
    engine.close()


def test_idle_tick_over_ten_thousand_schedules_uses_the_index_and_is_fast(store: Store) -> None:
    clock = FakeClock(T0)
    now = utc_text(T0)
    rows = [
        (TEAM, "checkin", f"U{i}", f"U{i}", i % 7, "09:00", "Europe/Berlin", "{}",
         utc_text(T0 + timedelta(hours=1 + i % 100)), now, now)
        for i in range(10_000)
    ]  # fmt: skip
    due = (
        "SELECT * FROM schedules WHERE next_due_at IS NOT NULL"
        " AND next_due_at <= ? ORDER BY next_due_at LIMIT 500"
    )
    with store.write() as db:
        db.executemany(
            "INSERT INTO schedules (team_id, kind, owner_user_id, target, weekday, local_time,"
            " tz, params, next_due_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        if store.postgres:
            db.execute("ANALYZE schedules")
            plan = db.execute("EXPLAIN " + due, [now]).fetchall()
        else:
            plan = db.execute("EXPLAIN QUERY PLAN " + due, [now]).fetchall()
    assert "schedules_due" in " ".join(str(r) for r in plan)
    engine = make_engine(store, FakeSlack(clock), clock)
    report = engine.tick()  # how fast is for the benchmark (docs/BENCHMARKS.md) to say
    assert report.planned == 0 and report.sent == 0
    engine.close()


def test_foreign_keys_cascade_skips_and_detach_deliveries(store: Store) -> None:
    clock = FakeClock(T0)
    s = new(store, clock)
    slack = FakeSlack(clock)
    engine = make_engine(store, slack, clock)
    engine.send_now("tip", s.id)
    sch.delete_schedule(store, TEAM, s.id)
    row = store.db.execute("SELECT schedule_id, status FROM deliveries").fetchone()
    assert row == (None, "sent")
    engine.close()
    with pytest.raises(INTEGRITY_ERRORS), store.write() as db:
        db.execute(
            "INSERT INTO schedule_skips (schedule_id, team_id, local_date, created_at)"
            " VALUES (999, 'T1', '2026-01-01', 'x')"
        )
