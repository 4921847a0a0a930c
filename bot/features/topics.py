"""Coaching topics: `/pendulum topics`, `/pendulum <topic>`, `/pendulum advice <topic>`, and
the Read / Read more / Share in channel / All topics buttons.

A topic answers with its card (the point, three bullets, one next step); *Read more* sends the
full text privately to whoever clicks, personalised by their latest assessment. A share posts
the card, never the full text (the channel gets no wall, and must not learn the sharer's
assessment), and says who shared it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.coaching.reading import recommended_topics
from bot.content.blocks import context, header, message, section
from bot.content.compose import topic_full_message, topic_message
from bot.content.library import Library, Topic
from bot.content.markup import Trusted, code, escape
from bot.content.strings import Strings
from bot.features.assess import profile_for
from bot.features.help import unknown_reply
from bot.router import ActionContext, CommandContext, Reply, Router, Subcommand, closest, normalize
from bot.services import Services
from bot.store.requests import first_time

log = logging.getLogger("pendulum.topics")

FILLER = frozenset({"on", "about", "for", "the", "a", "an", "me", "some", "to", "re", "advice"})
_WORD = re.compile(r"[^\w-]+", re.UNICODE)
MAX_TOPIC_WORDS = 6


# -- resolution (pure) ----------------------------------------------------------------------


def topic_candidates(text: str) -> list[str]:
    """Names to try for what someone typed: the whole phrase hyphenated ("em to ic" →
    "em-to-ic"), without filler words ("advice on the ladder" → "ladder"), then each word."""
    clean = normalize(text).lower()
    words = [w for w in _WORD.sub(" ", clean).split() if w]
    if not words or len(words) > MAX_TOPIC_WORDS:
        return []
    core = [w for w in words if w not in FILLER] or words
    out = ["-".join(words), "-".join(core), "".join(core)]
    out += [w.rstrip("?!.") for w in core]
    return list(dict.fromkeys(c for c in out if c))


def resolve_topic(library: Library, text: str) -> Topic | None:
    for candidate in topic_candidates(text):
        topic = library.topic_for(candidate)
        if topic is not None:
            return topic
        if candidate.endswith("s") and (topic := library.topic_for(candidate[:-1])):
            return topic
    return None


# -- messages -------------------------------------------------------------------------------


def topics_list_message(
    library: Library, command: str, recommended: list[str] | None = None
) -> dict[str, Any]:
    """Every topic: title, one-line summary, and a Read button (★ marks the caller's picks)."""
    picks = set(recommended or [])
    say = Strings(library.strings, command=command).say
    blocks = [
        header("Coaching topics"),
        section(say("topics_pick") + (" " + say("topics_starred") if picks else "")),
    ]
    for topic in library.topics.values():
        star = ":star: " if topic.id in picks else ""
        blocks.append(
            section(
                f"{star}*{escape(topic.title)}*  `{escape(topic.id)}`\n{escape(topic.summary)}",
                accessory=_read_button(topic),
                block_id=f"topic_{topic.id}",
            )
        )
    tail = "" if picks else " " + say("topics_assess_hint")
    blocks.append(context(say("only_you_see_this") + tail))
    return message(say("topics_count", count=len(library.topics)), blocks)


def _read_button(topic: Topic) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": "Read", "emoji": True},
        "action_id": f"topic_open:{topic.id}",
        "value": topic.id,
    }


def unknown_topic_message(library: Library, command: str, asked: str) -> dict[str, Any]:
    suggestions = closest(normalize(asked).lower().replace(" ", "-"), library.topic_names())
    ids = list(dict.fromkeys(t.id for s in suggestions if (t := library.topic_for(s))))
    say = Strings(library.strings, command=command).say
    lines = [say("topic_unknown", asked=code(asked[:80]))]
    if ids:
        options = " or ".join(say("topic_suggestion", topic=i) for i in ids)
        lines.append(say("topic_did_you_mean", options=Trusted(options)))
    lines.append(say("topic_list_all"))
    return message(say("topic_unknown_title"), [section(" ".join(lines))])


# -- handlers -------------------------------------------------------------------------------


def _topic_card(services: Services, topic: Topic) -> Reply:
    return Reply(message=topic_message(services.library, topic, command=services.command))


def _full_topic(services: Services, team_id: str, user_id: str, topic: Topic) -> Reply:
    me = profile_for(services.store, services.library, team_id, user_id, services.clock.now())
    return Reply(message=topic_full_message(services.library, topic, me))


