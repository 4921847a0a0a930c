"""`/pendulum assess`: a short self-assessment modal, stored once, answered with a reading.

Flow: the command acks at once and opens the modal from the worker (the trigger_id lives 3 s);
the submission is validated before the ack (inline errors, keyed by block_id), stored exactly
once per view (Slack retries and double clicks included), and the modal closes; the personal
reading is then sent as a DM from the worker.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import meta

from bot.coaching.profile import GOALS, ROLES, Profile, build_profile
from bot.coaching.reading import Reading, make_reading
from bot.content.blocks import actions, button, context, divider, header, message, section
from bot.content.compose import template_message
from bot.content.library import Library
from bot.content.markup import escape
from bot.content.render import environment
from bot.router import ActionContext, CommandContext, Reply, Router, Subcommand, ViewContext
from bot.slack.listeners.common import answer_privately
from bot.store.db import Store
from bot.store.people import latest_assessment
from bot.store.requests import first_time

CALLBACK_ID = "assess"
VALUE = "value"  # the action_id of every input's element

# block_ids: Slack keys inline errors by these.
ROLE = "assess_role"
YEARS_ENGINEERING = "assess_years_engineering"
YEARS_MANAGING = "assess_years_managing"
MONTHS_HANDS_ON = "assess_months_hands_on"
GOAL = "assess_goal"

MAX_YEARS = 60
MAX_MONTHS = 600

ROLE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("ic", "Individual contributor (engineer)"),
    ("tech_lead", "Tech lead"),
    ("em", "Engineering manager"),
    ("senior_em", "Senior engineering manager"),
    ("director", "Director"),
    ("vp_cto", "VP of engineering or CTO"),
)
GOAL_OPTIONS: tuple[tuple[str, str], ...] = (
    ("pendulum_back", "Swing the pendulum back (to hands-on, or to managing again)"),
    ("climb", "Climb the management ladder"),
    ("stay", "Stay where I am and do it well"),
    ("undecided", "Undecided"),
)

_NUMBER = re.compile(
    r"^(?P<num>[+-]?\d+(?:[.,]\d+)?|[+-]?[.,]\d+)\s*(?P<unit>[^\d\s.,+-][^\d]*)?$", re.UNICODE
)
_YEAR_UNITS = {"y", "yr", "yrs", "year", "years", "ys"}
_MONTH_UNITS = {"m", "mo", "mos", "mth", "mths", "month", "months"}


# -- the modal ------------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label[:75], "emoji": True}, "value": value}


def _select(
    block_id: str, label: str, options: tuple[tuple[str, str], ...], initial: str | None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": VALUE,
        "placeholder": {"type": "plain_text", "text": "Choose one"},
        "options": [_option(v, text) for v, text in options],
    }
    chosen = [o for o in element["options"] if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def _number_input(
    block_id: str, label: str, hint: str, placeholder: str, initial: object | None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "placeholder": {"type": "plain_text", "text": placeholder},
        "max_length": 20,
    }
    if initial is not None and initial != "":
        element["initial_value"] = _format_number(float(str(initial)))
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "hint": {"type": "plain_text", "text": hint},
        "element": element,
    }


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def assess_view(
    previous: Mapping[str, Any] | None = None, origin: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The self-assessment modal, pre-filled with the person's last answers if any. `origin`
    (channel and response_url of a command typed in a channel) rides in private_metadata, so
    the submit can say there that the reading went to the DM."""
    prev = previous or {}
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps(dict(origin or {}))[:3000],
        "title": {"type": "plain_text", "text": "Where are you now?"},
        "submit": {"type": "plain_text", "text": "Get my reading"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(
                "Five quick questions. I'll tell you where you are on the engineer/manager "
                "pendulum, which topics matter most right now, and one next step. "
                "Only you see your answers and your reading."
            ),
            _select(ROLE, "Your current role", ROLE_OPTIONS, prev.get("role")),
            _number_input(
                YEARS_ENGINEERING,
                "Years as an engineer before you first managed",
                "If you have never managed, your years as an engineer so far. 0 to 60.",
                "e.g. 7",
                prev.get("years_engineering"),
            ),
            _number_input(
                YEARS_MANAGING,
                "Years managing, in total",
                "0 if you have never managed. Half years are fine, e.g. 2.5.",
                "e.g. 3",
                prev.get("years_managing"),
            ),
            _number_input(
                MONTHS_HANDS_ON,
                "Months since your last substantial hands-on work",
                "Real engineering: shipping code, owning a system. 0 if you do it now.",
                "e.g. 18",
                prev.get("months_since_hands_on"),
            ),
            _select(GOAL, "What do you want next?", GOAL_OPTIONS, prev.get("goal")),
        ],
    }


