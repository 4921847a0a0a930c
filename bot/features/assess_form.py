"""The self-assessment modal and its validation: pure functions, no Slack calls or storage
(the `assess` command in assess.py opens it and stores what comes back)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.coaching.profile import GOALS, ROLES
from bot.content.blocks import section
from bot.router import ViewContext

CALLBACK_ID = "assess"
VALUE = "value"  # the action_id of every input's element

# block_ids: Slack keys inline errors by these.
ROLE = "assess_role"
YEARS_ENGINEERING = "assess_years_engineering"
YEARS_MANAGING = "assess_years_managing"
MONTHS_HANDS_ON = "assess_months_hands_on"
GOAL = "assess_goal"

MAX_YEARS = 60
MAX_MONTHS = 600

ROLE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("ic", "Individual contributor (engineer)"),
    ("tech_lead", "Tech lead"),
    ("em", "Engineering manager"),
    ("senior_em", "Senior engineering manager"),
    ("director", "Director"),
    ("vp_cto", "VP of engineering or CTO"),
)
GOAL_OPTIONS: tuple[tuple[str, str], ...] = (
    ("pendulum_back", "Swing the pendulum back (to hands-on, or to managing again)"),
    ("climb", "Climb the management ladder"),
    ("stay", "Stay where I am and do it well"),
    ("undecided", "Undecided"),
)

_NUMBER = re.compile(
    r"^(?P<num>[+-]?\d+(?:[.,]\d+)?|[+-]?[.,]\d+)\s*(?P<unit>[^\d\s.,+-][^\d]*)?$", re.UNICODE
)
_YEAR_UNITS = {"y", "yr", "yrs", "year", "years", "ys"}
_MONTH_UNITS = {"m", "mo", "mos", "mth", "mths", "month", "months"}


# -- the modal ------------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label[:75], "emoji": True}, "value": value}


def _select(
    block_id: str, label: str, options: tuple[tuple[str, str], ...], initial: str | None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": VALUE,
        "placeholder": {"type": "plain_text", "text": "Choose one"},
        "options": [_option(v, text) for v, text in options],
    }
    chosen = [o for o in element["options"] if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def _number_input(
    block_id: str, label: str, hint: str, placeholder: str, initial: object | None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "placeholder": {"type": "plain_text", "text": placeholder},
        "max_length": 20,
    }
    if initial is not None and initial != "":
        element["initial_value"] = _format_number(float(str(initial)))
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "hint": {"type": "plain_text", "text": hint},
        "element": element,
    }


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def assess_view(
    previous: Mapping[str, Any] | None = None, origin: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The self-assessment modal, pre-filled with the person's last answers if any. `origin`
    (channel and response_url of a command typed in a channel) rides in private_metadata, so
    the submit can say there that the reading went to the DM."""
    prev = previous or {}
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps(dict(origin or {}))[:3000],
        "title": {"type": "plain_text", "text": "Where are you now?"},
        "submit": {"type": "plain_text", "text": "Get my reading"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(
                "Five quick questions. I'll tell you where you are on the engineer/manager "
                "pendulum, which topics matter most right now, and one next step. "
                "Only you see your answers and your reading."
            ),
            _select(ROLE, "Your current role", ROLE_OPTIONS, prev.get("role")),
            _number_input(
                YEARS_ENGINEERING,
                "Years as an engineer before you first managed",
                "If you have never managed, your years as an engineer so far. 0 to 60.",
                "e.g. 7",
                prev.get("years_engineering"),
            ),
            _number_input(
                YEARS_MANAGING,
                "Years managing, in total",
                "0 if you have never managed. Half years are fine, e.g. 2.5.",
                "e.g. 3",
                prev.get("years_managing"),
            ),
            _number_input(
                MONTHS_HANDS_ON,
                "Months since your last substantial hands-on work",
                "Real engineering: shipping code, owning a system. 0 if you do it now.",
                "e.g. 18",
                prev.get("months_since_hands_on"),
            ),
            _select(GOAL, "What do you want next?", GOAL_OPTIONS, prev.get("goal")),
        ],
    }


