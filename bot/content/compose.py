"""Block Kit messages built from content: topics, tips and templated DMs.

Texts come out of the sandboxed renderer already escaped; this module only arranges them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.coaching.profile import Profile
from bot.content.blocks import actions, button, context, header, message, paragraphs, section
from bot.content.library import Library, Template, Tip, Topic, credit_line
from bot.content.markup import mention
from bot.content.render import render
from bot.content.strings import Strings

Message = dict[str, Any]


def base_context(library: Library, me: Profile | None) -> dict[str, Any]:
    return {"rules": library.rules, "me": me}


def render_topic(library: Library, topic: Topic, me: Profile | None) -> str:
    return topic.render(base_context(library, me))


def render_card(library: Library, topic: Topic) -> str:
    """The topic's card as mrkdwn: the point, three bullets, one next step. Not personalised,
    so the same card can go to a channel. A topic without a card falls back to its summary."""
    card = topic.card
    if card is None:
        return f"*{topic.summary}*"
    ctx = base_context(library, None)
    name = f"{topic.path} (card)"
    point = render(card.point, ctx, name=name)
    bullets = "\n".join("• " + render(b, ctx, name=name) for b in card.bullets)
    step = render(card.next_step, ctx, name=name)
    return f"*{point}*\n\n{bullets}\n\n*Next step:* {step}"


def topic_message(
    library: Library,
    topic: Topic,
    *,
    shared_by: str | None = None,
    shareable: bool = True,
    command: str,
) -> Message:
    """A topic's card: what `<command> <topic>` answers and what a share posts. It offers the
    full text behind *Read more* (sent privately to whoever clicks), so a shared topic is a
    card in the channel, not a wall. Private cards also carry Share in channel and All topics;
    a shared copy says who shared it. The card is the same for everyone; the full text is
    the personalised one."""
    blocks = [
        header(topic.title),
        *paragraphs(render_card(library, topic)),
        context(credit_line(topic.sources)),
    ]
    more = button("Read more", "topic_more", topic.id)
    if shared_by:
        strings = Strings(library.strings, command=command)
        blocks.append(
            context(strings.say("topic_shared_by", user=mention(shared_by), topic=topic.id))
        )
        blocks.append(actions(more, block_id=f"shared_copy_{topic.id}"))
    else:
        buttons = [more]
        if shareable:
            buttons += [
                button("Share in channel", "topic_share", topic.id),
                button("All topics", "topics_list", "all"),
            ]
        blocks.append(actions(*buttons, block_id=f"topic_actions_{topic.id}"))
    return message(f"{topic.title}: {topic.summary}", blocks)


def topic_full_message(
    library: Library, topic: Topic, me: Profile | None, *, shareable: bool = True
) -> Message:
    """The whole topic, personalised, for one reader (the *Read more* answer)."""
    body = render_topic(library, topic, me)
    blocks = [header(topic.title), *paragraphs(body), context(credit_line(topic.sources))]
    if shareable:
        blocks.append(
            actions(
                button("Share in channel", "topic_share", topic.id),
                button("All topics", "topics_list", "all"),
                block_id=f"topic_full_actions_{topic.id}",
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
    if template.sources:
        blocks.append(context(credit_line(template.sources)))
    if buttons:
        blocks.append(actions(*buttons, block_id=f"{message_id}_actions"))
    return message(f"{title}: {first_line(body)}", blocks)


def tip_message(library: Library, tip: Tip, *, heading: str = "Tip of the week") -> Message:
    blocks = [section(f"*{heading}*\n{tip.text}")]
    if tip.credit is not None:
        blocks.append(context(credit_line((tip.credit,))))
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
