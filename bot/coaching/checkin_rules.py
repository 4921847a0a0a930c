"""The weekly check-in, as plain data: its questions, validating an answer, weeks as periods
and away status (follow-ups: followups.py; enrolment's day and time: when.py).

Pure functions over `prompts/checkin.yaml` (questions and options), `prompts/rules.yaml`
(`checkin:` thresholds) and a person's recent check-ins; no Slack, no clock of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

ANSWERED, SKIPPED, AWAY = "answered", "skipped", "away"
CRITICAL_PATH_VALUES = ("yes", "no", "unsure")
NOTE_MAX = 1000
WHAT_MAX = 300
MAX_GAP_WEEKS = 2

# block_id of each modal input; every input's action_id is "value".
BLOCK_IDS = ("hands_on", "critical_path", "critical_path_what", "focus_blocks", "energy", "note")

DEFAULT_THRESHOLDS = {
    "no_hands_on_weeks": 4,
    "no_focus_weeks": 2,
    "low_energy_percent": 30,
    "reminder_after_hours": 24,
}


# -- periods -------------------------------------------------------------------------------
_PERIOD = re.compile(r"^(\d{4})-W(\d{2})$")


def period_of(day: date) -> str:
    """`2026-W10`: the ISO week of a LOCAL date (the same key the delivery ledger uses)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def period_start(period: str) -> date:
    """The Monday of an ISO-week period."""
    match = _PERIOD.match(period)
    if match is None:
        raise ValueError(f"period {period!r} is not an ISO week like '2026-W10'")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def shift_period(period: str, weeks: int) -> str:
    return period_of(period_start(period) + timedelta(weeks=weeks))


def is_period(text: str) -> bool:
    try:
        period_start(text)
    except ValueError:
        return False
    return True


# -- questions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    hint: str = ""
    placeholder: str = ""
    options: tuple[Option, ...] = ()
    max_length: int | None = None

    def label_for(self, value: str | None) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return str(value or "")

    def values(self) -> list[str]:
        return [o.value for o in self.options]


_DEFAULT_QUESTIONS: dict[str, dict[str, Any]] = {
    "hands_on": {
        "label": "How much hands-on engineering did you do this week?",
        "options": [
            {"value": "none", "label": "None"},
            {"value": "lt2", "label": "Under 2 hours"},
            {"value": "2to5", "label": "2 to 5 hours"},
            {"value": "5to10", "label": "5 to 10 hours"},
            {"value": "gt10", "label": "More than 10 hours"},
        ],
    },
    "critical_path": {
        "label": "Was any of it on the critical path?",
        "options": [
            {"value": "yes", "label": "Yes"},
            {"value": "no", "label": "No"},
            {"value": "unsure", "label": "Not sure"},
        ],
    },
    "critical_path_what": {"label": "What was it?"},
    "focus_blocks": {
        "label": "How many focus blocks did you protect?",
        "options": [{"value": str(n), "label": str(n)} for n in range(11)],
    },
    "energy": {
        "label": "How full is your tank?",
        "options": [{"value": str(n), "label": f"{n}%"} for n in range(0, 101, 10)],
    },
    "note": {"label": "Anything else? Only you can see it", "max_length": NOTE_MAX},
}


@dataclass(frozen=True)
class Questions:
    intro: str
    by_key: Mapping[str, Question] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Question:
        return self.by_key[key]

    @property
    def none_value(self) -> str:
        """The hands-on option meaning "no hands-on work": the first one listed."""
        options = self.by_key["hands_on"].options
        return options[0].value if options else "none"

    def hands_on_level(self, value: str | None) -> int | None:
        """0 for none, up to len(options) - 1; None when unknown (content changed since)."""
        values = self.by_key["hands_on"].values()
        return values.index(value) if value in values else None


def questions_from(checkin: Mapping[str, Any]) -> Questions:
    """The modal's questions from `prompts/checkin.yaml`, each falling back to a built-in
    default when the content directory leaves it out (the content linter reports that)."""
    raw = checkin.get("questions") if isinstance(checkin, Mapping) else None
    raw = raw if isinstance(raw, Mapping) else {}
    by_key: dict[str, Question] = {}
    for key, default in _DEFAULT_QUESTIONS.items():
        item = raw.get(key)
        item = item if isinstance(item, Mapping) else {}
        options_raw = item.get("options") or default.get("options") or []
        options = tuple(
            Option(str(o["value"]), str(o.get("label", o["value"])))
            for o in options_raw
            if isinstance(o, Mapping) and "value" in o
        )
        max_length = item.get("max_length", default.get("max_length"))
        by_key[key] = Question(
            key=key,
            label=str(item.get("label") or default["label"]),
            hint=str(item.get("hint") or ""),
            placeholder=str(item.get("placeholder") or ""),
            options=options,
            max_length=min(int(max_length), NOTE_MAX) if max_length else None,
        )
    intro = str(checkin.get("intro") or "") if isinstance(checkin, Mapping) else ""
    return Questions(intro=intro or "A few quick questions about your week.", by_key=by_key)


