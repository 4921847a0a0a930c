"""A manager's self-assessment, as the content templates see it (`me`).

Months since hands-on work keep counting after the assessment: someone who said "12 months"
a year ago is now at 24, so the advice moves with them without a new assessment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ROLES: dict[str, str] = {
    "ic": "individual contributor",
    "tech_lead": "tech lead",
    "em": "engineering manager",
    "senior_em": "senior engineering manager",
    "director": "director",
    "vp_cto": "VP or CTO",
}
GOALS: dict[str, str] = {
    "pendulum_back": "swing the pendulum the other way (back to building, or back to leading)",
    "climb": "climb the management ladder",
    "stay": "stay where I am and do it well",
    "undecided": "not sure yet",
}
AVERAGE_MONTH_DAYS = 30.436875


@dataclass(frozen=True)
class Position:
    id: str
    label: str
    summary: str


@dataclass(frozen=True)
class Profile:
    role: str
    role_label: str
    years_engineering: float
    years_managing: float
    months_since_hands_on: int
    goal: str
    goal_label: str
    position: str
    position_label: str
    position_summary: str

    @property
    def years_since_hands_on(self) -> float:
        return round(self.months_since_hands_on / 12, 1)


def position_for(months_since_hands_on: int, rules: Mapping[str, Any]) -> Position:
    """The first position whose `max_months` covers the months (the last is open-ended)."""
    positions = rules["pendulum"]["positions"]
    for item in positions:
        limit = item.get("max_months")
        if limit is None or months_since_hands_on <= int(limit):
            return Position(str(item["id"]), str(item["label"]), str(item.get("summary", "")))
    last = positions[-1]
    return Position(str(last["id"]), str(last["label"]), str(last.get("summary", "")))


def months_between(earlier: datetime, later: datetime) -> int:
    return max(0, int((later - earlier).days / AVERAGE_MONTH_DAYS))


def build_profile(
    assessment: Mapping[str, Any], rules: Mapping[str, Any], now: datetime | None = None
) -> Profile:
    """A Profile from a stored assessment row, aged to `now`."""
    months = int(assessment["months_since_hands_on"])
    years_managing = float(assessment["years_managing"])
    created = assessment.get("created_at")
    if now is not None and created:
        elapsed = months_between(datetime.fromisoformat(str(created)), now)
        months += elapsed
        years_managing = round(years_managing + elapsed / 12, 1) if years_managing > 0 else 0.0
    position = position_for(months, rules)
    role = str(assessment["role"])
    goal = str(assessment["goal"])
    return Profile(
        role=role,
        role_label=ROLES.get(role, role),
        years_engineering=float(assessment["years_engineering"]),
        years_managing=_tidy_number(years_managing),
        months_since_hands_on=months,
        goal=goal,
        goal_label=GOALS.get(goal, goal),
        position=position.id,
        position_label=position.label,
        position_summary=position.summary,
    )


def _tidy_number(value: float) -> float:
    return float(int(value)) if float(value).is_integer() else round(value, 1)


SAMPLE_ASSESSMENT: dict[str, Any] = {
    "role": "em",
    "years_engineering": 8,
    "years_managing": 4,
    "months_since_hands_on": 30,
    "goal": "undecided",
}
