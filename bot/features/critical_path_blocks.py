"""The building blocks of the critical-path messages: the verdict's title and advice, the
task echoed back, the checklist's question buttons, and the state the buttons carry (nothing is
stored). critical_path.py assembles them into the replies."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.coaching.critical.classifier import Question, readable
from bot.config import DEFAULT_COMMAND
from bot.content.blocks import actions, button, context, section
from bot.content.library import Library, StringText
from bot.content.markup import code, escape
from bot.content.strings import Strings

_strings: dict[int, tuple[Mapping[str, StringText], Strings]] = {}


def say(library: Library, string_id: str, /, **values: object) -> str:
    """A sentence of prompts/strings/critical_path.yaml. These messages are built from the
    library alone (the reader's tests call them so) and their sentences name no command."""
    texts = library.strings
    cached = _strings.get(id(texts))
    if cached is None or cached[0] is not texts:
        cached = _strings[id(texts)] = (texts, Strings(texts, command=DEFAULT_COMMAND))
    return cached[1].say(string_id, **values)


TASK_ECHO_CHARS = 200
TASK_STATE_CHARS = 300  # how much of the task rides along in the checklist buttons
ANSWER_CODES = {"yes": "y", "no": "n", "unsure": "u"}
CODE_ANSWERS = {v: k for k, v in ANSWER_CODES.items()}
ANSWER_WORDS = {"yes": "Yes", "no": "No", "unsure": "Not sure"}
TOPIC_ID = "critical-path"

_FALLBACK_VERDICTS: dict[str, dict[str, str]] = {
    "keep": {"emoji": "✅", "title": "Keep your hands warm with it", "advice": ""},
    "hand_off": {"emoji": "⛔", "title": "Hand it off", "advice": ""},
    "depends": {"emoji": "❓", "title": "It depends", "advice": ""},
}


def verdict_info(library: Library, verdict: str) -> dict[str, str]:
    raw = (library.critical_path.get("verdicts") or {}).get(verdict) or {}
    base = _FALLBACK_VERDICTS[verdict]
    return {k: str(raw.get(k) or base[k]) for k in ("emoji", "title", "advice")}


def task_echo(task: str) -> str:
    """The task as typed, made safe to show: markup read as text, one line, cut, escaped."""
    text = " ".join(readable(task).split())
    if len(text) > TASK_ECHO_CHARS:
        text = text[: TASK_ECHO_CHARS - 1].rstrip() + "…"
    return code(text)


def questions_text(library: Library, questions: Sequence[Question]) -> str:
    lines = [
        f"{i}. {escape(q.question)} _({q.hand_off_if} → hand it off)_"
        for i, q in enumerate(questions, 1)
    ]
    return say(library, "cp_check_it_yourself") + "\n" + "\n".join(lines)


def _state(answers: str, task: str) -> str:
    return json.dumps({"a": answers, "t": stored_task(task)}, ensure_ascii=False)


def stored_task(task: str) -> str:
    """The task as it rides along in button values: read as text, one line, cut, with `&`, `<`
    and `>` escaped so no markup survives even where Slack never renders it."""
    return escape(" ".join(readable(task).split()))[:TASK_STATE_CHARS]


def parse_state(value: str) -> tuple[list[str], str]:
    """(answers so far, task) from a checklist button value; garbage gives a fresh start."""
    try:
        raw = json.loads(value)
    except (ValueError, TypeError):
        return [], ""
    if not isinstance(raw, dict):
        return [], ""
    answers = [CODE_ANSWERS[c] for c in str(raw.get("a", ""))[:10] if c in CODE_ANSWERS]
    return answers, str(raw.get("t", ""))[:TASK_STATE_CHARS]


def question_blocks(
    questions: Sequence[Question], answers: Sequence[str], task: str
) -> list[dict[str, Any]]:
    """The next unanswered question with Yes / No / Not sure buttons."""
    n = len(answers)
    question = questions[n]
    codes = "".join(ANSWER_CODES[a] for a in answers)
    return [
        section(f"*Question {n + 1} of {len(questions)}*\n{escape(question.question)}"),
        actions(
            *(
                button(ANSWER_WORDS[a], f"cp_answer:{a}", _state(codes + ANSWER_CODES[a], task))
                for a in ("yes", "no", "unsure")
            ),
            block_id=f"cp_q{n + 1}",
        ),
    ]


def reader_text(library: Library, *keys: str) -> str:
    node: Any = library.critical_path.get("reader") or {}
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return str(node or "")


def footer(library: Library) -> str:
    return escape(reader_text(library, "footer") or say(library, "cp_footer"))


FACT_CODES = {"yes": "y", "no": "n"}


def _fact_state(answers: str, task: str) -> str:
    return json.dumps({"a": answers, "t": stored_task(task)}, ensure_ascii=False)


def parse_fact_state(value: str) -> tuple[str, str]:
    """(answers so far as "y"/"n" codes, task) from a deciding-question button value."""
    try:
        raw = json.loads(value)
    except (ValueError, TypeError):
        return "", ""
    if not isinstance(raw, dict):
        return "", ""
    codes = "".join(c for c in str(raw.get("a", ""))[:2] if c in "yn")
    return codes, str(raw.get("t", ""))[:TASK_STATE_CHARS]


def fact_question_blocks(task: str, answers: str, fact: str, question: str) -> list[dict[str, Any]]:
    """One deciding question with yes/no buttons that carry the answers so far."""
    return [
        section(f"*{escape(question)}*"),
        actions(
            *(
                button(ANSWER_WORDS[a], f"cp_fact:{a}", _fact_state(answers + FACT_CODES[a], task))
                for a in ("yes", "no")
            ),
            block_id=f"cp_fact_{fact}",
        ),
    ]


def task_value(task: str) -> str | None:
    """The task as a button value (None when empty: Slack rejects empty values)."""
    return stored_task(task) or None


def topic_button(library: Library) -> list[dict[str, Any]]:
    if TOPIC_ID in library.topics:
        label = say(library, "cp_read_topic")
        return [button(label, f"topic_open:{TOPIC_ID}", TOPIC_ID)]
    return []


def hand_off_rule(library: Library, questions: Sequence[Question]) -> str:
    if all(q.hand_off_if == "yes" for q in questions):
        return say(library, "cp_rule_any_yes")
    return say(library, "cp_rule_matching_side")


def answered_context(questions: Sequence[Question], answers: Sequence[str]) -> list[dict[str, Any]]:
    if not answers:
        return []
    lines = [
        f"{escape(q.question)} *{ANSWER_WORDS[a]}*"
        for q, a in zip(questions, answers, strict=False)
    ]
    return [context("\n".join(lines))]
