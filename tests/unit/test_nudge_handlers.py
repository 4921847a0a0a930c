"""`/pendulum nudge on|off|now` and the Monday DM, through the handlers (real Services,
SQLite, prompts/ and engine; a stub Slack that checks every message's Block Kit)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from blockkit.validate import message_problems
from bot.features import nudge_sends, nudges
from tests.support.checkin_world import Call, last_ephemeral, world_fixture
from tests.support.nudge_world import ALICE, BOB, TEAM, World, make_world

# Wednesday 4 March 2026 12:00 UTC; Alice is in Berlin (UTC+1), Bob in New York (UTC-5).
MON_0900_BERLIN = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


world = world_fixture(make_world)


def nudge_dms(world: World, user: str = ALICE) -> list[Call]:
    return world.slack.dms(user, "keep your hands warm")


def test_nudge_is_opt_in_and_on_off_works(world: World) -> None:
    reply = world.command("nudge")
    assert "The Monday nudge is off" in repr(reply.message)
    reply = world.command("nudge on", run_later=False)
    assert reply.message is None and reply.later is not None
    reply.later()
    shown = last_ephemeral(world)
    assert "Mondays at 09:00, Europe/Berlin time" in shown
    assert "Next: Monday 9 March at 09:00 (CET)" in shown
    assert "assess" in shown  # no assessment yet: how to get milestone notes
    schedule = nudges.nudge_schedule(world.services, TEAM, ALICE)
    assert schedule is not None
    assert (schedule.weekday, schedule.local_time, schedule.target) == (0, "09:00", ALICE)
    world.command("nudge on 8:15")
    assert "Updated" in last_ephemeral(world)
    schedule = nudges.nudge_schedule(world.services, TEAM, ALICE)
    assert schedule is not None and schedule.local_time == "08:15"
    assert "on:" in repr(world.command("nudge").message)
    assert "off" in repr(world.command("nudge off").message)
    assert nudges.nudge_schedule(world.services, TEAM, ALICE) is None
    assert "already off" in repr(world.command("nudge off").message)


@pytest.mark.parametrize(
    ("text", "needle"),
    [("nudge on friday", "Monday mornings"), ("nudge on soon", "soon"), ("nudge maybe", "maybe")],
)
def test_nudge_words_it_cannot_read(world: World, text: str, needle: str) -> None:
    reply = world.command(text)
    assert needle in repr(reply.message) and reply.later is None
    assert nudges.nudge_schedule(world.services, TEAM, ALICE) is None


def test_monday_dm_names_one_idea_and_asks_for_focus_blocks_when_none(world: World) -> None:
    world.command("nudge on")
    world.run_until(MON_0900_BERLIN, step=timedelta(hours=1))
    (dm,) = nudge_dms(world)
    assert dm.at == MON_0900_BERLIN
    text = repr(dm.args)
    ideas = nudge_sends.ideas(world.services)
    assert sum(idea in text for idea in ideas.values()) == 1
    assert "Book 2 of them" in text and "focus set" in text
    body = {k: dm.args[k] for k in ("text", "blocks")}
    assert message_problems(body) == []
    # with focus blocks planned, no ask
    world.command("focus set tue,thu 09:00-11:00")
    world.run_until(MON_0900_BERLIN + timedelta(weeks=1), step=timedelta(hours=6))
    second = nudge_dms(world)[-1]
    assert "Book 2 of them" not in repr(second.args)


def test_ideas_rotate_without_repeats_one_dm_a_week(world: World) -> None:
    world.command("nudge on")
    ideas = nudge_sends.ideas(world.services)
    weeks = len(ideas) + 1
    world.run_until(MON_0900_BERLIN + timedelta(weeks=weeks - 1), step=timedelta(hours=12))
    assert len(nudge_dms(world)) == weeks
    picks = [
        r[0]
        for r in world.rows(
            "SELECT item_id FROM rotation_picks WHERE pool = 'hands_warm' ORDER BY period"
        )
    ]
    assert sorted(picks[: len(ideas)]) == sorted(ideas)
    assert all(a != b for a, b in itertools.pairwise(picks))


def test_nudge_now_counts_as_this_weeks(world: World) -> None:
    world.command("nudge now")
    assert "off" in last_ephemeral(world)
    world.command("nudge on")
    world.clock.set(MON_0900_BERLIN - timedelta(hours=2))  # Monday 07:00 Berlin
    world.command("nudge now")
    assert "in our DM" in last_ephemeral(world)
    world.command("nudge now")
    assert "already in our DM" in last_ephemeral(world)
    world.run_until(MON_0900_BERLIN + timedelta(days=6), step=timedelta(hours=1))
    assert len(nudge_dms(world)) == 1  # at most one a week
    world.run_until(MON_0900_BERLIN + timedelta(weeks=1), step=timedelta(hours=1))
    assert len(nudge_dms(world)) == 2


def test_everyone_at_their_own_monday_morning(world: World) -> None:
    world.command("nudge on")
    world.command("nudge on", BOB)
    world.run_until(MON_0900_BERLIN + timedelta(hours=8), step=timedelta(minutes=30))
    assert [d.at for d in nudge_dms(world)] == [MON_0900_BERLIN]
    assert [d.at for d in nudge_dms(world, BOB)] == [
        datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT (New York changed on the 8th)
    ]


def test_forget_me_removes_nudge_schedules_and_rotation_rows(world: World) -> None:
    world.command("nudge on")
    world.command("focus set tue 9-10")
    world.run_until(MON_0900_BERLIN + timedelta(days=2), step=timedelta(hours=6))
    assert world.rows("SELECT count(*) FROM rotation_picks WHERE target = ?", [ALICE]) == [(1,)]
    from bot.store import personal

    personal.forget(world.store, TEAM, ALICE)
    for table in ("schedules", "rotation_picks", "deliveries"):
        assert world.rows(f"SELECT count(*) FROM {table}") == [(0,)], table


def test_away_status_skips_the_nudge_and_focus_dms_that_week(world: World) -> None:
    world.command("nudge on")
    world.command("focus set mon 10:00-11:00")
    world.slack.users[ALICE]["profile"] = {"status_emoji": ":palm_tree:", "status_text": "Off"}
    world.run_until(MON_0900_BERLIN + timedelta(hours=3), step=timedelta(minutes=30))
    assert nudge_dms(world) == [] and world.slack.dms(ALICE, "Focus block on") == []
    statuses = world.rows("SELECT kind, status FROM deliveries ORDER BY kind")
    assert statuses == [("focus_1", "skipped"), ("nudge", "skipped")]
    world.command("nudge now")  # asked for by hand: sent even while away
    assert len(nudge_dms(world)) == 1
    world.slack.users[ALICE]["profile"] = {}
    world.run_until(MON_0900_BERLIN + timedelta(weeks=1, hours=3), step=timedelta(hours=1))
    assert len(nudge_dms(world)) == 2 and len(world.slack.dms(ALICE, "Focus block on")) == 1


def test_someone_who_left_is_unenrolled_before_anything_is_sent(world: World) -> None:
    world.command("nudge on", BOB)
    world.command("focus set mon 10:00-11:00", BOB)
    world.slack.gone[BOB] = "user_not_found"
    world.run_until(datetime(2026, 3, 10, tzinfo=UTC), step=timedelta(hours=1))
    assert world.slack.dms(BOB) == []
    assert world.rows("SELECT count(*) FROM schedules WHERE owner_user_id = ?", [BOB]) == [(0,)]
