"""The people cache (bot/delivery/people.py): read in bulk with users.list, kept fresh by events, a
bounded age, nothing stored about people who don't use Pendulum; and the check-in composer
is pure (no Slack calls, no writes) with the writes moved to after the send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.coaching.checkin_rules import period_of
from bot.delivery.model import Person, Skip
from bot.delivery.people import MAX_AGE, PeopleService
from bot.delivery.timing import Occurrence, local_date_of, zone
from bot.features import checkin_sends as sends
from bot.store import people_cache
from bot.store.db import Store
from bot.store.schedules import create_schedule
from tests.support.checkin_world import ALICE, BOB, TEAM, World, build_world, world_fixture
from tests.support.databases import changed, open_test_store, snapshot

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
world = world_fixture(build_world)


class Directory:
    """users.list in pages of `limit`, users.info, counting calls."""

    def __init__(self, users: dict[str, dict[str, Any]]) -> None:
        self.users = users
        self.calls: list[str] = []
        self.fail = False

    def users_list(self, **args: Any) -> dict[str, Any]:
        self.calls.append("users.list")
        if self.fail:
            raise ConnectionError("Slack is down")
        start, limit = int(args.get("cursor") or 0), int(args["limit"])
        ids = list(self.users)
        page = [self.users[u] for u in ids[start : start + limit]]
        more = start + limit < len(ids)
        return {
            "members": page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def users_info(self, **args: Any) -> dict[str, Any]:
        self.calls.append("users.info")
        return {"user": self.users[args["user"]]}


def user(uid: str, tz: str = "Europe/Berlin", **profile: Any) -> dict[str, Any]:
    return {"id": uid, "tz": tz, "deleted": False, "is_bot": False, "profile": profile}


def enrol_many(store: Store, clock: FakeClock, ids: list[str]) -> None:
    for uid in ids:
        create_schedule(
            store, clock, team_id=TEAM, kind="checkin", owner_user_id=uid, target=uid,
            weekday=0, local_time="09:00", tz="Europe/Berlin",
        )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_test_store(tmp_path)


def service(store: Store, clock: FakeClock, slack: Directory) -> PeopleService:
    return PeopleService(store, clock, lambda team: slack, sleep=lambda s: None)  # type: ignore[arg-type,return-value]


def test_many_recipients_cost_one_paged_read_and_no_per_person_calls(store: Store) -> None:
    clock = FakeClock(NOW)
    enrolled = [f"U{i:04d}" for i in range(450)]
    enrol_many(store, clock, enrolled)
    slack = Directory({u: user(u) for u in [*enrolled, "U0STRANGER"]})
    people = service(store, clock, slack)
    resolved = [people.resolve(TEAM, u) for u in enrolled]
    assert all(p is not None and p.tz == "Europe/Berlin" for p in resolved)
    assert slack.calls == ["users.list"] * 3  # 451 people, 200 a page
    # nothing is stored about someone who doesn't use Pendulum
    assert people_cache.get(store, TEAM, "U0STRANGER") is None


def test_rows_have_a_bounded_age(store: Store) -> None:
    clock = FakeClock(NOW)
    enrol_many(store, clock, [ALICE])
    slack = Directory({ALICE: user(ALICE)})
    people = service(store, clock, slack)
    people.resolve(TEAM, ALICE)
    clock.advance(MAX_AGE - timedelta(minutes=1))
    people.resolve(TEAM, ALICE)
    assert slack.calls == ["users.list"]
    slack.users[ALICE] = user(ALICE, "Asia/Tokyo")
    clock.advance(timedelta(minutes=2))
    person = people.resolve(TEAM, ALICE)
    assert slack.calls == ["users.list", "users.list"]
    assert person is not None and person.tz == "Asia/Tokyo"


def test_a_failed_read_serves_the_stale_row_without_hammering_slack(store: Store) -> None:
    clock = FakeClock(NOW)
    enrol_many(store, clock, [ALICE, BOB])
    slack = Directory({ALICE: user(ALICE), BOB: user(BOB)})
    people = service(store, clock, slack)
    people.resolve(TEAM, ALICE)
    clock.advance(MAX_AGE * 2)
    slack.fail = True
    assert [people.resolve(TEAM, u) is not None for u in (ALICE, BOB, ALICE)] == [True] * 3
    assert slack.calls == ["users.list", "users.list"]  # one failed sweep, no users.info storm


def test_events_keep_a_known_person_fresh_and_ignore_strangers(store: Store) -> None:
    clock = FakeClock(NOW)
    enrol_many(store, clock, [ALICE])
    slack = Directory({ALICE: user(ALICE)})
    people = service(store, clock, slack)
    people.resolve(TEAM, ALICE)
    clock.advance(timedelta(minutes=20))
    vacation = user(ALICE, status_text="On vacation", status_emoji=":palm_tree:")
    assert people.on_user(TEAM, vacation)
    person = people.resolve(TEAM, ALICE)
    assert person is not None and person.away_at(clock.now())
    assert slack.calls == ["users.list"]  # the event, not Slack, said so
    assert not people.on_user(TEAM, user("U0NEWHIRE"))  # team_join of a stranger
    assert people_cache.get(store, TEAM, "U0NEWHIRE") is None


def test_an_expired_away_status_does_not_count() -> None:
    until = NOW.timestamp() + 3600
    person = Person(ALICE, "UTC", True, until, False, False, NOW)
    assert person.away_at(NOW) and not person.away_at(NOW + timedelta(hours=2))


# -- through the engine (stub Slack) ------------------------------------------------------------
def enrol(world: World, user: str) -> None:
    world.command("checkin on monday 09:00", user)
    assert sends.checkin_schedule(world.services, TEAM, user) is not None


def monday_9(world: World) -> datetime:
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None and schedule.next_due_at is not None
    return schedule.next_due_at


def test_the_weekly_fan_out_never_asks_users_info(world: World) -> None:
    enrol(world, ALICE)
    enrol(world, BOB)
    before = len(world.slack.of("users.info"))
    world.run_until(monday_9(world) + timedelta(days=7))
    assert len(world.slack.dms(ALICE, "checkin_start")) >= 1
    assert len(world.slack.of("users.info")) == before


def test_someone_who_went_away_an_hour_ago_is_skipped(world: World) -> None:
    enrol(world, ALICE)
    due = monday_9(world)
    world.run_until(due - timedelta(hours=1))
    world.slack.users[ALICE]["profile"] = {
        "status_text": "On vacation",
        "status_emoji": ":palm_tree:",
    }
    world.event({"type": "user_status_changed", "user": world.slack.users[ALICE]})
    calls = len(world.slack.calls)
    world.run_until(due + timedelta(minutes=1))
    assert world.slack.dms(ALICE, "checkin_start") == []
    assert not [c for c in world.slack.calls[calls:] if c.method.startswith("users.")]
    period = period_of(local_date_of(due, zone("Europe/Berlin")))
    rows = world.store.db.execute(
        "SELECT status FROM checkins WHERE user_id = ? AND period = ?", [ALICE, period]
    ).fetchall()
    assert rows == [("away",)]


def test_the_composer_is_pure(world: World) -> None:
    enrol(world, ALICE)
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None
    due = monday_9(world)
    occ = Occurrence(local_date_of(due, zone(schedule.tz)), due)
    away = Person(ALICE, "Europe/Berlin", True, None, False, False, due)
    calls, before = len(world.slack.calls), snapshot(world.store)
    changes = changed(world.store)
    message = sends.compose_checkin(world.services, schedule, occ)
    skipped = sends.compose_checkin(
        world.services, schedule, Occurrence(occ.local_date, due, recipient=away)
    )
    assert isinstance(message, dict) and "checkin_start" in repr(message["blocks"])
    assert skipped == Skip(sends.AWAY_SKIP)
    assert (len(world.slack.calls), snapshot(world.store)) == (calls, before)
    assert changed(world.store) == changes


def test_the_reminder_is_queued_after_the_send(world: World) -> None:
    enrol(world, ALICE)
    due = monday_9(world)
    world.run_until(due)
    keys = [
        r[0]
        for r in world.store.db.execute(
            "SELECT key FROM deliveries WHERE kind = ?", [sends.REMINDER]
        )
    ]
    assert len(keys) == 1
