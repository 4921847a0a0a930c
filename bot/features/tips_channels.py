"""Where a weekly tip can go: the channel named (or the one typed in), and why Slack says it
can't (not found, archived, a DM, the subscriber or Pendulum not in it), in words."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.content.markup import Trusted, channel_link, code
from bot.content.strings import Strings
from bot.router import CommandContext

INVITE = "`/invite @Pendulum`"


def link(channel: str) -> str:
    try:
        return channel_link(channel)
    except ValueError:
        return code(channel)


def _error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def is_member(client: WebClient, channel: str, user_id: str) -> bool:
    """Whether `user_id` is in the channel (conversations.members, every page)."""
    cursor: str | None = None
    for _ in range(200):
        kwargs: dict[str, Any] = {"channel": channel, "limit": 500}
        if cursor:
            kwargs["cursor"] = cursor
        response = client.conversations_members(**kwargs)
        if user_id in (response.get("members") or []):
            return True
        cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return False
    return False


def channel_problem(
    client: WebClient, channel: str, user_id: str, strings: Strings, *, need_bot: bool = True
) -> str | None:
    """Why tips can't go to this channel for this person, in words; None when they can."""
    where = link(channel)
    try:
        info = dict(client.conversations_info(channel=channel).get("channel") or {})
    except SlackApiError as exc:
        error = _error_code(exc)
        if error == "channel_not_found":
            return strings.say("tips_cant_see", channel=where, invite=Trusted(INVITE))
        if error == "missing_scope":
            return strings.say("tips_missing_scope")
        raise
    if info.get("is_im") or info.get("is_mpim"):
        return strings.say("tips_not_in_dms")
    if info.get("is_archived"):
        return strings.say("tips_archived", channel=where)
    if not is_member(client, channel, user_id):
        return strings.say("tips_join_first", channel=where)
    if need_bot and not info.get("is_member"):
        return strings.say("tips_invite_me", channel=where, invite=Trusted(INVITE))
    return None


def target_channel(ctx: CommandContext, named: str | None) -> str | None:
    """The named channel, else the one the command was typed in (None in a DM)."""
    if named:
        return named
    channel = ctx.channel_id or ""
    return channel if channel[:1] in ("C", "G") else None
