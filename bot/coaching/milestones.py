"""Career milestones worth one reflective message, as plain data.

From `rules.milestones` (prompts/rules.yaml):

* `managing_years` (default [2]) — the first tour of duty is done
  (`prompts/messages/milestone-tour-done.md.j2`, topic `tour`);
* `hands_off_years` (default [3, 5]) — years since substantial hands-on work: skills start to
  fade, then the tipping point (`milestone-hands-off.md.j2`, topic `rusty`).

A milestone is due when a manager PASSES it after their self-assessment: the value the
assessment recorded is below the threshold and the value aged to now (the profile keeps
counting, see bot/coaching/profile.py) has reached it. Someone who said "8 years managing"
never hears "your first tour is done". If several thresholds of one family were passed since
(the app was off for months, say), only the highest is sent, and a family's lower thresholds
never come after a higher one. Each is sent at most once (the caller keeps the record).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

MANAGER_ROLES = frozenset({"em", "senior_em", "director", "vp_cto"})
MANAGING, HANDS_OFF = "managing", "hands-off"


@dataclass(frozen=True)
class Milestone:
    id: str  # "managing-2y", "hands-off-3y": part of the once-only delivery key
    family: str
    years: int
    message_id: str
    topic: str


@dataclass(frozen=True)
class Standing:
    """The two numbers milestones look at."""

    role: str
    years_managing: float
    months_since_hands_on: int

    def value(self, family: str) -> float:
        if family == MANAGING:
            return self.years_managing * 12
        return float(self.months_since_hands_on)


def _years(raw: Any, default: list[int]) -> list[int]:
    if not isinstance(raw, list):
        return default
    out = sorted({int(x) for x in raw if isinstance(x, int | float) and x > 0})
    return out or default


def milestones_from(rules: Mapping[str, Any]) -> list[Milestone]:
    section = rules.get("milestones") or {}
    tour = int(rules.get("tour_of_duty_years") or 2)
    managing = _years(section.get("managing_years"), [tour])
    hands_off = _years(section.get("hands_off_years"), [3, 5])
    return [
        *(
            Milestone(f"managing-{y}y", MANAGING, y, "milestone-tour-done", "tour")
            for y in managing
        ),
        *(
            Milestone(f"hands-off-{y}y", HANDS_OFF, y, "milestone-hands-off", "rusty")
            for y in hands_off
        ),
    ]


def due(
    then: Standing,
    now: Standing,
    rules: Mapping[str, Any],
    delivered: Collection[str] = (),
) -> list[Milestone]:
    """The milestones to send now (at most one per family), given those already `delivered`
    (ids)."""
    if now.role not in MANAGER_ROLES:
        return []
    out: list[Milestone] = []
    all_milestones = milestones_from(rules)
    for family in (MANAGING, HANDS_OFF):
        mine = [m for m in all_milestones if m.family == family]
        crossed = [m for m in mine if then.value(family) < m.years * 12 <= now.value(family)]
        if not crossed:
            continue
        top = max(crossed, key=lambda m: m.years)
        if any(m.id in delivered and m.years >= top.years for m in mine):
            continue
        out.append(top)
    return out
