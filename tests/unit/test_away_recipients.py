"""Every DM kind waits out an away status the same way: the engine resolves the recipient
through the people cache and skips a DM that nobody asked for by hand while their Slack
status says away: composed sends (check-in, nudge, focus blocks) and one-offs queued ahead
(a calendar focus-start DM, the check-in reminder) alike. Someone who left gets nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.calendar.model import CalendarEvent
from bot.delivery.model import AWAY_SKIP
from bot.features.calendar_focus import KIND as CALENDAR_FOCUS
from bot.features.calendar_focus import queue_focus_starts
from bot.features.checkin_sends import queue_reminder
from tests.support.checkin_world import ALICE, TEAM, World, build_world

AWAY = {"status_emoji": ":palm_tree:", "status_text": "Off"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = build_world(tmp_path)
    yield made
    made.engine.close()
    made.services.worker.shutdown()
    made.store.close()


def focus_event(world: World, starts_in: timedelta) -> CalendarEvent:
    start = world.clock.now() + starts_in
    return CalendarEvent(start, start + timedelta(hours=2), "focus", "Focus: design doc", False)


def statuses(world: World, kind: str) -> list[tuple[str, str | None]]:
    return [
        (str(s), e)
        for s, e in world.rows("SELECT status, error FROM deliveries WHERE kind = ?", [kind])
    ]


def test_a_queued_calendar_focus_dm_is_skipped_while_away(world: World) -> None:
    event = focus_event(world, timedelta(hours=2))
    assert queue_focus_starts(world.services, TEAM, ALICE, "Europe/Berlin", (event,)) == 1
    world.slack.users[ALICE]["profile"] = AWAY
    world.run_until(event.start + timedelta(minutes=10), step=timedelta(minutes=5))
    assert world.slack.dms(ALICE) == []
    assert statuses(world, CALENDAR_FOCUS) == [("skipped", AWAY_SKIP)]


def test_a_queued_calendar_focus_dm_goes_out_when_not_away(world: World) -> None:
    event = focus_event(world, timedelta(hours=2))
    queue_focus_starts(world.services, TEAM, ALICE, "Europe/Berlin", (event,))
    world.run_until(event.start + timedelta(minutes=10), step=timedelta(minutes=5))
    assert len(world.slack.dms(ALICE)) == 1
    assert statuses(world, CALENDAR_FOCUS) == [("sent", None)]


def test_a_queued_reminder_is_skipped_while_away(world: World) -> None:
    queue_reminder(world.services, TEAM, ALICE, "2026-W10", world.clock.now())
    world.slack.users[ALICE]["profile"] = AWAY
    world.run_until(world.clock.now() + timedelta(days=1), step=timedelta(hours=1))
    assert world.slack.dms(ALICE) == []
    assert statuses(world, "checkin_reminder") == [("skipped", AWAY_SKIP)]


def test_a_queued_dm_to_someone_who_left_is_dropped(world: World) -> None:
    event = focus_event(world, timedelta(hours=2))
    queue_focus_starts(world.services, TEAM, ALICE, "Europe/Berlin", (event,))
    world.slack.gone[ALICE] = "user_not_found"
    world.run_until(event.start + timedelta(minutes=10), step=timedelta(minutes=5))
    assert world.slack.dms(ALICE) == []
    assert [s for s, _ in statuses(world, CALENDAR_FOCUS)] == ["skipped"]
