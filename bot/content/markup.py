"""Slack mrkdwn safety.

Slack treats `<...>` as control syntax (mentions, `<!channel>`, links), so any text that did not
come from the bot itself is escaped (`&`, `<`, `>` only, as Slack documents). Markup the bot
builds on purpose (a mention of the person who shared a topic, a link to a channel) is wrapped
in `Trusted` so the template engine passes it through unchanged.
"""

from __future__ import annotations

import re

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")


class Trusted(str):
    """mrkdwn the bot built itself; never wraps user-supplied text."""

    __slots__ = ()


def escape(text: object) -> str:
    """Escape text for mrkdwn; `Trusted` markup passes through untouched."""
    if isinstance(text, Trusted):
        return text
    return str(text).translate(_ESCAPES)


def mention(user_id: str) -> Trusted:
    """`<@U123>` for a real user id; anything else is refused rather than echoed."""
    if not _USER_ID.match(user_id):
        raise ValueError(f"not a Slack user id: {user_id!r}")
    return Trusted(f"<@{user_id}>")


def channel_link(channel_id: str) -> Trusted:
    if not _CHANNEL_ID.match(channel_id):
        raise ValueError(f"not a Slack channel id: {channel_id!r}")
    return Trusted(f"<#{channel_id}>")


def link(url: str, label: str) -> Trusted:
    """A link the bot chose; the label is user-safe text, escaped and stripped of `|`."""
    if not url.startswith(("https://", "http://", "slack://")) or any(c in url for c in "<>| "):
        raise ValueError(f"refusing to build a link to {url!r}")
    return Trusted(f"<{url}|{escape(label).replace('|', '/')}>")


def code(text: str) -> Trusted:
    """Inline code for echoing what a user typed: escaped, backticks neutralised, one line."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return Trusted(f"`{escape(flat)}`") if flat else Trusted("``")
