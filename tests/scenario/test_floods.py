"""Floods: one person's burst of requests is answered "slow down, try again in …" and does
nothing else; everyone else is unaffected. Exports are paced per hour, channel-tip
subscriptions are capped per person (limits in prompts/rules.yaml)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.observe import settle
from bot.clock import FakeClock
from bot.coaching.tips import parse_remind
from bot.features import tips
from bot.slack.ratelimit import Limit, Limiter, Limits, limit_problems
from bot.store.schedules import create_schedule
from slack_emulator import Emulator
from tests.support import checkin_world as fakes
from tests.support.checkin_world import World, build_world, world_fixture
from tests.support.harness import ALICE, BOB, TEAM, AppProcess, start_app
from tests.support.nudge_world import ENG, make_world

T0 = datetime(2026, 3, 4, 12, tzinfo=UTC)


# -- the limiter -----------------------------------------------------------------------------
def test_a_window_allows_its_count_then_says_how_long_to_wait() -> None:
    clock = FakeClock(T0)
    limiter = Limiter(clock)
    per_minute = Limit(3, timedelta(minutes=1))
    assert [limiter.take("command", "T1", "U1", per_minute) for _ in range(3)] == [None] * 3
    clock.advance(timedelta(seconds=20))
    assert limiter.take("command", "T1", "U1", per_minute) == timedelta(seconds=40)
    assert limiter.take("command", "T1", "U2", per_minute) is None  # someone else
    assert limiter.take("command", "T2", "U1", per_minute) is None  # another workspace
    assert limiter.take("export", "T1", "U1", per_minute) is None  # another kind
    clock.advance(timedelta(seconds=40))
    assert limiter.take("command", "T1", "U1", per_minute) is None  # refusals never counted


def test_the_limiter_forgets_quiet_people_when_full() -> None:
    clock = FakeClock(T0)
    limiter = Limiter(clock, max_tracked=10)
    per_second = Limit(1, timedelta(seconds=1))
    for i in range(100):
        limiter.take("command", "T1", f"U{i}", per_second)
        clock.advance(timedelta(seconds=2))
    assert len(limiter._uses) <= 10


def test_limits_come_from_rules_with_defaults() -> None:
    assert Limits.from_rules({}) == Limits()
    custom = Limits.from_rules({"limits": {"commands_per_minute": 5, "exports_per_hour": 1}})
    assert custom.commands == Limit(5, timedelta(minutes=1))
    assert custom.exports == Limit(1, timedelta(hours=1))
    assert custom.tip_channels_per_person == 25
    assert Limits.from_rules({"limits": {"commands_per_minute": 0}}) == Limits()
    assert limit_problems({"limits": {"commands_per_minute": 0, "exports": 2}}) == [
        "limits.exports is not one of commands_per_minute, exports_per_hour, "
        "tip_channels_per_person",
        "limits.commands_per_minute must be a whole number of at least 1",
    ]


# -- exports and channel tips (handlers, stub Slack) ----------------------------------------
world = world_fixture(build_world)


def test_exports_are_paced_per_hour_and_the_answer_says_when(world: World) -> None:
    world.services.library.rules["limits"] = {"exports_per_hour": 2}
    for _ in range(2):
        world.command("export")
    uploads = len(world.slack.of("files.upload_v2"))
    reply = world.command("export", run_later=False)
    assert reply.later is None and reply.message is not None
    assert "Try again in 60 minutes" in json.dumps(reply.message)
    assert len(world.slack.of("files.upload_v2")) == uploads == 2
    assert world.command("export", BOB).later is not None  # only Alice was pacing
    world.clock.advance(timedelta(hours=1))
    assert world.command("export", run_later=False).later is not None


def test_channel_tips_are_capped_per_person(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    world.services.library.rules["limits"] = {"tip_channels_per_person": 2}
    for channel in ("C0ONE", "C0TWO"):
        create_schedule(
            world.store,
            world.clock,
            team_id=fakes.TEAM,
            kind="tip",
            owner_user_id=fakes.ALICE,
            target=channel,
            weekday=0,
            local_time="09:30",
            tz="Europe/Berlin",
        )
    calls = len(world.slack.calls)
    answer = tips.subscribe(
        world.services, world.slack, fakes.TEAM, fakes.ALICE, ENG, parse_remind("")
    )
    assert "2 channels, the most one person can set up" in answer
    assert "remind off" in answer
    assert world.slack.calls[calls:] == []  # nothing asked of Slack
    assert tips.channel_schedule(world.services, fakes.TEAM, ENG) is None
    assert tips.subscribe(
        world.services, world.slack, fakes.TEAM, fakes.BOB, ENG, parse_remind("")
    ).startswith(":white_check_mark:")  # someone else may
    world.engine.close()
    assert world.slack.problems == []


# -- through Slack ---------------------------------------------------------------------------
@pytest.fixture
def guarded_app(emu: Emulator, tmp_path: Path) -> Iterator[AppProcess]:
    """The app with rules.yaml's limits (the harness relaxes them for other scenarios)."""
    process = start_app(emu, tmp_path / "app", extra_env={"PENDULUM_REQUEST_LIMITS": ""})
    yield process
    process.stop()
    emu.assert_no_problems()


def test_a_flood_of_commands_makes_a_bounded_number_of_slack_calls(
    emu: Emulator, guarded_app: AppProcess
) -> None:
    app = guarded_app

    def flood(_: int) -> bool:
        return emu.slash_command(ALICE, TEAM, "checkin on").ok

    with ThreadPoolExecutor(20) as pool:
        assert all(pool.map(flood, range(500)))
    emu.wait_for(lambda: len(emu.calls_to("views.publish")) >= 20, timeout=30, message="Home")
    bob = emu.slash_command(BOB, TEAM, "checkin on")  # someone else, in the same moment
    emu.wait_for(
        lambda: (
            any("signed up" in str(e.blocks) + e.text for e in emu.ephemerals(user=BOB))
            or any("signed up" in str(p) for p in emu.response_posts)
        ),
        timeout=15,
        message="Bob signed up",
    )
    assert bob.ok

    settle(emu, app.db_location)  # every allowed request has finished its work
    limit = Limits().commands.count
    for method in ("users.info", "views.publish"):  # Alice's allowed ones, and Bob's
        assert len(emu.calls_to(method)) <= limit + 2, method
    assert len(emu.response_posts) <= limit + 2
    slowed = [d for d in emu.deliveries if d.ack and "Try again in" in json.dumps(d.ack)]
    assert len(slowed) >= 500 - limit
