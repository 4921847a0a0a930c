"""Career milestones: the pure rule (passed after the assessment, highest of a family, once),
and the DM the Monday nudge's composer sends through `engine.send_once`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from blockkit.validate import message_problems
from bot.coaching.milestones import Standing, due, milestones_from
from bot.content.library import load_library
from bot.features import milestones
from tests.support.checkin_world import REPO, Call
from tests.support.nudge_world import ALICE, BOB, TEAM, World, add_assessment, make_world

RULES = load_library(REPO / "prompts").rules


def ids(then: Standing, now: Standing, delivered: set[str] | None = None) -> list[str]:
    return [m.id for m in due(then, now, RULES, delivered or set())]


def test_rules_define_the_milestones() -> None:
    assert [m.id for m in milestones_from(RULES)] == ["managing-2y", "hands-off-3y", "hands-off-5y"]
    assert {m.topic for m in milestones_from(RULES)} == {"tour", "rusty"}


def test_passing_two_years_of_managing() -> None:
    assert ids(Standing("em", 1.5, 0), Standing("em", 2.0, 0)) == ["managing-2y"]
    assert ids(Standing("em", 1.5, 0), Standing("em", 1.9, 0)) == []
    # already past it when assessed: never "your first tour is done" to a veteran
    assert ids(Standing("em", 8, 0), Standing("em", 9, 0)) == []
    assert ids(Standing("em", 1.5, 0), Standing("em", 2.5, 0), {"managing-2y"}) == []


def test_years_since_hands_on_work() -> None:
    assert ids(Standing("em", 5, 30), Standing("em", 5, 36)) == ["hands-off-3y"]
    assert ids(Standing("em", 5, 40), Standing("em", 5, 59)) == []
    assert ids(Standing("em", 5, 40), Standing("em", 5, 60)) == ["hands-off-5y"]
    # both passed while nobody looked: only the higher one, and the lower never after it
    assert ids(Standing("em", 5, 30), Standing("em", 5, 61)) == ["hands-off-5y"]
    assert ids(Standing("em", 5, 30), Standing("em", 5, 61), {"hands-off-5y"}) == []
    assert ids(Standing("em", 5, 30), Standing("em", 5, 61), {"hands-off-3y"}) == ["hands-off-5y"]


def test_only_managers_get_milestones() -> None:
    for role in ("ic", "tech_lead"):
        assert ids(Standing(role, 1.5, 30), Standing(role, 2.5, 40)) == []
    assert ids(Standing("director", 1.5, 30), Standing("director", 2.5, 40)) == [
        "managing-2y",
        "hands-off-3y",
    ]


def test_custom_rules() -> None:
    rules = {"milestones": {"managing_years": [1, 4], "hands_off_years": [2]}}
    found = due(Standing("em", 0.5, 0), Standing("em", 1.2, 30), rules)
    assert [m.id for m in found] == ["managing-1y", "hands-off-2y"]


# -- through the nudge composer ----------------------------------------------------------------
# Wednesday 4 March 2026; Alice (Berlin) assessed then: 1.5 years managing, 30 months since
# hands-on work. Six months later both milestones have passed.
@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path)
    yield w
    w.engine.close()
    assert w.slack.problems == []


def milestone_dms(world: World, user: str = ALICE) -> list[Call]:
    return [c for c in world.slack.dms(user) if "milestone" in str(c.args.get("metadata"))]


def test_nudge_composer_sends_each_milestone_once(world: World) -> None:
    add_assessment(world, ALICE, years_managing=1.5, months_since_hands_on=30)
    add_assessment(world, BOB, years_managing=6, months_since_hands_on=2)  # none due
    world.command("nudge on")
    world.command("nudge on", BOB)
    world.run_until(datetime(2026, 3, 31, tzinfo=UTC), step=timedelta(hours=6))
    assert milestone_dms(world) == []  # nothing passed yet, four nudges later
    assert len(world.slack.dms(ALICE, "keep your hands warm")) == 4
    world.run_until(datetime(2026, 9, 22, tzinfo=UTC), step=timedelta(hours=12))
    sent = milestone_dms(world)
    texts = [repr(c.args) for c in sent]
    assert len(sent) == 2, texts
    assert any(
        "tour of duty" in t and "topic_open" in t and '"tour"' in t.replace("'", '"') for t in texts
    )
    assert any("hands-on work" in t and "rusty" in t for t in texts)
    for call in sent:
        body = {k: call.args[k] for k in ("text", "blocks")}
        assert message_problems(body) == []
    keys = {r[0] for r in world.rows("SELECT key FROM deliveries WHERE kind = 'milestone'")}
    assert keys == {
        f"{TEAM}:milestone:{ALICE}:managing-2y",
        f"{TEAM}:milestone:{ALICE}:hands-off-3y",
    }
    assert milestone_dms(world, BOB) == []
    # months go by: nothing twice
    world.run_until(datetime(2026, 12, 1, tzinfo=UTC), step=timedelta(days=1))
    assert len(milestone_dms(world)) == 2


def test_no_milestones_without_the_nudge_or_without_an_assessment(world: World) -> None:
    add_assessment(world, ALICE, years_managing=1.9, months_since_hands_on=35)
    world.command("nudge on", BOB)  # Bob has no assessment; Alice has no nudge
    world.run_until(datetime(2026, 6, 1, tzinfo=UTC), step=timedelta(days=1))
    assert milestone_dms(world) == [] and milestone_dms(world, BOB) == []
    assert milestones.check(world.services, TEAM, BOB) == []


def test_a_new_manager_assessed_at_zero_years_still_passes_two_years(world: World) -> None:
    add_assessment(world, ALICE, years_managing=0, months_since_hands_on=0)
    world.clock.set(world.clock.now() + timedelta(days=2 * 366))
    assert milestones.check(world.services, TEAM, ALICE) == ["managing-2y"]
    assert milestones.check(world.services, TEAM, ALICE) == []
