"""Which follow-up a weekly check-in answer earns, from the answer and recent history.

Follow-ups, most urgent first (only the first is sent; the others are mentioned):

1. `followup-tank` — energy below `rules.checkin.low_energy_percent`;
2. `followup-handoff` — some of this week's hands-on work was on the critical path;
3. `followup-hands-warm` — no hands-on work for `no_hands_on_weeks` answered weeks running;
4. `followup-focus` — no focus blocks for `no_focus_weeks` answered weeks running;
5. `followup-steady` — nothing to flag.

"Running" counts answered weeks, newest first. A skipped, away or unanswered week neither
counts nor breaks a streak, but more than `MAX_GAP_WEEKS` unanswered weeks in a row does:
after a long silence, old answers say little about now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.coaching.checkin_rules import (
    DEFAULT_THRESHOLDS,
    MAX_GAP_WEEKS,
    Checkin,
    Questions,
    period_start,
)


@dataclass(frozen=True)
class Followup:
    message_id: str  # a template in prompts/messages/
    extra: dict[str, Any]  # the template's variables
    reason: str  # a short, private explanation ("energy 20% < 30%")


def thresholds(rules: Mapping[str, Any]) -> dict[str, int]:
    raw = rules.get("checkin") if isinstance(rules, Mapping) else None
    raw = raw if isinstance(raw, Mapping) else {}
    return {k: int(raw.get(k, v)) for k, v in DEFAULT_THRESHOLDS.items()}


def recent_answers(current: Checkin, history: Sequence[Checkin]) -> list[Checkin]:
    """This answer plus the answered weeks before it, newest first, cut at the first gap of
    more than MAX_GAP_WEEKS unanswered weeks."""
    older = sorted(
        (c for c in history if c.answered and c.period < current.period),
        key=lambda c: c.period,
        reverse=True,
    )
    out = [current]
    previous = current.period
    for item in older:
        gap = _weeks_between(item.period, previous) - 1
        if gap > MAX_GAP_WEEKS:
            break
        out.append(item)
        previous = item.period
    return out


def _weeks_between(earlier: str, later: str) -> int:
    return (period_start(later) - period_start(earlier)).days // 7


def streak(answers: Sequence[Checkin], predicate: Any) -> int:
    """How many of `answers` (newest first) in a row satisfy `predicate`."""
    count = 0
    for item in answers:
        if not predicate(item):
            break
        count += 1
    return count


def followups(
    current: Checkin,
    history: Sequence[Checkin],
    rules: Mapping[str, Any],
    questions: Questions,
    measured: Mapping[str, float] | None = None,
    goal_hours: float | None = None,
) -> list[Followup]:
    """Every follow-up this answer earns, most urgent first; never empty (`steady` last).

    `measured` holds focus hours per period from the person's calendar: for those weeks the
    measured hours, not the answer, say whether there was any focus time, and the focus
    follow-up quotes this week's hours against the person's weekly `goal_hours`."""
    measured = measured or {}
    limits = thresholds(rules)
    answers = recent_answers(current, history)
    out: list[Followup] = []
    if current.energy is not None and current.energy < limits["low_energy_percent"]:
        out.append(
            Followup(
                "followup-tank",
                {"energy": current.energy},
                f"energy {current.energy}% is under {limits['low_energy_percent']}%",
            )
        )
    if current.critical_path == "yes":
        out.append(
            Followup(
                "followup-handoff",
                {"what": current.critical_path_what or ""},
                "some hands-on work was on the critical path",
            )
        )
    none = questions.none_value
    no_hands_on = streak(answers, lambda c: c.hands_on == none)
    if no_hands_on >= limits["no_hands_on_weeks"]:
        out.append(
            Followup(
                "followup-hands-warm",
                {"weeks": no_hands_on},
                f"{no_hands_on} check-ins in a row without hands-on work",
            )
        )

    def no_focus_time(c: Checkin) -> bool:
        if c.period in measured:
            return measured[c.period] <= 0
        return c.focus_blocks == 0

    no_focus = streak(answers, no_focus_time)
    if no_focus >= limits["no_focus_weeks"]:
        hours = measured.get(current.period)
        goal = goal_hours if hours is not None else None
        out.append(
            Followup(
                "followup-focus",
                {
                    "weeks": no_focus,
                    "measured": _hours(hours) if hours is not None else "",
                    "goal": _hours(goal) if goal is not None else "",
                },
                f"{no_focus} check-ins in a row without a focus block",
            )
        )
    out.append(Followup("followup-steady", {}, "nothing to flag"))
    return out


def _hours(value: float) -> str:
    tenth = round(max(value, 0.0) * 10) / 10
    return f"{tenth:g} h"


def choose_followup(
    current: Checkin, history: Sequence[Checkin], rules: Mapping[str, Any], questions: Questions
) -> Followup:
    return followups(current, history, rules, questions)[0]
