"""The critical-path classifier (pure), the checklist, and `/pendulum check`, `checklist`/❓ and
the "Critical path?" message shortcut (handlers called directly)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from blockkit.validate import message_problems
from bot.coaching.critical import classifier as cp
from bot.coaching.critical.classifier import (
    checklist,
    checklist_verdict,
    classify,
    deciding_question,
    load_model,
    readable,
    stem,
    words,
)
from bot.features.critical_path import model_for, verdict_message
from bot.features.critical_path_blocks import parse_state
from bot.router import run_command
from bot.services import Services
from tests.support.commands_fakes import (
    ROUTER,
    StubClient,
    action,
    client_fixture,
    command,
    library,
    row_counts,
    services_fixture,
)

DATA = library().critical_path
MODEL = model_for(library())
EXAMPLES = DATA["examples"]
QUESTIONS = checklist(DATA)


# -- text handling --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("blocking", "block"),
        ("blocked", "block"),
        ("blocks", "block"),
        ("releases", "releas"),
        ("released", "releas"),
        ("release", "releas"),
        ("shipping", "ship"),
        ("dependencies", "dependency"),
        ("p3s", "p3"),
        ("bug", "bug"),
        ("reviews", "review"),
        ("pass", "pass"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_readable_turns_slack_markup_into_text() -> None:
    text = (
        "ping <@U123|ana> in <#C1|dev> <https://x.test|click> <!channel> <!subteam^S1|@ops> &amp;"
    )
    assert readable(text) == "ping @ana in #dev click @channel @ops &"
    assert readable("<@U123>") == "@U123"


def test_words_split_contractions_and_negations() -> None:
    assert words("Sam's PR isn't blocking") == ["sam", "pr", "is", "not", "blocking"]
    assert words("I'm the only one") == ["i", "m", "the", "only", "one"]


# -- the classifier -------------------------------------------------------------------------


def test_signals_are_loaded_from_critical_path_yaml() -> None:
    sides = {g.side for g in MODEL.groups}
    assert sides == {"hand_off", "keep", "ambiguous"}
    assert all(g.reason for g in MODEL.groups)
    assert len(MODEL.examples) == len(EXAMPLES) >= 45


@pytest.mark.parametrize("i", range(len(EXAMPLES)))
def test_every_example_is_classified_as_labelled(i: int) -> None:
    example = EXAMPLES[i]
    assert classify(MODEL, example["text"]).verdict == example["verdict"], example["text"]


def test_examples_are_classified_by_their_signals_alone_too() -> None:
    """Without the near-duplicate shortcut (each example left out of the model), the
    signals and the remaining examples still get every example right: leave-one-out."""
    right = 0
    misses = []
    for i, example in enumerate(EXAMPLES):
        result = classify(MODEL.without(i), example["text"])
        if result.verdict == example["verdict"]:
            right += 1
        else:
            misses.append((example["text"], example["verdict"], result.verdict))
    accuracy = right / len(EXAMPLES)
    print(f"\nleave-one-out accuracy: {right}/{len(EXAMPLES)} = {accuracy:.3f} misses={misses}")
    assert accuracy >= 0.9, misses


@pytest.mark.parametrize(
    ("task", "verdict"),
    [
        ("Write the hotfix the release is blocked on", "hand_off"),
        ("Fix the bug nobody is waiting on", "keep"),
        ("prototype nobody waits on", "keep"),
        ("Finish the feature, no deadline, no one depends on it", "keep"),
        ("Review Omar's migration PR", "keep"),
        ("Be the only reviewer for every merge", "hand_off"),
        ("Fix the P3 layout bug on the settings page", "keep"),
        ("Help a junior engineer debug their test, they own the fix", "keep"),
        ("Do stuff", "depends"),
    ],
)
def test_generalises_beyond_the_examples(task: str, verdict: str) -> None:
    assert classify(MODEL, task).verdict == verdict


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🙂🚀🔥",
        "日本語のタスクを書く",
        "Задача без английских слов",
        "```\ncode\n```",
        "<!channel>",
        "<@U123|bob>",
        "<https://example.com|click>",
        "x" * 5000,
        "deadline review " * 1000,
    ],
)
def test_weak_or_strange_input_is_depends_or_a_verdict_without_crashing(text: str) -> None:
    result = classify(MODEL, text)
    assert result.verdict in ("keep", "hand_off", "depends")
    if not any(c.isascii() and c.isalpha() for c in text):
        assert result.verdict == "depends"


def test_conflicting_evidence_is_depends() -> None:
    result = classify(MODEL, "Help with the data migration")
    assert result.verdict == "depends"
    assert result.reasons("hand_off") and result.reasons("keep")


def test_negated_hand_off_phrases_count_for_keeping() -> None:
    result = classify(MODEL, "Prototype a parser, it is not blocking anyone")
    assert result.verdict == "keep"
    assert any(hit.negated for hit in result.hits)


def test_classification_is_deterministic() -> None:
    task = "Own the performance work for the launch"
    assert classify(MODEL, task) == classify(load_model(DATA), task)


def test_long_text_is_read_only_up_to_a_cap() -> None:
    assert len(words("word " * 5000)) <= cp.MAX_CHARS


def test_bad_signals_are_reported() -> None:
    with pytest.raises(cp.ModelError, match="phrases"):
        load_model({"signals": {"keep": [{"weight": 1}]}})
    with pytest.raises(cp.ModelError, match="examples"):
        load_model({"examples": [{"text": "x", "verdict": "maybe"}]})


# -- the checklist (pure) -------------------------------------------------------------------


def test_checklist_has_three_to_four_questions() -> None:
    assert 3 <= len(QUESTIONS) <= 4


def hand_off_answer(i: int) -> str:
    return QUESTIONS[i].hand_off_if


def keep_answer(i: int) -> str:
    return "no" if QUESTIONS[i].hand_off_if == "yes" else "yes"


def test_checklist_verdicts() -> None:
    n = len(QUESTIONS)
    assert checklist_verdict(QUESTIONS, []) is None
    assert checklist_verdict(QUESTIONS, [keep_answer(0)]) is None
    assert checklist_verdict(QUESTIONS, [hand_off_answer(0)]) == "hand_off"
    all_keep = [keep_answer(i) for i in range(n)]
    assert checklist_verdict(QUESTIONS, all_keep) == "keep"
    assert checklist_verdict(QUESTIONS, [*all_keep[:-1], "unsure"]) == "depends"
    late = [*all_keep[:-1], hand_off_answer(n - 1)]
    assert checklist_verdict(QUESTIONS, late) == "hand_off"
    assert deciding_question(QUESTIONS, late) == QUESTIONS[-1]


# -- the feature ----------------------------------------------------------------------------


services, client = services_fixture, client_fixture  # the shared fixtures


def ask(services: Services, client: StubClient, text: str) -> dict[str, Any]:
    reply = run_command(ROUTER, command(services, client, text))
    assert reply.message is not None and reply.later is None
    assert message_problems(reply.message) == []
    assert client.calls == []
    return reply.message


def header_of(msg: dict[str, Any]) -> str:
    return str(msg["blocks"][0]["text"]["text"])


def buttons(msg: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in msg["blocks"] for e in b.get("elements", []) if e.get("type") == "button"]


@pytest.mark.parametrize(
    ("task", "emoji"),
    [
        ("write the migration for Friday's launch", "⛔"),
        ("review Priya's PR", "✅"),
        ("refactor the auth module", "❓"),
    ],
)
def test_check_answers_with_verdict_reason_and_checklist(
    services: Services, client: StubClient, task: str, emoji: str
) -> None:
    msg = ask(services, client, f"check {task}")
    assert header_of(msg).startswith(emoji)
    text = repr(msg)
    assert "*Why:*" in text and "*Your task:*" in text
    if emoji == "❓":  # the deciding questions, asked in the same message
        assert [b["text"]["text"] for b in buttons(msg)] == ["Yes", "No"]
        assert "Is anyone waiting on it?" in text
    else:
        for question in QUESTIONS:
            assert escape_free(question.question) in text
        assert any(b["action_id"] == "cp_start" for b in buttons(msg))


def escape_free(text: str) -> str:
    return text.replace("'", "\\'")


@pytest.mark.parametrize("text", ["check", "check   ", "checklist", "❓", "?", ":question:"])
def test_check_alone_or_question_mark_shows_the_checklist(
    services: Services, client: StubClient, text: str
) -> None:
    msg = ask(services, client, text)
    assert header_of(msg) == "Is it on your critical path?"
    assert [b["text"]["text"] for b in buttons(msg)] == ["Yes", "No", "Not sure"]


def test_check_escapes_what_it_echoes(services: Services, client: StubClient) -> None:
    msg = ask(services, client, "check <!channel> <@U123|bob> <https://evil.test|click> `x`")
    text = json.dumps(msg)
    assert "<!channel>" not in text and "<@U123" not in text and "<https://" not in text
    assert "@bob" in text


def test_check_with_a_huge_task(services: Services, client: StubClient) -> None:
    msg = ask(services, client, "check " + "write the launch plan " * 300)
    assert all(len(b.get("value", "")) <= 2000 for b in buttons(msg))


def click(services: Services, client: StubClient, button: dict[str, Any]) -> dict[str, Any]:
    handler = ROUTER.resolve_action(button["action_id"])
    assert handler is not None
    reply = handler(action(services, client, button["action_id"], button.get("value")))
    assert reply.message is not None
    assert message_problems(reply.message) == []
    return dict(reply.message)


def press(
    services: Services, client: StubClient, msg: dict[str, Any], label: str
) -> dict[str, Any]:
    (button,) = [b for b in buttons(msg) if b["text"]["text"] == label]
    return click(services, client, button)


def test_walk_through_to_keep(services: Services, client: StubClient) -> None:
    msg = ask(services, client, "check")
    for i in range(len(QUESTIONS)):
        assert f"Question {i + 1} of {len(QUESTIONS)}" in repr(msg)
        msg = press(services, client, msg, "No" if keep_answer(i) == "no" else "Yes")
        assert msg["replace_original"] is True
    assert header_of(msg).startswith("✅")
    assert "Start over" in repr(msg)


def test_walk_through_stops_at_the_first_hand_off_answer(
    services: Services, client: StubClient
) -> None:
    msg = ask(services, client, "check refactor the auth module")
    msg = press(services, client, msg, "Yes" if hand_off_answer(0) == "yes" else "No")
    assert header_of(msg).startswith("⛔")
    assert "refactor the auth module" in repr(msg)  # the task rides along in the buttons


def test_not_sure_ends_in_depends(services: Services, client: StubClient) -> None:
    msg = ask(services, client, "check")
    for i in range(len(QUESTIONS)):
        label = "Not sure" if i == 0 else ("No" if keep_answer(i) == "no" else "Yes")
        msg = press(services, client, msg, label)
    assert header_of(msg).startswith("❓")


def test_start_button_from_a_verdict(services: Services, client: StubClient) -> None:
    msg = ask(services, client, "check review Priya's PR")
    step = press(services, client, msg, "Walk through the checklist")
    assert "Question 1" in repr(step) and "review Priya" in repr(step)
    assert step["replace_original"] is False


@pytest.mark.parametrize(
    "value", ["", "not json", "[]", '{"a": "zzzz", "t": 5}', '{"a": "yyyyyyyyyyyy"}']
)
def test_forged_checklist_state_is_harmless(
    services: Services, client: StubClient, value: str
) -> None:
    handler = ROUTER.resolve_action("cp_answer:yes")
    assert handler is not None
    reply = handler(action(services, client, "cp_answer:yes", value))
    assert reply.message is not None and message_problems(reply.message) == []
    parse_state(value)


def shortcut(services: Services, client: StubClient, text: str | None) -> dict[str, Any]:
    handler = ROUTER.shortcuts["critical_path_check"]
    body = {
        "type": "message_action",
        "callback_id": "critical_path_check",
        "message": {"type": "message", "text": text} if text is not None else {},
    }
    reply = handler(action(services, client, "", None, body=body))
    assert reply.message is not None and message_problems(reply.message) == []
    return dict(reply.message)


def test_message_shortcut_gives_the_same_verdict(services: Services, client: StubClient) -> None:
    task = "Can you write the migration for Friday's launch? You're the only one who knows it"
    assert shortcut(services, client, task) == verdict_message(library(), task)
    assert header_of(shortcut(services, client, task)).startswith("⛔")


@pytest.mark.parametrize("text", [None, "", "<@U123>", "   "])
def test_message_shortcut_on_a_message_without_text(
    services: Services, client: StubClient, text: str | None
) -> None:
    msg = shortcut(services, client, text)
    if text in (None, "", "   "):
        assert header_of(msg) == "Is it on your critical path?"


def test_nothing_is_stored(services: Services, client: StubClient) -> None:
    before = row_counts(services)
    msg = ask(services, client, "check write the launch plan")
    press(services, client, ask(services, client, "check"), "Yes")
    shortcut(services, client, "ship it")
    assert msg and row_counts(services) == before
