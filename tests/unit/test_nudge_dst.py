"""Wall-clock sends across the clock changes of 2026 in America/New_York, Europe/Berlin and
Australia/Sydney, for each composer (channel tip, focus block, Monday nudge), with a fake
clock ticking every 10 minutes:

* spring-forward: a 02:30 send on the day 02:00 jumps to 03:00 goes out at 03:30 local;
* fall-back: a send inside the repeated hour goes out once, at its first occurrence;
* a Monday 09:00 nudge stays at 09:00 local on both sides of the change (its UTC moves).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.nudge_world import ALICE, ENG, World, make_world, ref, slack_of

TEN_MINUTES = timedelta(minutes=10)


def world_in(tmp_path: Path, tz: str, start: datetime) -> World:
    world = make_world(tmp_path, start)
    world.slack.add_user(ALICE, tz)
    return world


def tick_around(world: World, *instants: datetime) -> None:
    """Tick every 6 hours, and every 10 minutes from 2 hours before to 3 hours after each
    instant (as a running app would, only cheaper)."""
    for instant in instants:
        world.run_until(instant - timedelta(hours=2), step=timedelta(hours=6))
        world.run_until(instant + timedelta(hours=3), step=TEN_MINUTES)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# (zone, world start, weekday word, local time, the only instant it may go out)
SPRING_FORWARD = [
    ("America/New_York", utc(2026, 3, 4), "sunday", "02:30", utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
    ("Europe/Berlin", utc(2026, 3, 25), "sunday", "02:30", utc(2026, 3, 29, 1, 30)),  # 03:30 CEST
    ("Australia/Sydney", utc(2026, 9, 30), "sunday", "02:30", utc(2026, 10, 3, 16, 30)),  # AEDT
]
FALL_BACK = [
    ("America/New_York", utc(2026, 10, 28), "sunday", "01:30", utc(2026, 11, 1, 5, 30)),  # EDT
    ("Europe/Berlin", utc(2026, 10, 21), "sunday", "02:30", utc(2026, 10, 25, 0, 30)),  # CEST
    ("Australia/Sydney", utc(2026, 4, 1), "sunday", "02:30", utc(2026, 4, 4, 15, 30)),  # AEDT
]


@pytest.mark.parametrize(("tz", "start", "day", "at", "expected"), SPRING_FORWARD + FALL_BACK)
def test_channel_tip_on_a_clock_change_day(
    tmp_path: Path, tz: str, start: datetime, day: str, at: str, expected: datetime
) -> None:
    world = world_in(tmp_path, tz, start)
    world.command(f"remind {ref(ENG)} {day} {at} {tz}")
    tick_around(world, expected)
    posts = slack_of(world).posts_to(ENG, "Tip of the week")
    assert [p.at for p in posts] == [expected]
    assert world.slack.problems == []
    world.engine.close()


@pytest.mark.parametrize(("tz", "start", "day", "at", "expected"), SPRING_FORWARD + FALL_BACK)
def test_focus_block_on_a_clock_change_day(
    tmp_path: Path, tz: str, start: datetime, day: str, at: str, expected: datetime
) -> None:
    world = world_in(tmp_path, tz, start)
    world.command(f"focus set {day} {at}-04:30")
    tick_around(world, expected)
    dms = world.slack.dms(ALICE, "Focus block on")
    assert [d.at for d in dms] == [expected]
    assert "until 04:30" in repr(dms[0].args)
    assert world.slack.problems == []
    world.engine.close()


@pytest.mark.parametrize(
    ("tz", "start", "before", "after"),
    [
        ("America/New_York", utc(2026, 2, 25), utc(2026, 3, 2, 14), utc(2026, 3, 9, 13)),
        ("Europe/Berlin", utc(2026, 3, 18), utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)),
        ("Australia/Sydney", utc(2026, 3, 25), utc(2026, 3, 29, 22), utc(2026, 4, 5, 23)),
        ("America/New_York", utc(2026, 10, 21), utc(2026, 10, 26, 13), utc(2026, 11, 2, 14)),
    ],
)
def test_monday_nudge_stays_at_nine_local_across_the_change(
    tmp_path: Path, tz: str, start: datetime, before: datetime, after: datetime
) -> None:
    world = world_in(tmp_path, tz, start)
    world.command("nudge on")
    tick_around(world, before, after)
    dms = world.slack.dms(ALICE, "keep your hands warm")
    assert [d.at for d in dms] == [before, after]
    assert world.slack.problems == []
    world.engine.close()