def _recommended(services: Services, team_id: str, user_id: str) -> list[str]:
    me = profile_for(services.store, services.library, team_id, user_id, services.clock.now())
    if me is None:
        return []
    try:
        return recommended_topics(services.library.rules, me, known=list(services.library.topics))
    except ValueError:
        return []


def post_in_channel(response_url: str, body: dict[str, Any]) -> bool:
    """Post through a response_url (works where the app is not a member). True on success."""
    result = WebhookClient(response_url, timeout=10).send_dict(body)
    if result.status_code == 200:
        return True
    log.warning("response_url answered %s to a share", result.status_code)
    return False


def share(ctx: ActionContext, topic: Topic) -> Reply:
    """Post the topic for everyone in the conversation, unpersonalised, "shared by @user"."""
    services = ctx.services
    msg = topic_message(services.library, topic, shared_by=ctx.user_id, command=services.command)
    message_ts = str((ctx.body.get("container") or {}).get("message_ts") or "")
    if message_ts and not first_time(
        services.store,
        ctx.team_id,
        f"share:{ctx.channel_id}:{message_ts}:{ctx.user_id}:{topic.id}",
        services.clock.now(),
    ):
        return Reply()  # a double click: it is in the channel already
    if ctx.response_url and post_in_channel(
        ctx.response_url, {**msg, "response_type": "in_channel", "replace_original": False}
    ):
        return Reply()
    if ctx.channel_id:
        try:
            ctx.client.chat_postMessage(channel=ctx.channel_id, **msg)
            return Reply()
        except SlackApiError as exc:
            log.info("share by chat.postMessage failed: %s", exc.response.get("error"))
    say = services.strings.say
    return Reply(
        message=message(say("topic_share_failed_title"), [section(say("topic_share_failed"))])
    )


def install(router: Router) -> None:
    def on_topics(ctx: CommandContext) -> Reply:
        picks = _recommended(ctx.services, ctx.team_id, ctx.user_id)
        return Reply(message=topics_list_message(ctx.services.library, ctx.services.command, picks))

    def on_advice(ctx: CommandContext) -> Reply:
        if not ctx.args:
            return on_topics(ctx)
        topic = resolve_topic(ctx.services.library, ctx.args)
        if topic is None:
            return Reply(
                message=unknown_topic_message(ctx.services.library, ctx.services.command, ctx.args)
            )
        return _topic_card(ctx.services, topic)

    previous = router.fallback

    def on_other(ctx: CommandContext) -> Reply:
        topic = resolve_topic(ctx.services.library, ctx.text)
        if topic is not None:
            return _topic_card(ctx.services, topic)
        if previous is not None:
            return previous(ctx)
        return unknown_reply(router, ctx)

    def on_open(ctx: ActionContext) -> Reply:
        topic = ctx.services.library.topic_for(ctx.value)
        if topic is None:
            return Reply(
                message=unknown_topic_message(ctx.services.library, ctx.services.command, ctx.value)
            )
        return _topic_card(ctx.services, topic)

    def on_more(ctx: ActionContext) -> Reply:
        topic = ctx.services.library.topic_for(ctx.value)
        if topic is None:
            return Reply(
                message=unknown_topic_message(ctx.services.library, ctx.services.command, ctx.value)
            )
        return _full_topic(ctx.services, ctx.team_id, ctx.user_id, topic)

    def on_list(ctx: ActionContext) -> Reply:
        picks = _recommended(ctx.services, ctx.team_id, ctx.user_id)
        return Reply(message=topics_list_message(ctx.services.library, ctx.services.command, picks))

    def on_share(ctx: ActionContext) -> Reply:
        topic = ctx.services.library.topic_for(ctx.value)
        if topic is None:
            return Reply(
                message=unknown_topic_message(ctx.services.library, ctx.services.command, ctx.value)
            )
        return share(ctx, topic)

    router.command(
        Subcommand(
            name="topics",
            summary="every coaching topic, with a one-line summary",
            example="topics",
            handler=on_topics,
            aliases=("list",),
        )
    )
    router.command(
        Subcommand(
            name="advice",
            summary="read one topic (or type the topic alone: `director`, `cto`, `ic`…)",
            example="advice ladder",
            handler=on_advice,
            aliases=("topic", "read"),
        )
    )
    router.fallback = on_other
    router.action("topic_open", on_open)
    router.action("topic_more", on_more)
    router.action("topics_list", on_list)
    router.action("topic_share", on_share)
