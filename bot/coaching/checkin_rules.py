"""The weekly check-in, as plain data: its questions, validating an answer, weeks as periods,
and which follow-up an answer earns.

Pure functions over `prompts/checkin.yaml` (questions and options), `prompts/rules.yaml`
(`checkin:` thresholds) and a person's recent check-ins; no Slack, no clock of their own.

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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bot.coaching.when import DAY_NAMES as DAY_NAMES  # re-exported: enrolment's day names
from bot.coaching.when import parse_day, parse_time

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


# -- follow-ups ----------------------------------------------------------------------------
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


# -- enrolment -----------------------------------------------------------------------------
DEFAULT_WEEKDAY = 4  # Friday
DEFAULT_TIME = "15:00"


class WhenError(ValueError):
    """A day or time the user typed could not be read; the message says what would work."""


def parse_when(text: str) -> tuple[int | None, str | None]:
    """`[day] [time]` in either order (both optional) → (weekday 0=Monday, 'HH:MM')."""
    words = text.replace(",", " ").split()
    # "3 pm" → "3pm"
    merged: list[str] = []
    for word in words:
        if word.lower() in ("am", "pm") and merged:
            merged[-1] += word.lower()
        else:
            merged.append(word)
    weekday: int | None = None
    local_time: str | None = None
    for word in merged:
        if word.lower() in ("at", "on", "every", "each"):
            continue
        # Enrolment wants at least three letters of a day ("fr" is refused), unlike
        # `remind`/`focus`, which also take the two-letter forms.
        day = parse_day(word) if len(word) >= 3 else None
        if day is not None and weekday is None:
            weekday = day
            continue
        clock = parse_time(word)
        if clock is not None and local_time is None:
            local_time = clock
            continue
        raise WhenError(
            f"I couldn't read {word!r} as a day or a time. Try a day like `friday` and a "
            "24-hour time like `15:00` (or `3pm`)."
        )
    return weekday, local_time


def parse_pause_until(text: str, today: date) -> date:
    """`until YYYY-MM-DD` (or just the date) → a local date after today, within a year."""
    words = text.split()
    if words and words[0].lower() == "until":
        words = words[1:]
    if len(words) != 1:
        raise WhenError("Tell me when to resume, like `pause until 2026-08-31`.")
    try:
        day = date.fromisoformat(words[0])
    except ValueError as exc:
        raise WhenError(
            f"I couldn't read {words[0]!r} as a date. Use YYYY-MM-DD, like `2026-08-31`."
        ) from exc
    if day <= today:
        raise WhenError(f"{day.isoformat()} isn't in the future. Pick a later date.")
    if day > today + timedelta(days=366):
        raise WhenError("I can pause for up to a year. Pick an earlier date, or turn it off.")
    return day
