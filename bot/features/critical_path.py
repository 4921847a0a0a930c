"""Is this task on my critical path? `/pendulum check <task>`, the checklist (`/pendulum check`
or `/pendulum ❓`), and the "Critical path?" message shortcut.

The verdict comes from the clause-level reader (`bot/coaching/critical/reader.py`): ✅ keep your
hands warm with it or ⛔ hand it off, with the user's own deciding words quoted; ❓ only when
the deciding facts are missing, and then the same message asks them ("Is anyone waiting on
it?", "Is there a date on it?") as buttons and turns into ✅ or ⛔ once answered. Text that
isn't English gets an honest "I only read English for now" and the checklist. The checklist is
a step-by-step ephemeral message: each Yes / No / Not sure button replaces it with the next
question until a verdict. State travels in the button values (nothing is stored).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.coaching.critical import reader as critical_reader
from bot.coaching.critical.classifier import (
    Classification,
    Model,
    Question,
    checklist,
    checklist_verdict,
    deciding_question,
    load_model,
    readable,
)
from bot.content.blocks import (
    actions,
    button,
    context,
    header,
    message,
    section,
)
from bot.content.library import Library
from bot.content.markup import code, escape
from bot.router import ActionContext, CommandContext, Reply, Router, Subcommand

SHORTCUT = "critical_path_check"
TASK_ECHO_CHARS = 200
TASK_STATE_CHARS = 300  # how much of the task rides along in the checklist buttons
ANSWER_CODES = {"yes": "y", "no": "n", "unsure": "u"}
CODE_ANSWERS = {v: k for k, v in ANSWER_CODES.items()}
ANSWER_WORDS = {"yes": "Yes", "no": "No", "unsure": "Not sure"}
TOPIC_ID = "critical-path"
CHECKLIST_WORDS = ("?", "❓", "❔", ":question:", ":grey_question:", "checklist")

_FALLBACK_VERDICTS: dict[str, dict[str, str]] = {
    "keep": {"emoji": "✅", "title": "Keep your hands warm with it", "advice": ""},
    "hand_off": {"emoji": "⛔", "title": "Hand it off", "advice": ""},
    "depends": {"emoji": "❓", "title": "It depends", "advice": ""},
}

_models: dict[int, tuple[Mapping[str, Any], Model]] = {}


def model_for(library: Library) -> Model:
    """The classifier for this content (built once per loaded critical_path.yaml)."""
    data = library.critical_path
    cached = _models.get(id(data))
    if cached is not None and cached[0] is data:
        return cached[1]
    model = load_model(data)
    _models[id(data)] = (data, model)
    return model


# -- pieces ---------------------------------------------------------------------------------


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


# -- messages -------------------------------------------------------------------------------


def _reader_text(library: Library, *keys: str) -> str:
    node: Any = library.critical_path.get("reader") or {}
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return str(node or "")


FOOTER = "Only you can see this. A rule of thumb, not a law: you know your team."


def footer(library: Library) -> str:
    return escape(_reader_text(library, "footer") or FOOTER)


def reason(library: Library, reading: critical_reader.Reading) -> str:
    """ "Why: …" for a confident verdict: the user's deciding clause, quoted, and what it means."""
    fact = reading.decided_by or ""
    denied = reading.verdict == "keep" and fact in ("waiting", "date", "release")
    if fact == "wording":  # no stated fact: the reason says it goes by how the task is worded
        key = f"wording_{reading.verdict}"
    else:
        key = f"denied_{fact}" if denied else fact
    template = _reader_text(library, "reasons", key)
    quoted = escape(critical_reader.quote(reading.clause))
    if not template:
        return f"you wrote “{quoted}”."
    return template.replace("{quote}", quoted)


def verdict_message(library: Library, task: str) -> dict[str, Any]:
    """The answer to `check <task>` and to the message shortcut."""
    reading = critical_reader.read(task)
    if not reading.english:
        return language_message(library, task)
    if reading.verdict == "depends":
        return fact_message(library, task, "")
    info = verdict_info(library, reading.verdict)
    questions = checklist(library.critical_path)
    blocks = [
        header(f"{info['emoji']} {info['title']}"),
        section(f"*Your task:* {task_echo(task)}\n*Why:* {reason(library, reading)}"),
    ]
    if info["advice"]:
        blocks.append(section(escape(info["advice"])))
    if reading.decided_by == "wording":  # a lean from the wording, not a stated fact: let
        first = critical_reader.QUESTION_FACTS[0]  # the user settle it with the facts instead
        question = _reader_text(library, "questions", first) or first
        blocks += _question_blocks(task, "", first, question)
    elif questions:
        blocks.append(section(questions_text(questions)))
    blocks.append(
        actions(
            button("Walk through the checklist", "cp_start", _task_value(task)),
            *_topic_button(library),
            block_id="cp_actions",
        )
    )
    blocks.append(context(footer(library)))
    # The notification text names the verdict only: user text stays inside escaped blocks.
    return message(f"{info['emoji']} {info['title']}", blocks)


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