# -- validation (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    role: str
    years_engineering: float
    years_managing: float
    months_since_hands_on: int
    goal: str

    def as_row(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "years_engineering": self.years_engineering,
            "years_managing": self.years_managing,
            "months_since_hands_on": self.months_since_hands_on,
            "goal": self.goal,
        }


def parse_number(raw: str | None, *, units: set[str]) -> float | None:
    """A non-negative-or-negative decimal from what someone typed ("7", "2,5", "3 years")."""
    if raw is None:
        return None
    match = _NUMBER.match(raw.strip())
    if not match:
        return None
    unit = (match.group("unit") or "").strip().lower().rstrip(".")
    if unit and unit not in units:
        return None
    try:
        return float(match.group("num").replace(",", "."))
    except ValueError:
        return None


def _years(raw: str | None, errors: dict[str, str], block_id: str, what: str) -> float:
    value = parse_number(raw, units=_YEAR_UNITS)
    if value is None:
        if raw is not None and parse_number(raw, units=_MONTH_UNITS) is not None:
            errors[block_id] = "Please give this in years (e.g. 1.5 for 18 months)."
        else:
            errors[block_id] = f"Enter {what} as a number, like 7 or 2.5."
    elif value < 0:
        errors[block_id] = "That can't be negative. Use 0 for none."
    elif value > MAX_YEARS:
        errors[block_id] = f"That's more than {MAX_YEARS} years. Please check the number."
    else:
        return round(value, 1)
    return 0.0


def validate(values: Mapping[str, str | None]) -> tuple[Answers | None, dict[str, str]]:
    """Answers from the submitted values (keyed by block_id), or inline errors by block_id."""
    errors: dict[str, str] = {}
    role = values.get(ROLE)
    if role not in ROLES:
        errors[ROLE] = "Choose the role closest to yours."
    goal = values.get(GOAL)
    if goal not in GOALS:
        errors[GOAL] = "Choose what you want next (undecided is a fine answer)."
    years_engineering = _years(
        values.get(YEARS_ENGINEERING), errors, YEARS_ENGINEERING, "your years as an engineer"
    )
    years_managing = _years(
        values.get(YEARS_MANAGING), errors, YEARS_MANAGING, "your years managing"
    )
    raw_months = values.get(MONTHS_HANDS_ON)
    months = parse_number(raw_months, units=_MONTH_UNITS)
    if months is None:
        if raw_months is not None and parse_number(raw_months, units=_YEAR_UNITS) is not None:
            errors[MONTHS_HANDS_ON] = "Please give this in months (e.g. 24 for two years)."
        else:
            errors[MONTHS_HANDS_ON] = "Enter a number of months, like 0, 6 or 30."
    elif months < 0:
        errors[MONTHS_HANDS_ON] = "That can't be negative. Use 0 if you're hands-on now."
    elif months > MAX_MONTHS:
        errors[MONTHS_HANDS_ON] = f"That's more than {MAX_MONTHS} months (50 years). Please check."
    if (
        YEARS_ENGINEERING not in errors
        and YEARS_MANAGING not in errors
        and years_engineering + years_managing > MAX_YEARS
    ):
        errors[YEARS_MANAGING] = (
            f"Together with your engineering years that's over {MAX_YEARS} years. "
            "Please check both numbers."
        )
    if errors or months is None or role is None or goal is None:
        return None, errors
    return (
        Answers(
            role=role,
            years_engineering=years_engineering,
            years_managing=years_managing,
            months_since_hands_on=round(months),
            goal=goal,
        ),
        {},
    )


def submitted_values(ctx: ViewContext) -> dict[str, str | None]:
    return {
        block_id: ctx.value(block_id, VALUE)
        for block_id in (ROLE, YEARS_ENGINEERING, YEARS_MANAGING, MONTHS_HANDS_ON, GOAL)
    }
