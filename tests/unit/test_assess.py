"""`/pendulum assess`: the modal, its validation, the once-only save, the reading rules and the
reading DM (handlers called directly; the scenario tests drive the real app)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest

from blockkit.validate import message_problems, view_problems
from bot.coaching.profile import GOALS, ROLES, Profile, build_profile
from bot.coaching.reading import (
    RulesError,
    make_reading,
    matches,
    next_step,
    next_step_source,
    recommended_topics,
)
from bot.features import assess_form as assess
from bot.features.assess import latest_assessment, reading_for, reading_message, save_once
from bot.features.assess_form import (
    GOAL,
    MONTHS_HANDS_ON,
    ROLE,
    YEARS_ENGINEERING,
    YEARS_MANAGING,
    Answers,
    assess_view,
    parse_number,
    validate,
)
from bot.router import run_command
from bot.services import Services
from tests.support.commands_fakes import (
    ROUTER,
    START,
    TEAM,
    USER,
    StubClient,
    client_fixture,
    command,
    library,
    row_counts,
    services_fixture,
    view_submission,
)
from tests.support.databases import dict_rows

RULES = library().rules
POSITIONS = [p["id"] for p in RULES["pendulum"]["positions"]]
MONTHS_FOR = {"hands_on": 3, "warm": 12, "cooling": 30, "rusty": 48, "tipping": 90}


services, client = services_fixture, client_fixture  # the shared fixtures


def profile(**changes: Any) -> Profile:
    row = {
        "role": "em",
        "years_engineering": 8,
        "years_managing": 4,
        "months_since_hands_on": 30,
        "goal": "undecided",
        **changes,
    }
    return build_profile(row, RULES)


def good_values(**changes: str | None) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        ROLE: "em",
        YEARS_ENGINEERING: "7",
        YEARS_MANAGING: "3",
        MONTHS_HANDS_ON: "18",
        GOAL: "stay",
    }
    values.update(changes)
    return values


def slack_state(values: dict[str, str | None]) -> dict[str, dict[str, Any]]:
    """`view.state.values` as Slack sends it for these block values."""
    state: dict[str, dict[str, Any]] = {}
    for block_id, value in values.items():
        if block_id in (ROLE, GOAL):
            option = {"value": value} if value else None
            state[block_id] = {"value": {"type": "static_select", "selected_option": option}}
        else:
            state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
    return state


# -- the modal ------------------------------------------------------------------------------


def test_the_modal_is_valid_block_kit() -> None:
    view = assess_view()
    assert view_problems(view) == []
    assert view["callback_id"] == "assess"
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [ROLE, YEARS_ENGINEERING, YEARS_MANAGING, MONTHS_HANDS_ON, GOAL]
    kinds = {b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds == {"static_select", "plain_text_input"}


def test_role_and_goal_options_match_the_profile_labels() -> None:
    assert {v for v, _ in assess.ROLE_OPTIONS} == set(ROLES)
    assert {v for v, _ in assess.GOAL_OPTIONS} == set(GOALS)


def test_the_modal_is_prefilled_from_the_last_assessment() -> None:
    view = assess_view(
        {
            "role": "director",
            "years_engineering": 9.0,
            "years_managing": 2.5,
            "months_since_hands_on": 40,
            "goal": "climb",
        }
    )
    assert view_problems(view) == []
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id[ROLE]["element"]["initial_option"]["value"] == "director"
    assert by_id[YEARS_ENGINEERING]["element"]["initial_value"] == "9"
    assert by_id[YEARS_MANAGING]["element"]["initial_value"] == "2.5"
    assert by_id[GOAL]["element"]["initial_option"]["value"] == "climb"


def test_assess_opens_the_modal_after_the_ack(services: Services, client: StubClient) -> None:
    reply = run_command(ROUTER, command(services, client, "assess"))
    assert reply.message is None and reply.later is not None
    assert client.calls == []  # nothing before the ack
    reply.later()
    (call,) = client.named("views_open")
    assert call.kwargs["trigger_id"] == "1337.42.abcdef"
    assert view_problems(call.kwargs["view"]) == []
    assert row_counts(services)["assessments"] == 0


def test_assess_without_a_trigger_id_explains(services: Services, client: StubClient) -> None:
    reply = run_command(ROUTER, command(services, client, "assess", trigger_id=None))
    assert reply.later is None and reply.message is not None
    assert message_problems(reply.message) == []


def test_start_button_opens_the_modal(services: Services, client: StubClient) -> None:
    from tests.support.commands_fakes import action

    handler = ROUTER.resolve_action("assess_open")
    assert handler is not None
    reply = handler(action(services, client, "assess_open", "start"))
    assert reply.later is not None
    reply.later()
    assert len(client.named("views_open")) == 1


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("2,5", 2.5),
        ("3 years", 3.0),
        ("3y", 3.0),
        ("0", 0.0),
        ("-1", -1.0),
        (".5", 0.5),
        ("٧", 7.0),
        ("seven", None),
        ("", None),
        ("1e3", None),
        ("nan", None),
        ("inf", None),
        ("7 months", None),
        ("3 4", None),
        (None, None),
    ],
)
def test_parse_years(raw: str | None, expected: float | None) -> None:
    assert parse_number(raw, units=assess._YEAR_UNITS) == expected


def test_valid_answers() -> None:
    answers, errors = validate(good_values(**{YEARS_MANAGING: "2.5 yrs", MONTHS_HANDS_ON: "6.4"}))
    assert errors == {}
    assert answers == Answers("em", 7.0, 2.5, 6, "stay")


@pytest.mark.parametrize(
    ("changes", "bad_block"),
    [
        ({YEARS_ENGINEERING: "seven"}, YEARS_ENGINEERING),
        ({YEARS_ENGINEERING: "-2"}, YEARS_ENGINEERING),
        ({YEARS_ENGINEERING: "61"}, YEARS_ENGINEERING),
        ({YEARS_ENGINEERING: "18 months"}, YEARS_ENGINEERING),
        ({YEARS_MANAGING: "lots"}, YEARS_MANAGING),
        ({YEARS_MANAGING: "-0.5"}, YEARS_MANAGING),
        ({YEARS_MANAGING: "70"}, YEARS_MANAGING),
        ({YEARS_ENGINEERING: "40", YEARS_MANAGING: "30"}, YEARS_MANAGING),
        ({MONTHS_HANDS_ON: "601"}, MONTHS_HANDS_ON),
        ({MONTHS_HANDS_ON: "-3"}, MONTHS_HANDS_ON),
        ({MONTHS_HANDS_ON: "two"}, MONTHS_HANDS_ON),
        ({MONTHS_HANDS_ON: "2 years"}, MONTHS_HANDS_ON),
        ({MONTHS_HANDS_ON: None}, MONTHS_HANDS_ON),
        ({ROLE: "king"}, ROLE),
        ({ROLE: None}, ROLE),
        ({GOAL: "<!channel>"}, GOAL),
    ],
)
def test_invalid_answers_name_the_block(changes: dict[str, str | None], bad_block: str) -> None:
    answers, errors = validate(good_values(**changes))
    assert answers is None
    assert set(errors) == {bad_block}
    assert all(0 < len(message) <= 150 for message in errors.values())


def test_several_errors_at_once() -> None:
    _, errors = validate(good_values(**{YEARS_ENGINEERING: "x", MONTHS_HANDS_ON: "9999"}))
    assert set(errors) == {YEARS_ENGINEERING, MONTHS_HANDS_ON}


# -- submit ---------------------------------------------------------------------------------


def submit(services: Services, client: StubClient, values: dict[str, str | None], **kw: Any) -> Any:
    handler = ROUTER.views["assess"]
    return handler(view_submission(services, client, slack_state(values), **kw))


def test_invalid_submit_shows_inline_errors_and_stores_nothing(
    services: Services, client: StubClient
) -> None:
    reply = submit(services, client, good_values(**{YEARS_MANAGING: "-1"}))
    assert reply.ack == {
        "response_action": "errors",
        "errors": {YEARS_MANAGING: reply.ack["errors"][YEARS_MANAGING]},
    }
    assert reply.later is None
    assert row_counts(services)["assessments"] == 0
    assert row_counts(services)["processed_requests"] == 0  # a fixed resubmit is not a repeat


def test_valid_submit_stores_one_row_closes_and_dms_the_reading(
    services: Services, client: StubClient
) -> None:
    reply = submit(services, client, good_values())
    assert reply.ack == {"response_action": "clear"}
    rows = dict_rows(services.store, "SELECT * FROM assessments")
    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("team_id", "user_id", "role", "goal")} == {
        "team_id": TEAM,
        "user_id": USER,
        "role": "em",
        "goal": "stay",
    }
    assert client.calls == []  # the DM goes after the ack
    reply.later()
    (dm,) = client.named("chat_postMessage")
    assert dm.kwargs["channel"] == USER
    assert message_problems({k: dm.kwargs[k] for k in ("text", "blocks")}) == []
    assert "Your pendulum reading" in repr(dm.kwargs["blocks"])


def test_double_submit_or_retry_stores_one_row(services: Services, client: StubClient) -> None:
    first = submit(services, client, good_values())
    second = submit(services, client, good_values())
    assert first.later is not None and second.later is None
    assert second.ack == {"response_action": "clear"}
    assert row_counts(services)["assessments"] == 1
    submit(services, client, good_values(), view_id="V0VIEW0002")  # a new modal: a new row
    assert row_counts(services)["assessments"] == 2


def test_latest_assessment_wins(services: Services) -> None:
    save_once(services.store, TEAM, USER, "V1", Answers("em", 8, 2, 10, "stay"), START)
    later = START + timedelta(days=1)
    save_once(services.store, TEAM, USER, "V2", Answers("director", 8, 6, 50, "climb"), later)
    save_once(services.store, "T0OTHER01", USER, "V3", Answers("ic", 1, 0, 0, "stay"), later)
    row = latest_assessment(services.store, TEAM, USER)
    assert row is not None and row["role"] == "director"


def test_reading_command(services: Services, client: StubClient) -> None:
    before = run_command(ROUTER, command(services, client, "reading"))
    assert before.message is not None and "assess_open" in repr(before.message)
    save_once(services.store, TEAM, USER, "V1", Answers("em", 8, 4, 30, "climb"), START)
    after = run_command(ROUTER, command(services, client, "reading"))
    assert after.message is not None and "Your next step" in repr(after.message)
    assert message_problems(after.message) == []


# -- the reading rules (pure) ---------------------------------------------------------------


def test_conditions() -> None:
    me = profile(role="em", goal="climb", years_managing=4, months_since_hands_on=48)
    assert matches({}, me) and matches(None, me)
    assert matches({"role": ["em", "senior_em"], "goal": "climb", "position": ["rusty"]}, me)
    assert matches({"years_managing_gte": 4, "years_managing_lt": 4.5}, me)
    assert not matches({"years_managing_lt": 4}, me)
    assert matches({"years_engineering_lt": 9}, me) and not matches({"years_engineering_lt": 8}, me)
    with pytest.raises(RulesError, match="unknown condition 'mood'"):
        matches({"mood": "happy"}, me)


def test_topics_are_collected_in_rule_order_deduped_and_capped() -> None:
    rules = {
        "recommendations": [
            {"when": {"goal": ["stay"]}, "topics": ["a", "b"]},
            {"when": {"goal": ["climb"]}, "topics": ["x"]},
            {"when": {}, "topics": ["b", "c", "d"]},
        ]
    }
    assert recommended_topics(rules, profile(goal="stay")) == ["a", "b", "c"]
    assert recommended_topics(rules, profile(goal="climb")) == ["x", "b", "c"]
    assert recommended_topics(rules, profile(goal="stay"), known={"b", "d"}) == ["b", "d"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"role": "vp_cto", "goal": "pendulum_back", "months_since_hands_on": 90},
            ["return", "rusty", "anxieties"],
        ),
        (
            {
                "role": "ic",
                "years_engineering": 3,
                "years_managing": 0,
                "months_since_hands_on": 0,
                "goal": "climb",
            },
            ["tour", "not-a-promotion", "archetypes"],
        ),
        (
            {"role": "em", "years_managing": 1, "goal": "stay", "months_since_hands_on": 12},
            ["tour", "not-a-promotion", "critical-path"],
        ),
        (
            {"role": "em", "goal": "climb", "months_since_hands_on": 12},
            ["ladder", "ladder-costs", "energy"],
        ),
    ],
)
def test_recommendations_from_rules_yaml(changes: dict[str, Any], expected: list[str]) -> None:
    assert recommended_topics(RULES, profile(**changes)) == expected


def test_next_step_falls_back_by_goal_then_position() -> None:
    rules = {
        "next_steps": {
            "stay": {"warm": "stay-warm", "default": "stay-any"},
            "default": {"rusty": "any-rusty", "default": "any-any"},
        }
    }
    assert next_step_source(rules, profile(goal="stay", months_since_hands_on=12)) == "stay-warm"
    assert next_step_source(rules, profile(goal="stay", months_since_hands_on=90)) == "stay-any"
    assert next_step_source(rules, profile(goal="climb", months_since_hands_on=48)) == "any-rusty"
    assert next_step_source(rules, profile(goal="climb", months_since_hands_on=1)) == "any-any"
    assert next_step_source({}, profile()) == ""


def test_next_steps_render_jinja_from_rules() -> None:
    step = next_step(RULES, profile(goal="pendulum_back", months_since_hands_on=12))
    assert f"{RULES['refresh_months']} months" in step and "{{" not in step


def test_values_printed_in_next_steps_are_escaped() -> None:
    rules = {"next_steps": {"default": {"default": "Hi {{ me.role_label }}"}}}
    assert next_step(rules, profile(role="<!channel>")) == "Hi &lt;!channel&gt;"


# every role × goal × position, with years managing and engineering cycling through edge cases
ALL_PROFILES = [
    (role, goal, position, managing, engineering)
    for (role, goal, position), managing, engineering in zip(
        itertools.product(sorted(ROLES), sorted(GOALS), POSITIONS),
        itertools.cycle([0, 1, 2, 5, 0.5]),
        itertools.cycle([1, 7, 15, 4]),
        strict=False,
    )
]


@pytest.mark.parametrize(("role", "goal", "position", "managing", "engineering"), ALL_PROFILES)
def test_every_profile_gets_a_valid_reading(
    role: str, goal: str, position: str, managing: float, engineering: float
) -> None:
    me = profile(
        role=role,
        goal=goal,
        months_since_hands_on=MONTHS_FOR[position],
        years_managing=managing,
        years_engineering=engineering,
    )
    assert me.position == position
    reading = make_reading(RULES, me, known_topics=list(library().topics))
    assert 2 <= len(reading.topics) <= 3
    assert all(t in library().topics for t in reading.topics)
    assert reading.next_step
    msg = reading_message(library(), reading_for(library(), me), "/pendulum")
    assert message_problems(msg) == []
    assert me.position_label in repr(msg)
    for topic in reading.topics:
        assert f"topic_open:{topic}" in repr(msg)


def test_every_recommended_topic_exists() -> None:
    for rule in RULES["recommendations"]:
        for topic in rule["topics"]:
            assert topic in library().topics, topic
