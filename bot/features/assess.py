"""`/pendulum assess`: a short self-assessment modal, stored once, answered with a reading.

Flow: the command acks at once and opens the modal from the worker (the trigger_id lives 3 s);
the submission is validated before the ack (inline errors, keyed by block_id), stored exactly
once per view (Slack retries and double clicks included), and the modal closes; the personal
reading is then sent as a DM from the worker.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jinja2 import meta

from bot.coaching.profile import Profile, build_profile
from bot.coaching.reading import Reading, make_reading
from bot.content.blocks import actions, button, context, divider, header, message, section
from bot.content.compose import template_message
from bot.content.library import Library
from bot.content.markup import Trusted, escape
from bot.content.render import environment
from bot.content.strings import Strings
from bot.features.assess_form import CALLBACK_ID, Answers, assess_view, submitted_values, validate
from bot.router import ActionContext, CommandContext, Reply, Router, Subcommand, ViewContext
from bot.slack.listeners.common import answer_privately
from bot.store.db import Store
from bot.store.people import latest_assessment, save_assessment

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
    if not save_assessment(store, team_id, f"view:{view_id}" if view_id else None, row, now):
        return None
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
    say = Strings(library.strings, command=command).say
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
            header(say("assess_reading_header")),
            section(
                say("assess_reading_here", position=me.position_label, summary=me.position_summary)
            ),
        ]
        text = say("assess_reading_title", position=Trusted(me.position_label))
    if topics and not _template_uses(library, "reading", "topics"):
        blocks.append(divider())
        blocks.append(section(say("assess_reading_topics")))
        for topic in topics:
            blocks.append(
                section(
                    f"*{escape(topic.title)}*\n{escape(topic.summary)}",
                    accessory=button("Read", f"topic_open:{topic.id}", topic.id),
                    block_id=f"reading_topic_{topic.id}",
                )
            )
    if reading.next_step and not _template_uses(library, "reading", "next_step"):
        blocks.append(section(say("assess_reading_next_step", step=Trusted(reading.next_step))))
    blocks.append(
        actions(
            button(say("assess_check_task_button"), "cp_start"),
            button("All topics", "topics_list", "all"),
            block_id="reading_actions",
        )
    )
    blocks.append(context(say("assess_reading_note")))
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


def reading_sent_message(strings: Strings) -> dict[str, Any]:
    return message(
        strings.say("assess_reading_sent_title"), [section(strings.say("assess_reading_sent"))]
    )


def no_assessment_message(strings: Strings) -> dict[str, Any]:
    say = strings.say
    return message(
        say("assess_none_title"),
        [
            section(say("assess_none")),
            actions(
                button(say("assess_start_button"), "assess_open", "start", style="primary"),
                block_id="assess_start",
            ),
            context(say("assess_none_note")),
        ],
    )


def install(router: Router) -> None:
    def open_modal_later(ctx: CommandContext | ActionContext) -> Reply:
        if not ctx.trigger_id:
            return Reply(
                message=message(
                    ctx.services.strings.say("assess_cannot_open_title"),
                    [section(ctx.services.strings.say("assess_cannot_open"))],
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
            return Reply(message=no_assessment_message(services.strings))
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
                    reading_sent_message(services.strings),
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
