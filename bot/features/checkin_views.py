"""Block Kit for the weekly check-in: the DM, the reminder, the modal and the answers to
button presses. Pure builders: data in, dicts out (every user-typed text is escaped)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.coaching.checkin_rules import NOTE_MAX, WHAT_MAX, Checkin, Question, Questions
from bot.coaching.followups import Followup
from bot.coaching.profile import Profile
from bot.content.blocks import actions, button, context, header, message, plain, section
from bot.content.compose import template_message
from bot.content.library import Library
from bot.content.markup import Trusted, escape
from bot.content.strings import Strings
from bot.delivery.timing import zone

# action_ids (the router matches the part before any ":")
START = "checkin_start"  # value: period → opens the modal
SKIP = "checkin_skip"  # value: period
LATER = "checkin_later"  # static_select; option values "2h|<period>", "tomorrow|<period>"
# the modal
MODAL = "checkin_modal"  # callback_id; private_metadata: {"period": …}
VALUE = "value"  # action_id of every input in the modal

FOCUS_MAX = 10  # the focus question's highest option
LATER_OPTIONS = (("2h", "In 2 hours"), ("tomorrow", "Tomorrow morning"))


def prompt_actions(period: str, block_id: str) -> dict[str, Any]:
    return actions(
        button("Start check-in", START, period, style="primary"),
        button("Skip this week", SKIP, period),
        {
            "type": "static_select",
            "action_id": LATER,
            "placeholder": plain("Remind me later", 150),
            "options": [
                {"text": plain(label, 75), "value": f"{key}|{period}"}
                for key, label in LATER_OPTIONS
            ],
        },
        block_id=block_id,
    )


def prompt_message(questions: Questions, period: str, privacy_note: str) -> dict[str, Any]:
    """The weekly DM; `privacy_note` names the configured command (prompts/strings)."""
    return message(
        "Your weekly check-in: a few quick questions about your week",
        [
            header("Weekly check-in"),
            section(questions.intro),
            prompt_actions(period, f"checkin_prompt_{period}"),
            context(privacy_note),
        ],
    )


def reminder_message(library: Library, period: str) -> dict[str, Any]:
    """The one gentle reminder (prompts/messages/checkin-reminder.md.j2) with the buttons."""
    msg = template_message(library, "checkin-reminder", None, {"period": period})
    msg["blocks"] = [*msg["blocks"], prompt_actions(period, f"checkin_reminder_{period}")]
    return msg


def note_message(text: str, *, replace: bool = False) -> dict[str, Any]:
    """A one-line answer; `replace` swaps out the message whose button was pressed."""
    msg = message(text, [section(text)])
    if replace:
        msg["replace_original"] = True
    return msg


def _options(question: Question) -> list[dict[str, Any]]:
    return [{"text": plain(o.label, 75), "value": o.value} for o in question.options]


def _initial(question: Question, value: object) -> dict[str, Any]:
    for option in _options(question):
        if value is not None and option["value"] == str(value):
            return {"initial_option": option}
    return {}


def _choice(
    question: Question, element: str, value: object, *, hint: bool = True
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": question.key,
        "label": plain(question.label, 2000),
        "element": {
            "type": element,
            "action_id": VALUE,
            "options": _options(question),
            **_initial(question, value),
        },
    }
    if element == "static_select":
        block["element"]["placeholder"] = plain("Choose…", 150)
    if hint and question.hint:
        block["hint"] = plain(question.hint, 2000)
    return block


def _text_input(
    question: Question, value: str | None, max_length: int, *, multiline: bool
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": multiline,
        "max_length": max_length,
    }
    if question.placeholder:
        element["placeholder"] = plain(question.placeholder, 150)
    if value:
        element["initial_value"] = value[:max_length]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": question.key,
        "optional": True,
        "label": plain(question.label, 2000),
        "element": element,
    }
    if question.hint:
        block["hint"] = plain(question.hint, 2000)
    return block


def checkin_modal(
    questions: Questions,
    period: str,
    existing: Checkin | None,
    week_label: str,
    measured: tuple[int, str] | None = None,
    *,
    strings: Strings,
) -> dict[str, Any]:
    """The check-in modal; pre-filled when this week was answered already. `measured` is
    (focus stretches, hint) from the person's calendar: it pre-fills the focus question of
    an unanswered week, and the hint says where the number came from."""
    answers = existing if existing is not None and existing.answered else Checkin(period)
    focus_question = questions["focus_blocks"]
    if measured is not None:
        count, hint = measured
        if answers.focus_blocks is None:
            answers = replace(answers, focus_blocks=min(count, FOCUS_MAX))
        focus_question = replace(focus_question, hint=hint)
    radio_limit = 10
    hands_on, critical = questions["hands_on"], questions["critical_path"]
    blocks = [
        section(
            strings.say("checkin_modal_intro", intro=Trusted(questions.intro), week=week_label)
        ),
        _choice(
            hands_on,
            "radio_buttons" if len(hands_on.options) <= radio_limit else "static_select",
            answers.hands_on,
        ),
        _choice(
            critical,
            "radio_buttons" if len(critical.options) <= radio_limit else "static_select",
            answers.critical_path,
        ),
        _text_input(
            questions["critical_path_what"], answers.critical_path_what, WHAT_MAX, multiline=False
        ),
        _choice(focus_question, "static_select", answers.focus_blocks),
        _choice(questions["energy"], "static_select", answers.energy),
        _text_input(
            questions["note"],
            answers.note,
            questions["note"].max_length or NOTE_MAX,
            multiline=True,
        ),
        context(strings.say("checkin_privacy_note")),
    ]
    return {
        "type": "modal",
        "callback_id": MODAL,
        "title": plain(strings.say("checkin_modal_title"), 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"period": period}),
        "blocks": blocks,
    }


def followup_message(
    library: Library, followup: Followup, me: Profile | None, also: Sequence[Followup]
) -> dict[str, Any]:
    """The follow-up DM after a check-in: one template, and a line naming anything else the
    answers raised (so one DM never turns into a lecture)."""
    msg = template_message(library, followup.message_id, me, followup.extra)
    others = [
        str(library.message(f.message_id).meta.get("title") or f.message_id)
        for f in also
        if f.message_id != "followup-steady" and f.message_id in library.messages
    ]
    tail = "Thanks for checking in. Your trends are on my Home tab."
    if others:
        tail = "Also worth a look this week: " + ", ".join(escape(o) for o in others) + ". " + tail
    msg["blocks"] = [*msg["blocks"], context(tail)]
    return msg


def done_message(strings: Strings, period_label: str) -> dict[str, Any]:
    return note_message(strings.say("checkin_done", week=period_label), replace=True)


def format_local(instant: datetime, tz_name: str) -> str:
    """`Friday 6 March at 15:00 (CET)`."""
    local = instant.astimezone(zone(tz_name))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({local.tzname() or tz_name})"