# -- validation (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    role: str
    years_engineering: float
    years_managing: float
    months_since_hands_on: int
    goal: str

    def as_row(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "years_engineering": self.years_engineering,
            "years_managing": self.years_managing,
            "months_since_hands_on": self.months_since_hands_on,
            "goal": self.goal,
        }


def parse_number(raw: str | None, *, units: set[str]) -> float | None:
    """A non-negative-or-negative decimal from what someone typed ("7", "2,5", "3 years")."""
    if raw is None:
        return None
    match = _NUMBER.match(raw.strip())
    if not match:
        return None
    unit = (match.group("unit") or "").strip().lower().rstrip(".")
    if unit and unit not in units:
        return None
    try:
        return float(match.group("num").replace(",", "."))
    except ValueError:
        return None


def _years(raw: str | None, errors: dict[str, str], block_id: str, what: str) -> float:
    value = parse_number(raw, units=_YEAR_UNITS)
    if value is None:
        if raw is not None and parse_number(raw, units=_MONTH_UNITS) is not None:
            errors[block_id] = "Please give this in years (e.g. 1.5 for 18 months)."
        else:
            errors[block_id] = f"Enter {what} as a number, like 7 or 2.5."
    elif value < 0:
        errors[block_id] = "That can't be negative. Use 0 for none."
    elif value > MAX_YEARS:
        errors[block_id] = f"That's more than {MAX_YEARS} years. Please check the number."
    else:
        return round(value, 1)
    return 0.0


def validate(values: Mapping[str, str | None]) -> tuple[Answers | None, dict[str, str]]:
    """Answers from the submitted values (keyed by block_id), or inline errors by block_id."""
    errors: dict[str, str] = {}
    role = values.get(ROLE)
    if role not in ROLES:
        errors[ROLE] = "Choose the role closest to yours."
    goal = values.get(GOAL)
    if goal not in GOALS:
        errors[GOAL] = "Choose what you want next (undecided is a fine answer)."
    years_engineering = _years(
        values.get(YEARS_ENGINEERING), errors, YEARS_ENGINEERING, "your years as an engineer"
    )
    years_managing = _years(
        values.get(YEARS_MANAGING), errors, YEARS_MANAGING, "your years managing"
    )
    raw_months = values.get(MONTHS_HANDS_ON)
    months = parse_number(raw_months, units=_MONTH_UNITS)
    if months is None:
        if raw_months is not None and parse_number(raw_months, units=_YEAR_UNITS) is not None:
            errors[MONTHS_HANDS_ON] = "Please give this in months (e.g. 24 for two years)."
        else:
            errors[MONTHS_HANDS_ON] = "Enter a number of months, like 0, 6 or 30."
    elif months < 0:
        errors[MONTHS_HANDS_ON] = "That can't be negative. Use 0 if you're hands-on now."
    elif months > MAX_MONTHS:
        errors[MONTHS_HANDS_ON] = f"That's more than {MAX_MONTHS} months (50 years). Please check."
    if (
        YEARS_ENGINEERING not in errors
        and YEARS_MANAGING not in errors
        and years_engineering + years_managing > MAX_YEARS
    ):
        errors[YEARS_MANAGING] = (
            f"Together with your engineering years that's over {MAX_YEARS} years. "
            "Please check both numbers."
        )
    if errors or months is None or role is None or goal is None:
        return None, errors
    return (
        Answers(
            role=role,
            years_engineering=years_engineering,
            years_managing=years_managing,
            months_since_hands_on=round(months),
            goal=goal,
        ),
        {},
    )


