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

from collections.abc import Mapping, Sequence
from typing import Any

from bot.coaching.critical import reader as critical_reader
from bot.coaching.critical.classifier import (
    Model,
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
from bot.content.markup import Trusted, escape
from bot.features.critical_path_blocks import (
    ANSWER_WORDS,
    TASK_STATE_CHARS,
    answered_context,
    fact_question_blocks,
    footer,
    hand_off_rule,
    parse_fact_state,
    parse_state,
    question_blocks,
    questions_text,
    reader_text,
    say,
    task_echo,
    task_value,
    topic_button,
    verdict_info,
)
from bot.router import ActionContext, CommandContext, Reply, Router, Subcommand

SHORTCUT = "critical_path_check"
CHECKLIST_WORDS = ("?", "❓", "❔", ":question:", ":grey_question:", "checklist")

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


# -- messages -------------------------------------------------------------------------------


def reason(library: Library, reading: critical_reader.Reading) -> str:
    """ "Why: …" for a confident verdict: the user's deciding clause, quoted, and what it means."""
    fact = reading.decided_by or ""
    denied = reading.verdict == "keep" and fact in ("waiting", "date", "release")
    if fact == "wording":  # no stated fact: the reason says it goes by how the task is worded
        key = f"wording_{reading.verdict}"
    else:
        key = f"denied_{fact}" if denied else fact
    template = reader_text(library, "reasons", key)
    quoted = escape(critical_reader.quote(reading.clause))
    if not template:
        return say(library, "cp_you_wrote", quote=Trusted(quoted))
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
        question = reader_text(library, "questions", first) or first
        blocks += fact_question_blocks(task, "", first, question)
    elif questions:
        blocks.append(section(questions_text(library, questions)))
    blocks.append(
        actions(
            button(say(library, "cp_walk_checklist"), "cp_start", task_value(task)),
            *topic_button(library),
            block_id="cp_actions",
        )
    )
    blocks.append(context(footer(library)))
    # The notification text names the verdict only: user text stays inside escaped blocks.
    return message(f"{info['emoji']} {info['title']}", blocks)


def _asking_why(library: Library, task: str) -> str:
    """Why a ❓ asks: the deciding facts are missing, or the words point both ways (then it
    quotes both clauses, as typed)."""
    both = critical_reader.read(task).both_ways
    if both is None:
        return reader_text(library, "missing")
    keep, hand = (escape(critical_reader.quote(c)) for c in both)
    template = reader_text(library, "both_ways_one" if keep == hand else "both_ways")
    if not template:
        return reader_text(library, "missing")
    return template.replace("{quote}", keep).replace("{keep}", keep).replace("{hand}", hand)


def fact_message(library: Library, task: str, answers: str) -> dict[str, Any]:
    """❓ with the deciding questions as buttons, or ✅/⛔ once the answers settle it."""
    facts = critical_reader.QUESTION_FACTS
    given: dict[str, bool] = {facts[i]: code == "y" for i, code in enumerate(answers[: len(facts)])}
    verdict = critical_reader.answer(given)
    if verdict is None:
        info = verdict_info(library, "depends")
        fact = facts[len(given)]
        question = reader_text(library, "questions", fact) or fact
        blocks = [
            header(f"{info['emoji']} {info['title']}"),
            section(f"*Your task:* {task_echo(task)}\n*Why:* {_asking_why(library, task)}"),
        ]
        blocks += _fact_answers(library, given)
        blocks += [*fact_question_blocks(task, answers, fact, question), context(footer(library))]
        return message(f"{info['emoji']} {info['title']}", blocks)
    info = verdict_info(library, verdict)
    if verdict == "hand_off":
        yes = next(f for f in facts if given.get(f))
        why = reader_text(library, "answered_yes").replace(
            "{question}", escape(reader_text(library, "questions", yes))
        )
    else:
        why = reader_text(library, "answered_no")
    blocks = [
        header(f"{info['emoji']} {info['title']}"),
        section(f"*Your task:* {task_echo(task)}\n*Why:* {why}"),
    ]
    if info["advice"]:
        blocks.append(section(escape(info["advice"])))
    blocks += _fact_answers(library, given)
    blocks.append(
        actions(
            button(say(library, "cp_walk_checklist"), "cp_start", task_value(task)),
            *topic_button(library),
            block_id="cp_done",
        )
    )
    return message(f"{info['emoji']} {info['title']}", blocks)


def _fact_answers(library: Library, given: Mapping[str, bool]) -> list[dict[str, Any]]:
    if not given:
        return []
    lines = [
        f"{escape(reader_text(library, 'questions', fact))} *{'Yes' if yes else 'No'}*"
        for fact, yes in given.items()
    ]
    return [context("\n".join(lines))]


def language_message(library: Library, task: str) -> dict[str, Any]:
    """Not English: say so honestly and offer the checklist instead of a guess."""
    title = reader_text(library, "language", "title") or say(library, "cp_english_only")
    questions = checklist(library.critical_path)
    blocks = [
        header(f"🌐 {title}"),
        section(
            f"*Your task:* {task_echo(task)}\n{escape(reader_text(library, 'language', 'text'))}"
        ),
    ]
    if questions:
        blocks += question_blocks(questions, [], task)
        blocks.append(context(hand_off_rule(library, questions)))
    return message(title, blocks)


def checklist_message(
    library: Library, answers: Sequence[str] = (), task: str = "", *, note: str = ""
) -> dict[str, Any]:
    """One step of the checklist, or its verdict once the answers decide it."""
    questions = checklist(library.critical_path)
    if not questions:
        return message(
            say(library, "cp_checklist_missing_title"),
            [section(say(library, "cp_checklist_missing"))],
        )
    answers = list(answers)[: len(questions)]
    verdict = checklist_verdict(questions, answers)
    blocks: list[dict[str, Any]] = []
    if verdict is None:
        blocks.append(header(say(library, "cp_checklist_title")))
        if note:
            blocks.append(section(note))
        if task:
            blocks.append(section(f"*Your task:* {task_echo(task)}"))
        blocks += answered_context(questions, answers)
        blocks += question_blocks(questions, answers, task)
        blocks.append(context(hand_off_rule(library, questions)))
        return message("Critical-path checklist", blocks)
    info = verdict_info(library, verdict)
    decided = deciding_question(questions, answers)
    if decided is not None:
        answer = ANSWER_WORDS[decided.hand_off_if].lower()
        why = say(library, "cp_checklist_answered", answer=answer, question=decided.question)
    elif verdict == "keep":
        why = say(library, "cp_checklist_keep")
    else:
        why = say(library, "cp_checklist_unsure")
    blocks = [header(f"{info['emoji']} {info['title']}")]
    if task:
        blocks.append(section(f"*Your task:* {task_echo(task)}"))
    blocks.append(section(f"*Why:* {why}"))
    if info["advice"]:
        blocks.append(section(escape(info["advice"])))
    blocks += answered_context(questions, answers)
    blocks.append(
        actions(
            button("Start over", "cp_start", task_value(task)),
            *topic_button(library),
            block_id="cp_done",
        )
    )
    return message(f"{info['emoji']} {info['title']}", blocks)


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
            note = say(library, "cp_shortcut_no_text")
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
