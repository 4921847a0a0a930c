"""Pure check-in rules: the modal's validation, follow-up choice over weeks of history (with a
fake clock), enrolment parsing, away statuses and ISO-week periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blockkit.validate import message_problems
from bot.clock import FakeClock
from bot.coaching.checkin_rules import (
    ANSWERED,
    SKIPPED,
    Checkin,
    is_away,
    period_of,
    period_start,
    questions_from,
    shift_period,
    validate,
)
from bot.coaching.followups import (
    Followup,
    choose_followup,
    followups,
    recent_answers,
    thresholds,
)
from bot.coaching.profile import SAMPLE_ASSESSMENT, build_profile
from bot.coaching.when import (
    WhenError,
    parse_pause_until,
    parse_time,
    parse_when,
)
from bot.content.library import load_library
from bot.features.checkin_views import followup_message

REPO = Path(__file__).resolve().parents[2]
LIBRARY = load_library(REPO / "prompts")
QUESTIONS = questions_from(LIBRARY.checkin)
RULES = LIBRARY.rules


def answers(**overrides: str | None) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "hands_on": "lt2",
        "critical_path": "no",
        "critical_path_what": None,
        "focus_blocks": "3",
        "energy": "70",
        "note": None,
    }
    values.update(overrides)
    return values


# -- validation ------------------------------------------------------------------------------
def test_a_complete_answer_is_valid() -> None:
    checkin, errors = validate(answers(note="  A good week  "), QUESTIONS, "2026-W10")
    assert errors == {}
    assert checkin == Checkin(
        period="2026-W10",
        status=ANSWERED,
        hands_on="lt2",
        critical_path="no",
        critical_path_what=None,
        focus_blocks=3,
        energy=70,
        note="A good week",
    )


def test_missing_answers_get_one_inline_error_each() -> None:
    checkin, errors = validate(
        {"hands_on": None, "critical_path": "", "focus_blocks": None, "energy": None},
        QUESTIONS,
        "2026-W10",
    )
    assert checkin is None
    assert set(errors) == {"hands_on", "critical_path", "focus_blocks", "energy"}
    assert all(len(msg) <= 2000 for msg in errors.values())


@pytest.mark.parametrize(
    ("overrides", "block"),
    [
        ({"hands_on": "lots"}, "hands_on"),
        ({"critical_path": "maybe"}, "critical_path"),
        ({"focus_blocks": "11"}, "focus_blocks"),
        ({"focus_blocks": "-1"}, "focus_blocks"),
        ({"energy": "55"}, "energy"),
        ({"energy": "110"}, "energy"),
        ({"note": "x" * 1001}, "note"),
        ({"critical_path": "yes", "critical_path_what": "y" * 301}, "critical_path_what"),
        ({"hands_on": "none", "critical_path": "yes"}, "critical_path"),
        ({"critical_path": "no", "critical_path_what": "the migration"}, "critical_path_what"),
    ],
)
def test_invalid_answers_are_refused_with_an_error_on_that_input(
    overrides: dict[str, str], block: str
) -> None:
    checkin, errors = validate(answers(**overrides), QUESTIONS, "2026-W10")
    assert checkin is None
    assert block in errors


def test_a_note_of_exactly_1000_characters_is_fine() -> None:
    checkin, errors = validate(answers(note="n" * 1000), QUESTIONS, "2026-W10")
    assert errors == {} and checkin is not None and checkin.note == "n" * 1000


@given(st.dictionaries(st.sampled_from(list(answers())), st.text(max_size=50) | st.none()))
def test_validation_never_crashes(values: dict[str, str | None]) -> None:
    checkin, errors = validate(values, QUESTIONS, "2026-W10")
    assert (checkin is None) == bool(errors)


def test_questions_come_from_checkin_yaml() -> None:
    assert QUESTIONS["hands_on"].label == LIBRARY.checkin["questions"]["hands_on"]["label"]
    assert QUESTIONS.none_value == "none"
    assert QUESTIONS["energy"].values()[0] == "0" and QUESTIONS["energy"].values()[-1] == "100"
    # anything missing from the content falls back to a built-in question
    assert questions_from({}).by_key.keys() == QUESTIONS.by_key.keys()


# -- follow-ups over weeks -------------------------------------------------------------------
class Diary:
    """A manager answering every Friday; the clock moves a week at a time."""

    def __init__(self) -> None:
        self.clock = FakeClock(datetime(2026, 1, 9, 14, 0, tzinfo=UTC))  # a Friday
        self.history: list[Checkin] = []

    def answer(self, *, skip: bool = False, **overrides: str | None) -> str | None:
        period = period_of(self.clock.now().date())
        self.clock.advance(timedelta(weeks=1))
        if skip:
            self.history.append(Checkin(period, status=SKIPPED))
            return None
        checkin, errors = validate(answers(**overrides), QUESTIONS, period)
        assert checkin is not None, errors
        chosen = choose_followup(checkin, self.history, RULES, QUESTIONS)
        self.history.append(checkin)
        return chosen.message_id

    def silence(self, weeks: int) -> None:
        self.clock.advance(timedelta(weeks=weeks))


def test_four_weeks_without_hands_on_work_earns_the_hands_warm_follow_up() -> None:
    diary = Diary()
    assert diary.answer(hands_on="gt10") == "followup-steady"
    chosen = [diary.answer(hands_on="none") for _ in range(5)]
    assert chosen == [
        "followup-steady",
        "followup-steady",
        "followup-steady",
        "followup-hands-warm",
        "followup-hands-warm",
    ]
    assert diary.answer(hands_on="lt2") == "followup-steady"


def test_the_hands_warm_follow_up_says_how_many_weeks() -> None:
    history = [
        Checkin(f"2026-W0{i}", hands_on="none", focus_blocks=2, energy=60) for i in (1, 2, 3)
    ]
    current = Checkin("2026-W04", hands_on="none", critical_path="no", focus_blocks=2, energy=60)
    (first, *_) = followups(current, history, RULES, QUESTIONS)
    assert first.message_id == "followup-hands-warm" and first.extra == {"weeks": 4}


def test_a_skipped_week_does_not_break_a_streak_but_a_long_silence_does() -> None:
    diary = Diary()
    diary.answer(hands_on="none")
    diary.answer(hands_on="none")
    diary.answer(skip=True)
    diary.answer(hands_on="none")
    assert diary.answer(hands_on="none") == "followup-hands-warm"  # 4 answers, 5 weeks

    diary = Diary()
    diary.answer(hands_on="none")
    diary.answer(hands_on="none")
    diary.silence(3)  # three weeks with no answer at all
    diary.answer(hands_on="none")
    assert diary.answer(hands_on="none") == "followup-steady"


def test_no_focus_blocks_two_weeks_running_earns_focus_advice() -> None:
    diary = Diary()
    assert diary.answer(focus_blocks="0") == "followup-steady"
    assert diary.answer(focus_blocks="0") == "followup-focus"
    assert diary.answer(focus_blocks="1") == "followup-steady"


def test_critical_path_work_earns_the_handoff_follow_up_with_what_it_was() -> None:
    diary = Diary()
    assert diary.answer(critical_path="yes", critical_path_what="the billing migration") == (
        "followup-handoff"
    )
    current = Checkin("2026-W10", hands_on="2to5", critical_path="yes", critical_path_what="x")
    assert choose_followup(current, [], RULES, QUESTIONS).extra == {"what": "x"}


def test_a_low_tank_comes_first_and_the_rest_are_mentioned() -> None:
    history = [Checkin("2026-W09", hands_on="2to5", focus_blocks=0, energy=50)]
    current = Checkin("2026-W10", hands_on="2to5", critical_path="yes", focus_blocks=0, energy=20)
    ids = [f.message_id for f in followups(current, history, RULES, QUESTIONS)]
    assert ids == ["followup-tank", "followup-handoff", "followup-focus", "followup-steady"]
    assert (
        choose_followup(
            Checkin("2026-W10", hands_on="2to5", focus_blocks=2, energy=30), [], RULES, QUESTIONS
        ).message_id
        == "followup-steady"
    )  # 30 is not below 30


def test_thresholds_come_from_rules_yaml() -> None:
    assert thresholds(RULES) == {
        "no_hands_on_weeks": RULES["checkin"]["no_hands_on_weeks"],
        "no_focus_weeks": RULES["checkin"]["no_focus_weeks"],
        "low_energy_percent": RULES["checkin"]["low_energy_percent"],
        "reminder_after_hours": RULES["checkin"]["reminder_after_hours"],
    }
    stricter: dict[str, Any] = {**RULES, "checkin": {**RULES["checkin"], "no_focus_weeks": 1}}
    current = Checkin("2026-W10", hands_on="2to5", focus_blocks=0, energy=80)
    assert choose_followup(current, [], stricter, QUESTIONS).message_id == "followup-focus"
    assert choose_followup(current, [], RULES, QUESTIONS).message_id == "followup-steady"


def test_recent_answers_ignores_later_weeks_and_non_answers() -> None:
    history = [
        Checkin("2026-W08", hands_on="none"),
        Checkin("2026-W09", status=SKIPPED),
        Checkin("2026-W11", hands_on="none"),  # after the current week: ignored
    ]
    current = Checkin("2026-W10", hands_on="none")
    assert [c.period for c in recent_answers(current, history)] == ["2026-W10", "2026-W08"]


@pytest.mark.parametrize(
    "message_id",
    [
        "followup-tank",
        "followup-handoff",
        "followup-hands-warm",
        "followup-focus",
        "followup-steady",
    ],
)
def test_every_follow_up_renders_to_valid_block_kit(message_id: str) -> None:
    extra = {"energy": 10, "what": "<!channel> & <@U0EVIL>", "weeks": 5}
    me = build_profile(SAMPLE_ASSESSMENT, RULES)
    also = followups(
        Checkin("2026-W10", hands_on="none", critical_path="no", focus_blocks=0, energy=10),
        [Checkin("2026-W09", hands_on="none", focus_blocks=0)],
        RULES,
        QUESTIONS,
    )
    for profile in (None, me):
        msg = followup_message(LIBRARY, Followup(message_id, extra, ""), profile, also)
        assert message_problems(msg) == []
        assert "<!channel>" not in repr(msg) and "<@U0EVIL>" not in repr(msg)


# -- enrolment parsing -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (None, None)),
        ("friday", (4, None)),
        ("Mon 9:30", (0, "09:30")),
        ("09:30 tuesday", (1, "09:30")),
        ("thurs at 3pm", (3, "15:00")),
        ("3 pm", (None, "15:00")),
        ("sundays 23:59", (6, "23:59")),
        ("wed 12am", (2, "00:00")),
        ("every friday at 16h30", (4, "16:30")),
    ],
)
def test_parse_when(text: str, expected: tuple[int | None, str | None]) -> None:
    assert parse_when(text) == expected


@pytest.mark.parametrize("text", ["blursday", "friday 25:00", "friday 9:75", "13pm", "fr"])
def test_parse_when_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(WhenError):
        parse_when(text)


def test_parse_time_forms() -> None:
    assert parse_time("7") == "07:00"
    assert parse_time("12pm") == "12:00"
    assert parse_time("9.05am") == "09:05"
    assert parse_time("noon") is None


def test_parse_pause_until() -> None:
    today = date(2026, 3, 4)
    assert parse_pause_until("until 2026-03-20", today) == date(2026, 3, 20)
    assert parse_pause_until("2026-03-05", today) == date(2026, 3, 5)
    for bad in ("until", "until tomorrow", "until 2026-03-04", "until 2027-06-01", "a b"):
        with pytest.raises(WhenError):
            parse_pause_until(bad, today)


# -- away ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("profile", "away"),
    [
        ({"status_emoji": ":palm_tree:", "status_text": ""}, True),
        ({"status_emoji": ":face_with_thermometer:"}, True),
        ({"status_text": "Vacationing"}, True),
        ({"status_text": "On vacation until Monday"}, True),
        ({"status_text": "OOO"}, True),
        ({"status_text": "out sick"}, True),
        ({"status_text": "Out of office"}, True),
        ({"status_text": "In a meeting", "status_emoji": ":spiral_calendar_pad:"}, False),
        ({"status_text": "Focusing"}, False),
        ({}, False),
    ],
)
def test_is_away(profile: dict[str, Any], away: bool) -> None:
    assert is_away(profile) is away


def test_an_expired_away_status_does_not_count() -> None:
    profile = {"status_emoji": ":palm_tree:", "status_expiration": 1_000}
    assert is_away(profile, now_epoch=999) is True
    assert is_away(profile, now_epoch=1_001) is False
    assert is_away({"status_emoji": ":palm_tree:", "status_expiration": 0}, now_epoch=5) is True


# -- periods ---------------------------------------------------------------------------------
def test_periods_are_iso_weeks_of_the_local_date() -> None:
    assert period_of(date(2026, 3, 6)) == "2026-W10"
    assert period_of(date(2027, 1, 1)) == "2026-W53"
    assert period_start("2026-W10") == date(2026, 3, 2)
    assert shift_period("2026-W01", -1) == "2025-W52"
    assert shift_period("2026-W53", 1) == "2027-W01"
    with pytest.raises(ValueError):
        period_start("2026-10")