def _question_blocks(task: str, answers: str, fact: str, question: str) -> list[dict[str, Any]]:
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


def _asking_why(library: Library, task: str) -> str:
    """Why a ❓ asks: the deciding facts are missing, or the words point both ways (then it
    quotes both clauses, as typed)."""
    both = critical_reader.read(task).both_ways
    if both is None:
        return _reader_text(library, "missing")
    keep, hand = (escape(critical_reader.quote(c)) for c in both)
    template = _reader_text(library, "both_ways_one" if keep == hand else "both_ways")
    if not template:
        return _reader_text(library, "missing")
    return template.replace("{quote}", keep).replace("{keep}", keep).replace("{hand}", hand)


def fact_message(library: Library, task: str, answers: str) -> dict[str, Any]:
    """❓ with the deciding questions as buttons, or ✅/⛔ once the answers settle it."""
    facts = critical_reader.QUESTION_FACTS
    given: dict[str, bool] = {facts[i]: code == "y" for i, code in enumerate(answers[: len(facts)])}
    verdict = critical_reader.answer(given)
    if verdict is None:
        info = verdict_info(library, "depends")
        fact = facts[len(given)]
        question = _reader_text(library, "questions", fact) or fact
        blocks = [
            header(f"{info['emoji']} {info['title']}"),
            section(f"*Your task:* {task_echo(task)}\n*Why:* {_asking_why(library, task)}"),
        ]
        blocks += _fact_answers(library, given)
        blocks += [*_question_blocks(task, answers, fact, question), context(footer(library))]
        return message(f"{info['emoji']} {info['title']}", blocks)
    info = verdict_info(library, verdict)
    if verdict == "hand_off":
        yes = next(f for f in facts if given.get(f))
        why = _reader_text(library, "answered_yes").replace(
            "{question}", escape(_reader_text(library, "questions", yes))
        )
    else:
        why = _reader_text(library, "answered_no")
    blocks = [
        header(f"{info['emoji']} {info['title']}"),
        section(f"*Your task:* {task_echo(task)}\n*Why:* {why}"),
    ]
    if info["advice"]:
        blocks.append(section(escape(info["advice"])))
    blocks += _fact_answers(library, given)
    blocks.append(
        actions(
            button("Walk through the checklist", "cp_start", _task_value(task)),
            *_topic_button(library),
            block_id="cp_done",
        )
    )
    return message(f"{info['emoji']} {info['title']}", blocks)


def _fact_answers(library: Library, given: Mapping[str, bool]) -> list[dict[str, Any]]:
    if not given:
        return []
    lines = [
        f"{escape(_reader_text(library, 'questions', fact))} *{'Yes' if yes else 'No'}*"
        for fact, yes in given.items()
    ]
    return [context("\n".join(lines))]


def language_message(library: Library, task: str) -> dict[str, Any]:
    """Not English: say so honestly and offer the checklist instead of a guess."""
    title = _reader_text(library, "language", "title") or "I only read English for now"
    questions = checklist(library.critical_path)
    blocks = [
        header(f"🌐 {title}"),
        section(
            f"*Your task:* {task_echo(task)}\n{escape(_reader_text(library, 'language', 'text'))}"
        ),
    ]
    if questions:
        blocks += question_blocks(questions, [], task)
        blocks.append(context(_hand_off_rule(questions)))
    return message(title, blocks)


def _task_value(task: str) -> str | None:
    """The task as a button value (None when empty: Slack rejects empty values)."""
    return stored_task(task) or None


def _topic_button(library: Library) -> list[dict[str, Any]]:
    if TOPIC_ID in library.topics:
        return [button("Read: off the critical path", f"topic_open:{TOPIC_ID}", TOPIC_ID)]
    return []


def _hand_off_rule(questions: Sequence[Question]) -> str:
    if all(q.hand_off_if == "yes" for q in questions):
        return "Any yes: hand it off. All no: keep it."
    return "Any answer that matches the hand-off side decides it; otherwise keep it."