def submitted_values(ctx: ViewContext) -> dict[str, str | None]:
    return {
        block_id: ctx.value(block_id, VALUE)
        for block_id in (ROLE, YEARS_ENGINEERING, YEARS_MANAGING, MONTHS_HANDS_ON, GOAL)
    }


# -- storage --------------------------------------------------------------------------------


def profile_for(
    store: Store, library: Library, team_id: str, user_id: str, now: datetime
) -> Profile | None:
    """`me` for templates: the latest assessment aged to `now`, or None without one."""
    row = latest_assessment(store, team_id, user_id)
    if row is None:
        return None
    try:
        return build_profile(row, library.rules, now)
    except (KeyError, TypeError, ValueError):
        return None  # a row the current rules can't read: answer unpersonalised


def save_once(
    store: Store, team_id: str, user_id: str, view_id: str, answers: Answers, now: datetime
) -> dict[str, Any] | None:
    """Store the assessment unless this view was already stored; the stored row, or None for
    a repeat. The dedupe key and the row are written in one transaction."""
    row = {
        "team_id": team_id,
        "user_id": user_id,
        **answers.as_row(),
        "created_at": now.isoformat(),
    }
    with store.write() as db:
        if view_id and not first_time(store, team_id, f"view:{view_id}", now):
            return None
        db.table("assessments").insert(row)
    return row


# -- the reading ----------------------------------------------------------------------------


def reading_for(library: Library, me: Profile) -> Reading:
    return make_reading(library.rules, me, known_topics=list(library.topics))


def _template_uses(library: Library, message_id: str, name: str) -> bool:
    """Whether a message template prints `name` itself (then the blocks don't repeat it)."""
    template = library.messages.get(message_id)
    return template is not None and name in _variables(template.body)


@functools.lru_cache(maxsize=32)
def _variables(source: str) -> frozenset[str]:

    try:
        return frozenset(meta.find_undeclared_variables(environment().parse(source)))
    except Exception:
        return frozenset()


def reading_message(library: Library, reading: Reading, command: str) -> dict[str, Any]:
    """The reading DM: the `reading` template (position and goal), then the topics that
    matter most now as buttons, then one next step."""
    me = reading.profile
    topics = [library.topics[t] for t in reading.topics if t in library.topics]
    extra = {
        "topics": [{"id": t.id, "title": t.title, "summary": t.summary} for t in topics],
        "next_step": reading.next_step,
    }
    if "reading" in library.messages:
        base = template_message(library, "reading", me, extra)
        blocks = list(base["blocks"])
        text = str(base["text"])
    else:
        blocks = [
            header("Your pendulum reading"),
            section(f"*You're here: {escape(me.position_label)}.* {escape(me.position_summary)}"),
        ]
        text = f"Your pendulum reading: {me.position_label}"
    if topics and not _template_uses(library, "reading", "topics"):
        blocks.append(divider())
        blocks.append(section("*What matters most for you now*"))
        for topic in topics:
            blocks.append(
                section(
                    f"*{escape(topic.title)}*\n{escape(topic.summary)}",
                    accessory=button("Read", f"topic_open:{topic.id}", topic.id),
                    block_id=f"reading_topic_{topic.id}",
                )
            )
    if reading.next_step and not _template_uses(library, "reading", "next_step"):
        blocks.append(section(f":point_right: *Your next step*\n{reading.next_step}"))
    blocks.append(
        actions(
            button("Check a task", "cp_start"),
            button("All topics", "topics_list", "all"),
            block_id="reading_actions",
        )
    )
    blocks.append(
        context(
            f"Only you can see this. Your answers age with you: months since hands-on keep "
            f"counting. Run `{command} assess` again whenever things change."
        )
    )
    return message(text, blocks)


# -- wiring ---------------------------------------------------------------------------------


def origin_of(ctx: CommandContext | ActionContext) -> dict[str, str]:
    """Where `assess` was typed, when that is a channel rather than a DM."""
    channel = ctx.channel_id or ""
    if not channel or channel.startswith("D"):
        return {}
    origin = {"channel": channel}
    if ctx.response_url:
        origin["response_url"] = ctx.response_url
    return origin


