"""`/pendulum focus …` and the DM at each block's start, through the handlers (real
Services, SQLite, prompts/ and engine; a stub Slack that checks every message's Block Kit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.features import focus
from bot.store import schedules as sch
from tests.support.checkin_world import Call, last_ephemeral, world_fixture
from tests.support.nudge_world import ALICE, BOB, TEAM, World, make_world

# Wednesday 4 March 2026 12:00 UTC; Alice is in Berlin (UTC+1).
THU_0900_BERLIN = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
TUE_0900_BERLIN = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


world = world_fixture(make_world)


def focus_dms(world: World, user: str = ALICE) -> list[Call]:
    return world.slack.dms(user, "Focus block on")


def test_focus_set_shows_and_turns_off(world: World) -> None:
    reply = world.command("focus")
    assert "You have no focus blocks" in repr(reply.message)
    reply = world.command("focus set tue,thu 09:00-11:00", run_later=False)
    assert reply.message is None and reply.later is not None  # users.info after the ack
    reply.later()
    shown = last_ephemeral(world)
    assert "Your focus blocks are set" in shown and "(Europe/Berlin time)" in shown
    assert "Tuesdays and Thursdays, 09:00–11:00" in shown
    assert "Next: Thursday 5 March at 09:00 (CET), until 11:00." in shown
    schedules = focus.focus_schedules(world.services, TEAM, ALICE)
    rows = sorted((s.weekday, s.local_time, s.tz, s.params["end"]) for s in schedules.values())
    assert rows == [(1, "09:00", "Europe/Berlin", "11:00"), (3, "09:00", "Europe/Berlin", "11:00")]
    assert all(s.target == ALICE and s.owner_user_id == ALICE for s in schedules.values())
    reply = world.command("focus")
    assert "Tuesdays and Thursdays, 09:00–11:00" in repr(reply.message)
    reply = world.command("focus off")
    assert "are off" in repr(reply.message)
    assert focus.focus_schedules(world.services, TEAM, ALICE) == {}
    assert "no focus blocks to turn off" in repr(world.command("focus off").message)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("focus set tue 11:00-09:00", "end after it starts"),
        ("focus set tue 09:00-11:00 tue 10:00-12:00", "overlap"),
        ("focus set <!channel>", "&lt;!channel&gt;"),
        ("focus blursday", "I don't know"),
    ],
)
def test_invalid_blocks_are_refused_at_once_and_nothing_is_stored(
    world: World, text: str, needle: str
) -> None:
    reply = world.command(text)
    assert needle in repr(reply.message) and reply.later is None
    assert "<!channel>" not in repr(reply.message)
    assert sch.list_by_team(world.store, TEAM) == []


def test_one_dm_at_each_blocks_start_with_its_end_and_something_to_leave(world: World) -> None:
    world.command("focus set tue,thu 09:00-11:00, tue 14:00-15:30")
    world.run_until(TUE_0900_BERLIN + timedelta(hours=8), step=timedelta(minutes=15))
    dms = focus_dms(world)
    assert [d.at for d in dms] == [
        THU_0900_BERLIN,
        TUE_0900_BERLIN,
        TUE_0900_BERLIN + timedelta(hours=5),
    ]
    texts = [repr(d.args) for d in dms]
    assert "until 11:00" in texts[0] and "until 11:00" in texts[1] and "until 15:30" in texts[2]
    things = [str(x) for x in world.services.library.nudges["leave_for_later"]]
    for text in texts:
        assert "Leave for later" in text
        assert any(thing.rstrip(".") in text for thing in things)


def test_changing_blocks_mid_week_keeps_unchanged_ones_and_loses_no_dm(world: World) -> None:
    world.command("focus set thu 09:00-11:00")
    (before,) = focus.focus_schedules(world.services, TEAM, ALICE).values()
    world.run_until(THU_0900_BERLIN + timedelta(hours=1))
    assert len(focus_dms(world)) == 1  # Thursday's block has started
    # Thursday afternoon: keep Thursday, add Friday
    world.command("focus set thu 09:00-11:00, fri 08:00-09:00")
    after = focus.focus_schedules(world.services, TEAM, ALICE)
    assert before.id in {s.id for s in after.values()}
    friday = next(s for s in after.values() if s.weekday == 4)
    assert friday.kind != before.kind  # a kind with nothing sent this week
    world.run_until(datetime(2026, 3, 6, 8, tzinfo=UTC))
    assert len(focus_dms(world)) == 2
    # Friday morning: swap the blocks around; Thursday's new kind is not Friday's spent one
    world.command("focus set mon 10-11, sat 10-12")
    world.run_until(datetime(2026, 3, 9, 12, tzinfo=UTC))
    assert [d.at.isoformat() for d in focus_dms(world)][2:] == [
        "2026-03-07T09:00:00+00:00",
        "2026-03-09T09:00:00+00:00",
    ]


def test_blocks_follow_the_person_to_a_new_time_zone(world: World) -> None:
    world.command("focus set tue 09:00-11:00")
    world.command("nudge on")
    world.slack.users[ALICE]["tz"] = "Asia/Tokyo"  # Slack's directory says so from now on
    world.event({"type": "user_change", "user": {"id": ALICE, "tz": "Asia/Tokyo"}})
    owned = sch.list_by_owner(world.store, TEAM, ALICE)
    assert {s.tz for s in owned} == {"Asia/Tokyo"}
    world.run_until(datetime(2026, 3, 10, 1, tzinfo=UTC))
    assert [d.at for d in focus_dms(world)] == [datetime(2026, 3, 10, 0, tzinfo=UTC)]


def test_someone_who_left_loses_their_blocks(world: World) -> None:
    world.command("focus set tue 09:00-11:00", BOB)
    world.slack.post_errors[BOB] = "account_inactive"
    world.run_until(datetime(2026, 3, 11, tzinfo=UTC), step=timedelta(hours=3))
    assert focus.focus_schedules(world.services, TEAM, BOB) == {}