def checklist_message(
    library: Library, answers: Sequence[str] = (), task: str = "", *, note: str = ""
) -> dict[str, Any]:
    """One step of the checklist, or its verdict once the answers decide it."""
    questions = checklist(library.critical_path)
    if not questions:
        return message(
            "The critical-path checklist is not set up.",
            [section("The critical-path checklist isn't set up in this workspace's content yet.")],
        )
    answers = list(answers)[: len(questions)]
    verdict = checklist_verdict(questions, answers)
    blocks: list[dict[str, Any]] = []
    if verdict is None:
        blocks.append(header("Is it on your critical path?"))
        if note:
            blocks.append(section(note))
        if task:
            blocks.append(section(f"*Your task:* {task_echo(task)}"))
        blocks += _answered(questions, answers)
        blocks += question_blocks(questions, answers, task)
        blocks.append(context(_hand_off_rule(questions)))
        return message("Critical-path checklist", blocks)
    info = verdict_info(library, verdict)
    decided = deciding_question(questions, answers)
    if decided is not None:
        answer = ANSWER_WORDS[decided.hand_off_if].lower()
        why = f"You answered *{answer}* to “{escape(decided.question)}”"
    elif verdict == "keep":
        why = "None of your answers puts it on the critical path."
    else:
        why = "You weren't sure about some of these. Find out, then run the checklist again."
    blocks = [header(f"{info['emoji']} {info['title']}")]
    if task:
        blocks.append(section(f"*Your task:* {task_echo(task)}"))
    blocks.append(section(f"*Why:* {why}"))
    if info["advice"]:
        blocks.append(section(escape(info["advice"])))
    blocks += _answered(questions, answers)
    blocks.append(
        actions(
            button("Start over", "cp_start", _task_value(task)),
            *_topic_button(library),
            block_id="cp_done",
        )
    )
    return message(f"{info['emoji']} {info['title']}", blocks)


def _answered(questions: Sequence[Question], answers: Sequence[str]) -> list[dict[str, Any]]:
    if not answers:
        return []
    lines = [
        f"{escape(q.question)} *{ANSWER_WORDS[a]}*"
        for q, a in zip(questions, answers, strict=False)
    ]
    return [context("\n".join(lines))]


# -- wiring ---------------------------------------------------------------------------------


def install(router: Router) -> None:
    def on_check(ctx: CommandContext) -> Reply:
        library = ctx.services.library
        if not readable(ctx.args).strip():
            return Reply(message=checklist_message(library))
        return Reply(message=verdict_message(library, ctx.args))

    def on_checklist(ctx: CommandContext) -> Reply:
        return Reply(message=checklist_message(ctx.services.library))

    def on_start(ctx: ActionContext) -> Reply:
        task = ctx.value[:TASK_STATE_CHARS]
        msg = checklist_message(ctx.services.library, (), task)
        return Reply(message={**msg, "replace_original": False})

    def on_answer(ctx: ActionContext) -> Reply:
        answers, task = parse_state(ctx.value)
        msg = checklist_message(ctx.services.library, answers, task)
        return Reply(message={**msg, "replace_original": True})

    def on_fact(ctx: ActionContext) -> Reply:
        answers, task = parse_fact_state(ctx.value)
        msg = fact_message(ctx.services.library, task, answers)
        return Reply(message={**msg, "replace_original": True})

    def on_shortcut(ctx: ActionContext) -> Reply:
        library = ctx.services.library
        text = str((ctx.body.get("message") or {}).get("text") or "")
        if not readable(text).strip():
            note = (
                ":information_source: That message has no text I can read, "
                "so let's use the checklist."
            )
            return Reply(message=checklist_message(library, note=note))
        return Reply(message=verdict_message(library, text))

    router.command(
        Subcommand(
            name="check",
            summary="is this task on your critical path? Keep it, hand it off, or it depends",
            example="check write the migration for Friday's launch",
            handler=on_check,
        )
    )
    router.command(
        Subcommand(
            name="checklist",
            summary="the critical-path checklist (or just `❓`), one yes/no question at a time",
            example="checklist",
            handler=on_checklist,
            aliases=tuple(w for w in CHECKLIST_WORDS if w != "checklist"),
        )
    )
    router.action("cp_start", on_start)
    router.action("cp_answer", on_answer)
    router.action("cp_fact", on_fact)
    router.shortcut(SHORTCUT, on_shortcut)
