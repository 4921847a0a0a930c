"""Block Kit messages built from content: topics, tips and templated DMs.

Texts come out of the sandboxed renderer already escaped; this module only arranges them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks.build import actions, button, context, header, message, paragraphs, section
from bot.coaching.profile import Profile
from bot.content.library import Library, Template, Tip, Topic
from bot.content.markup import escape, mention

Message = dict[str, Any]


def base_context(library: Library, me: Profile | None) -> dict[str, Any]:
    return {"rules": library.rules, "me": me}


def render_topic(library: Library, topic: Topic, me: Profile | None) -> str:
    return topic.render(base_context(library, me))


def topic_message(
    library: Library,
    topic: Topic,
    me: Profile | None,
    *,
    shared_by: str | None = None,
    shareable: bool = True,
) -> Message:
    """A topic as a message. Private answers carry a Share button; a shared copy says who
    shared it (and, being posted for everyone, is not personalised)."""
    body = render_topic(library, topic, None if shared_by else me)
    blocks = [header(topic.title), *paragraphs(body), context(escape(topic.source_line()))]
    if shared_by:
        blocks.append(context(f"Shared by {mention(shared_by)} with `/pendulum {topic.id}`"))
    elif shareable:
        blocks.append(
            actions(
                button("Share in channel", "topic_share", topic.id),
                button("All topics", "topics_list", "all"),
                block_id=f"topic_actions_{topic.id}",
            )
        )
    return message(f"{topic.title}: {topic.summary}", blocks)


def render_template(
    library: Library, template: Template, me: Profile | None, extra: Mapping[str, Any]
) -> str:
    return template.render({**base_context(library, me), **extra})


def template_message(
    library: Library,
    message_id: str,
    me: Profile | None,
    extra: Mapping[str, Any] | None = None,
    *,
    buttons: list[dict[str, Any]] | None = None,
) -> Message:
    """A templated DM: its title as a header, the body, optional buttons."""
    template = library.message(message_id)
    body = render_template(library, template, me, extra or {})
    title = str(template.meta.get("title") or "Pendulum")
    blocks = [header(title), *paragraphs(body)]
    if buttons:
        blocks.append(actions(*buttons, block_id=f"{message_id}_actions"))
    return message(f"{title}: {first_line(body)}", blocks)


def tip_message(library: Library, tip: Tip, *, heading: str = "Tip of the week") -> Message:
    blocks = [section(f"*{heading}*\n{tip.text}"), context(escape(f"Idea from {tip.source}"))]
    if tip.topic and tip.topic in library.topics:
        blocks.append(
            actions(
                button("Read more", "topic_open", tip.topic),
                block_id=f"tip_{tip.id}",
            )
        )
    return message(f"{heading}: {first_line(tip.text)}", blocks)


def first_line(text: str, limit: int = 150) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"