# -- answers -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkin:
    """One week's check-in (a stored row, or a validated submission before it is stored)."""

    period: str
    status: str = ANSWERED
    hands_on: str | None = None
    critical_path: str | None = None
    critical_path_what: str | None = None
    focus_blocks: int | None = None
    energy: int | None = None
    note: str | None = None

    @property
    def answered(self) -> bool:
        return self.status == ANSWERED


def validate(
    values: Mapping[str, str | None], questions: Questions, period: str
) -> tuple[Checkin | None, dict[str, str]]:
    """A submitted modal's values (block_id → raw string) → a Checkin, or inline errors keyed
    by block_id (Slack shows each under its input)."""
    errors: dict[str, str] = {}

    def pick(key: str, message: str) -> str | None:
        raw = (values.get(key) or "").strip()
        if raw not in questions[key].values():
            errors[key] = message
            return None
        return raw

    hands_on = pick("hands_on", "Pick how much hands-on work you did (None is a fine answer).")
    critical = pick("critical_path", "Pick Yes, No or Not sure.")
    if critical is not None and critical not in CRITICAL_PATH_VALUES:
        errors["critical_path"] = "Pick Yes, No or Not sure."
        critical = None
    focus_raw = pick("focus_blocks", "Pick a number from 0 to 10.")
    energy_raw = pick("energy", "Pick how full your tank is, from 0% to 100%.")
    focus = _int_in(focus_raw, 0, 10)
    energy = _int_in(energy_raw, 0, 100)
    if focus_raw is not None and focus is None:
        errors["focus_blocks"] = "Pick a number from 0 to 10."
    if energy_raw is not None and energy is None:
        errors["energy"] = "Pick how full your tank is, from 0% to 100%."

    what = (values.get("critical_path_what") or "").strip() or None
    if what is not None and len(what) > WHAT_MAX:
        errors["critical_path_what"] = (
            f"Keep it under {WHAT_MAX} characters ({len(what)} now): a few words will do."
        )
    note = (values.get("note") or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        errors["note"] = f"Notes can be up to {NOTE_MAX} characters; this one is {len(note)}."

    if hands_on == questions.none_value and critical == "yes":
        errors["critical_path"] = (
            "You said you did no hands-on work this week, so none of it was on the critical "
            "path. Pick No or Not sure, or change the first answer."
        )
    if critical == "no" and what is not None and "critical_path_what" not in errors:
        errors["critical_path_what"] = (
            "You said none of it was on the critical path: leave this empty, or pick Yes."
        )
    if errors:
        return None, errors
    return (
        Checkin(
            period=period,
            status=ANSWERED,
            hands_on=hands_on,
            critical_path=critical,
            critical_path_what=what,
            focus_blocks=focus,
            energy=energy,
            note=note,
        ),
        {},
    )


def _int_in(raw: str | None, low: int, high: int) -> int | None:
    if raw is None:
        return None
    try:
        number = int(raw)
    except ValueError:
        return None
    return number if low <= number <= high else None


# -- away status ---------------------------------------------------------------------------
AWAY_EMOJI = frozenset(
    {
        ":palm_tree:",
        ":desert_island:",
        ":beach_with_umbrella:",
        ":airplane:",
        ":airplane_departure:",
        ":face_with_thermometer:",
        ":thermometer:",
        ":sneezing_face:",
        ":mask:",
        ":nauseated_face:",
        ":hospital:",
        ":baby:",
    }
)
_AWAY_WORDS = re.compile(
    r"\b(vacation\w*|vacay|holidays?|ooo|out of (the )?office|out sick|sick|off sick|"
    r"pto|annual leave|parental leave|maternity|paternity|on leave|time off|away)\b",
    re.IGNORECASE,
)


def is_away(profile: Mapping[str, Any], now_epoch: float | None = None) -> bool:
    """Whether a Slack profile's status says the person is away (vacation, OOO, sick).
    An expired status (Slack clears it lazily) does not count."""
    expiration = profile.get("status_expiration")
    if (
        now_epoch is not None
        and isinstance(expiration, int | float)
        and 0 < expiration <= now_epoch
    ):
        return False
    emoji = str(profile.get("status_emoji") or "").strip().lower()
    text = str(profile.get("status_text") or "")
    return emoji in AWAY_EMOJI or bool(_AWAY_WORDS.search(text))