def submitted_origin(view: Mapping[str, Any]) -> dict[str, str]:
    try:
        meta = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    if not isinstance(meta, dict):
        return {}
    return {k: str(v) for k, v in meta.items() if k in ("channel", "response_url") and v}


def reading_sent_message() -> dict[str, Any]:
    return message(
        "Your reading is in our DM",
        [section(":incoming_envelope: Thanks! Your reading is in our DM (only you can see it).")],
    )


def no_assessment_message(command: str) -> dict[str, Any]:
    return message(
        "You haven't done the self-assessment yet.",
        [
            section(
                "You haven't done the self-assessment yet. It's five questions, and I answer "
                "with where you are on the pendulum, what to read now, and one next step."
            ),
            actions(
                button("Start the assessment", "assess_open", "start", style="primary"),
                block_id="assess_start",
            ),
            context(f"Or type `{command} assess`. Only you see your answers."),
        ],
    )


def install(router: Router) -> None:
    def open_modal_later(ctx: CommandContext | ActionContext) -> Reply:
        if not ctx.trigger_id:
            return Reply(
                message=message(
                    "I can't open the form from here.",
                    [
                        section(
                            ":warning: I can't open the assessment form from here. "
                            f"Try `{ctx.services.command} assess` again from a message box."
                        )
                    ],
                )
            )
        trigger_id = ctx.trigger_id
        origin = origin_of(ctx)

        def open_modal() -> None:
            # trigger_id expires 3 s after the click or command: one local read, then open.
            try:
                previous = latest_assessment(ctx.services.store, ctx.team_id, ctx.user_id)
                view = assess_view(previous, origin)
            except Exception:  # an unreadable old row must not cost the user the modal
                view = assess_view(None, origin)
            ctx.client.views_open(trigger_id=trigger_id, view=view)

        return Reply(later=open_modal)

    def on_assess(ctx: CommandContext) -> Reply:
        return open_modal_later(ctx)

    def on_open_button(ctx: ActionContext) -> Reply:
        return open_modal_later(ctx)

    def on_reading(ctx: CommandContext) -> Reply:
        services = ctx.services
        me = profile_for(
            services.store, services.library, ctx.team_id, ctx.user_id, services.clock.now()
        )
        if me is None:
            return Reply(message=no_assessment_message(services.command))
        reading = reading_for(services.library, me)
        return Reply(message=reading_message(services.library, reading, services.command))

    def on_submit(ctx: ViewContext) -> Reply:
        answers, errors = validate(submitted_values(ctx))
        if answers is None:
            return Reply(ack={"response_action": "errors", "errors": errors})
        services = ctx.services
        now = services.clock.now()
        view_id = str(ctx.view.get("id") or "")
        row = save_once(services.store, ctx.team_id, ctx.user_id, view_id, answers, now)
        if row is None:  # a retry or double submit: already stored and answered
            return Reply(ack={"response_action": "clear"})
        me = build_profile(row, services.library.rules, now)
        msg = reading_message(services.library, reading_for(services.library, me), services.command)

        origin = submitted_origin(ctx.view)

        def send_reading() -> None:
            ctx.client.chat_postMessage(channel=ctx.user_id, **msg)
            if origin.get("channel"):  # typed in a channel: say there where the reading went
                answer_privately(
                    ctx.client,
                    reading_sent_message(),
                    user_id=ctx.user_id,
                    channel_id=origin["channel"],
                    response_url=origin.get("response_url"),
                )

        return Reply(ack={"response_action": "clear"}, later=send_reading)

    router.command(
        Subcommand(
            name="assess",
            summary="a 30-second self-assessment; I answer with your personal reading",
            example="assess",
            handler=on_assess,
            aliases=("assessment", "self-assessment"),
        )
    )
    router.command(
        Subcommand(
            name="reading",
            summary="your personal reading again, from your latest assessment",
            example="reading",
            handler=on_reading,
            aliases=("me",),
        )
    )
    router.view(CALLBACK_ID, on_submit)
    router.action("assess_open", on_open_button)
