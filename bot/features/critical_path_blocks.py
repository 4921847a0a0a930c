"""The building blocks of the critical-path messages: the verdict's title and advice, the
task echoed back, the checklist's question buttons, and the state the buttons carry (nothing is
stored). critical_path.py assembles them into the replies."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.coaching.critical.classifier import Classification, Question, readable
from bot.content.blocks import actions, button, context, section
from bot.content.library import Library
from bot.content.markup import code, escape

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


def _words(found: Sequence[str]) -> str:
    unique = list(dict.fromkeys(found))[:3]
    return ", ".join(code(w) for w in unique)


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def explain(result: Classification) -> str:
    """One "Why: …" sentence for a classification (user words escaped with code())."""
    if result.decided_by == "empty":
        return "I couldn't find words I know in it, so I can't tell from the text alone."
    example = result.example
    if result.decided_by == "example" and example is not None:
        return f"it's like “{escape(example.text)}”: {escape(example.why)}"
    hand_off = [f"{escape(r)} ({_words(w)})" for r, w in result.reasons("hand_off")[:2]]
    keep = [f"{escape(r)} ({_words(w)})" for r, w in result.reasons("keep")[:2]]
    if result.verdict == "hand_off":
        if hand_off:
            return _join(hand_off) + "."
    elif result.verdict == "keep":
        if keep:
            return _join(keep) + "."
    elif result.decided_by == "conflict":
        return f"there are signs both ways: {_join(hand_off)}, but {_join(keep)}."
    else:
        either = [f"{escape(r)} ({_words(w)})" for r, w in result.reasons("ambiguous")[:1]]
        lead = hand_off[:1] or keep[:1] or either
        sentence = "the description doesn't say whether anyone is waiting on it"
        if lead:
            sentence += f"; all I have is that {lead[0]}"
        if (
            example is not None
            and example.verdict == "depends"
            and result.neighbours[0].similarity >= 0.3
        ):
            sentence += f". It's like “{escape(example.text)}”: {escape(example.why)}"
        return sentence + "."
    if example is not None:  # decided by similar examples rather than signal words
        label = verdict_info_label(example.verdict)
        return f"it's close to “{escape(example.text)}” ({label}): {escape(example.why)}"
    return "the balance of what it says points this way."


def verdict_info_label(verdict: str) -> str:
    return {"keep": "keep it", "hand_off": "hand it off", "depends": "it depends"}[verdict]


def questions_text(questions: Sequence[Question]) -> str:
    lines = [
        f"{i}. {escape(q.question)} _({q.hand_off_if} → hand it off)_"
        for i, q in enumerate(questions, 1)
    ]
    return "*Check it yourself*\n" + "\n".join(lines)


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


FOOTER = "Only you can see this. A rule of thumb, not a law: you know your team."


def footer(library: Library) -> str:
    return escape(reader_text(library, "footer") or FOOTER)


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
        return [button("Read: off the critical path", f"topic_open:{TOPIC_ID}", TOPIC_ID)]
    return []


def hand_off_rule(questions: Sequence[Question]) -> str:
    if all(q.hand_off_if == "yes" for q in questions):
        return "Any yes: hand it off. All no: keep it."
    return "Any answer that matches the hand-off side decides it; otherwise keep it."


def answered_context(questions: Sequence[Question], answers: Sequence[str]) -> list[dict[str, Any]]:
    if not answers:
        return []
    lines = [
        f"{escape(q.question)} *{ANSWER_WORDS[a]}*"
        for q, a in zip(questions, answers, strict=False)
    ]
    return [context("\n".join(lines))]
