"""The personal reading after a self-assessment: which topics matter most now, and one next step.

Pure functions over `rules.yaml` and a `Profile`:

- `recommendations` is an ordered list of `{when: {...}, topics: [...]}` rules. Every rule whose
  conditions all hold contributes its topics, in order; the result is deduplicated and cut to
  the first three. Condition keys: `position`, `goal`, `role` (a value or a list of values, any
  of which matches), `years_managing_lt`, `years_managing_gte`, `years_engineering_lt`
  (numbers). An empty `when` always matches.
- `next_steps` is keyed by goal, then by position id; `default` is the fallback at both levels.
  A step may contain Jinja (`{{ rules.refresh_months }}`, `{{ me.position_label }}`) and is
  rendered with the sandboxed renderer, so it is escaped like every other template.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.coaching.profile import Profile
from bot.content.render import render

MAX_TOPICS = 3


def _one_of(values: Any, actual: str) -> bool:
    if isinstance(values, str):
        return actual == values
    if isinstance(values, Collection):
        return actual in {str(v) for v in values}
    return actual == str(values)


CONDITIONS: dict[str, Callable[[Any, Profile], bool]] = {
    "position": lambda v, me: _one_of(v, me.position),
    "goal": lambda v, me: _one_of(v, me.goal),
    "role": lambda v, me: _one_of(v, me.role),
    "years_managing_lt": lambda v, me: me.years_managing < float(v),
    "years_managing_gte": lambda v, me: me.years_managing >= float(v),
    "years_engineering_lt": lambda v, me: me.years_engineering < float(v),
}


class RulesError(ValueError):
    """`rules.yaml` says something the reading can't use; the message names the rule."""


@dataclass(frozen=True)
class Reading:
    profile: Profile
    topics: tuple[str, ...]
    next_step: str  # rendered, escaped mrkdwn


def matches(when: Mapping[str, Any] | None, me: Profile) -> bool:
    """Whether every condition of a rule holds for `me` (an empty rule always holds)."""
    for key, value in (when or {}).items():
        check = CONDITIONS.get(str(key))
        if check is None:
            known = ", ".join(CONDITIONS)
            raise RulesError(f"unknown condition {key!r} in a recommendation (known: {known})")
        if not check(value, me):
            return False
    return True


def recommended_topics(
    rules: Mapping[str, Any],
    me: Profile,
    *,
    known: Collection[str] | None = None,
    limit: int = MAX_TOPICS,
) -> list[str]:
    """Topics of every matching rule, in rule order, deduplicated, first `limit` kept.
    Topic ids not in `known` (when given) are skipped rather than shown as dead buttons."""
    chosen: list[str] = []
    for i, rule in enumerate(rules.get("recommendations") or []):
        if not isinstance(rule, Mapping):
            raise RulesError(f"recommendations[{i}] must be a mapping with when and topics")
        if not matches(rule.get("when"), me):
            continue
        for topic in rule.get("topics") or []:
            topic = str(topic)
            if topic in chosen or (known is not None and topic not in known):
                continue
            chosen.append(topic)
            if len(chosen) >= limit:
                return chosen
    return chosen


def next_step_source(rules: Mapping[str, Any], me: Profile) -> str:
    """The unrendered next step for `me`: goal → position, with `default` at both levels."""
    steps = rules.get("next_steps") or {}
    for goal in (me.goal, "default"):
        by_position = steps.get(goal)
        if not isinstance(by_position, Mapping):
            continue
        for position in (me.position, "default"):
            step = by_position.get(position)
            if step:
                return str(step)
    return ""


def next_step(rules: Mapping[str, Any], me: Profile) -> str:
    source = next_step_source(rules, me)
    return (
        render(source, {"rules": rules, "me": me}, name="rules.yaml next_steps") if source else ""
    )


def make_reading(
    rules: Mapping[str, Any], me: Profile, *, known_topics: Sequence[str] | None = None
) -> Reading:
    return Reading(
        profile=me,
        topics=tuple(recommended_topics(rules, me, known=known_topics)),
        next_step=next_step(rules, me),
    )
