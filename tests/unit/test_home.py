"""App Home: valid for a brand-new person and for a busy one, published on app_home_opened
and after changes, and its buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from blockkit.validate import view_problems
from bot.features import checkin_sends as sends
from bot.features.home_view import home_view
from bot.store import schedules as sch
from tests.support.checkin_world import (
    ALICE,
    BOB,
    TEAM,
    TEXT_INPUTS,
    World,
    add_channel_tip,
    build_world,
    valid_answers,
    world_fixture,
)
from tests.support.databases import insert

world = world_fixture(build_world)


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def action_ids(view: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def add_assessment(world: World, user: str = ALICE, months: int = 30) -> None:
    with world.store.write() as db:
        insert(
            db,
            "assessments",
            {
                "team_id": TEAM,
                "user_id": user,
                "role": "em",
                "years_engineering": 8,
                "years_managing": 4,
                "months_since_hands_on": months,
                "goal": "stay",
                "created_at": (world.clock.now() - timedelta(days=365)).isoformat(),
            },
        )


def test_a_brand_new_person_gets_a_valid_welcoming_home(world: World) -> None:
    view = home_view(world.services, TEAM, ALICE)
    assert view["type"] == "home"
    assert view_problems(view) == []
    assert len(view["blocks"]) <= 100
    body = texts(view)
    assert "/pendulum assess" in body
    assert "Nothing yet" in body
    assert "home_checkin_on" in action_ids(view)
    topics = [
        e for b in view["blocks"] if b.get("block_id") == "home_topics" for e in b["elements"]
    ]
    assert {e["value"] for e in topics} == set(world.services.library.topics)
    assert all(e["action_id"].split(":")[0] == "topic_open" for e in topics)
    assert {"privacy_show", "privacy_export", "privacy_forget"} <= set(action_ids(view))
    # looking is not enrolling, and stores nothing
    assert world.rows("SELECT * FROM schedules") == [] and world.rows("SELECT * FROM people") == []


def test_a_busy_persons_home_shows_position_trends_and_schedules(world: World) -> None:
    add_assessment(world, months=30)
    world.command("checkin on")
    for week in range(3, 11):
        world.submit(
            "checkin_modal",
            valid_answers(energy=str(week * 10)),
            private_metadata=json.dumps({"period": f"2026-W{week:02d}"}),
            kinds=TEXT_INPUTS,
            view_id=f"V{week}",
        )
    focus = sch.create_schedule(
        world.store,
        world.clock,
        team_id=TEAM,
        kind="focus",
        owner_user_id=ALICE,
        target=ALICE,
        weekday=1,
        local_time="09:00",
        tz="Europe/Berlin",
    )
    add_channel_tip(world, ALICE, "Europe/Berlin")
    sch.pause_schedule(world.store, world.clock, TEAM, focus.id)
    view = home_view(world.services, TEAM, ALICE)
    assert view_problems(view) == []
    body = texts(view)
    # 30 months, assessed 365 days (11 whole average months) ago: the clock keeps counting
    assert "41 months since hands-on work" in body and "Getting rusty" in body
    assert "```" in body and "Hands-on" in body and "latest: 100%" in body
    assert "Focus block" in body and "<#C0TEAM>" in body and "_Paused._" in body
    ids = action_ids(view)
    for action in (
        "home_checkin_now",
        "home_schedule_edit",
        "home_checkin_skip",
        "home_schedule_resume",
        "home_schedule_delete",
        "home_history",
    ):
        assert action in ids


def test_home_stays_within_100_blocks_with_many_schedules(world: World) -> None:
    for n in range(40):
        sch.create_schedule(
            world.store,
            world.clock,
            team_id=TEAM,
            kind="tip",
            owner_user_id=ALICE,
            target=f"C0CHAN{n:03d}",
            weekday=n % 7,
            local_time="10:00",
            tz="UTC",
        )
    view = home_view(world.services, TEAM, ALICE)
    assert view_problems(view) == [] and len(view["blocks"]) <= 100
    assert "more" in texts(view)


def test_app_home_opened_publishes_for_the_home_tab_only(world: World) -> None:
    world.event({"type": "app_home_opened", "user": ALICE, "tab": "messages"})
    assert world.slack.of("views.publish") == []
    world.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    (call,) = world.slack.of("views.publish")
    assert call.args["user_id"] == ALICE and call.args["view"]["type"] == "home"


def test_home_is_published_after_a_check_in(world: World) -> None:
    world.submit(
        "checkin_modal",
        valid_answers(),
        private_metadata=json.dumps({"period": "2026-W10"}),
        kinds=TEXT_INPUTS,
    )
    home = world.slack.of("views.publish")[-1].args["view"]
    assert "latest: 70%" in texts(home)


def test_home_buttons_turn_on_skip_pause_resume_and_turn_off(world: World) -> None:
    world.action("home_checkin_on", "on")
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None and (schedule.weekday, schedule.local_time) == (4, "15:00")
    assert "home_checkin_now" in action_ids(world.slack.of("views.publish")[-1].args["view"])

    world.action("home_checkin_skip", "skip")
    assert sch.skipped_dates(world.store, TEAM, schedule.id) == [datetime(2026, 3, 6).date()]
    world.action("home_schedule_pause", str(schedule.id))
    assert sch.get_schedule(world.store, TEAM, schedule.id).paused_indefinitely  # type: ignore[union-attr]
    world.action("home_schedule_resume", str(schedule.id))
    assert not sch.get_schedule(world.store, TEAM, schedule.id).paused_indefinitely  # type: ignore[union-attr]
    world.action("home_schedule_delete", str(schedule.id))
    assert sends.checkin_schedule(world.services, TEAM, ALICE) is None


def test_nobody_can_change_someone_elses_schedule(world: World) -> None:
    world.command("checkin on")
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None
    for action in ("home_schedule_pause", "home_schedule_delete", "home_schedule_edit"):
        world.action(action, str(schedule.id), user=BOB)
    assert sch.get_schedule(world.store, TEAM, schedule.id) == schedule
    assert world.slack.of("views.open") == []
    world.submit(
        "home_schedule_modal",
        {"weekday": "0", "local_time": "08:00"},
        user=BOB,
        private_metadata=json.dumps({"schedule_id": schedule.id}),
        kinds={"local_time": "time"},
    )
    assert sch.get_schedule(world.store, TEAM, schedule.id) == schedule


def test_change_day_or_time_through_the_modal(world: World) -> None:
    world.command("checkin on")
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None
    world.action("home_schedule_edit", str(schedule.id))
    (opened,) = world.slack.of("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "home_schedule_modal"
    meta = view["private_metadata"]
    reply = world.submit(
        "home_schedule_modal",
        {"weekday": "9", "local_time": "25:00"},
        private_metadata=meta,
        kinds={"local_time": "time"},
    )
    assert reply.ack is not None and set(reply.ack["errors"]) == {"weekday", "local_time"}
    reply = world.submit(
        "home_schedule_modal",
        {"weekday": "0", "local_time": "08:15"},
        private_metadata=meta,
        kinds={"local_time": "time"},
    )
    assert reply.ack is None
    updated = sch.get_schedule(world.store, TEAM, schedule.id)
    assert updated is not None and (updated.weekday, updated.local_time) == (0, "08:15")
    assert updated.next_due_at == datetime(2026, 3, 9, 7, 15, tzinfo=UTC)


def test_check_in_now_and_history_from_home(world: World) -> None:
    world.action("home_checkin_now", "now")
    assert len(world.slack.dms(ALICE, "Start check-in")) == 1
    reply = world.action("home_history", "12")
    assert reply.message is not None and "no check-ins yet" in repr(reply.message)
