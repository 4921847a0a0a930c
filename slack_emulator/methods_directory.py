"""Read-mostly methods: auth.test, team.info, users.*, conversations.*."""

from __future__ import annotations

import base64
from typing import Any

from slack_emulator.api import method
from slack_emulator.core import Core
from slack_emulator.directory import Conversation
from slack_emulator.errors import ApiError
from slack_emulator.params import Params

JSON = dict[str, Any]
_READ_SCOPE = {"channel": "channels:read", "group": "groups:read", "im": "im:read"}
_HISTORY_SCOPE = {"channel": "channels:history", "group": "groups:history", "im": "im:history"}


def _page(items: list[Any], p: Params, default_limit: int) -> tuple[list[Any], JSON]:
    """Cursor pagination the way Slack does it: opaque `next_cursor`, "" on the last page."""
    cursor = p.opt_text("cursor")
    try:
        start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
    except ValueError as e:
        raise ApiError("invalid_cursor", problem=f"cursor {cursor!r} was not issued") from e
    limit = max(1, min(p.number("limit", default_limit), 1000))
    end = start + limit
    following = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], {"next_cursor": following}


@method("auth.test")
def auth_test(core: Core, p: Params) -> JSON:
    directory = core.workspace.directory
    return {
        "url": f"https://{directory.domain}.slack.com/",
        "team": directory.team_name,
        "user": directory.bot.name,
        "team_id": directory.team_id,
        "user_id": directory.bot.user_id,
        "bot_id": directory.bot.bot_id,
        "is_enterprise_install": False,
    }


@method("team.info", scope="team:read")
def team_info(core: Core, p: Params) -> JSON:
    d = core.workspace.directory
    return {"team": {"id": d.team_id, "name": d.team_name, "domain": d.domain}}


@method("users.info", scope="users:read")
def users_info(core: Core, p: Params) -> JSON:
    directory = core.workspace.directory
    user_id = p.text("user", "user_not_found")
    if user_id == directory.bot.user_id:
        return {"user": directory.bot_user_json()}
    user = directory.user(user_id)
    with_email = "users:read.email" in core.auth.scopes
    return {"user": directory.user_json(user, core.workspace.clock.now(), with_email=with_email)}


@method("users.list", scope="users:read")
def users_list(core: Core, p: Params) -> JSON:
    directory = core.workspace.directory
    now = core.workspace.clock.now()
    with_email = "users:read.email" in core.auth.scopes
    with directory.lock:
        members = [
            directory.user_json(u, now, with_email=with_email) for u in directory.users.values()
        ]
    members.append(directory.bot_user_json())
    page, meta = _page(members, p, 200)
    return {"members": page, "cache_ts": int(now.timestamp()), "response_metadata": meta}


@method("users.lookupByEmail", scope="users:read.email")
def users_lookup_by_email(core: Core, p: Params) -> JSON:
    directory = core.workspace.directory
    email = p.text("email", "users_not_found").lower()
    with directory.lock:
        found = [u for u in directory.users.values() if (u.email or "").lower() == email]
    if not found:
        raise ApiError("users_not_found")
    return {"user": directory.user_json(found[0], core.workspace.clock.now(), with_email=True)}


def _visible(core: Core, ref: str, scopes: dict[str, str]) -> Conversation:
    conv = core.workspace.directory.conversation(ref)
    core.auth.need_scope(scopes[conv.kind])
    return conv


@method("conversations.info")
def conversations_info(core: Core, p: Params) -> JSON:
    conv = _visible(core, p.text("channel", "channel_not_found"), _READ_SCOPE)
    return {
        "channel": core.workspace.directory.conversation_json(
            conv, num_members=p.flag("include_num_members")
        )
    }


@method("conversations.members")
def conversations_members(core: Core, p: Params) -> JSON:
    conv = _visible(core, p.text("channel", "channel_not_found"), _READ_SCOPE)
    page, meta = _page(list(conv.members), p, 100)
    return {"members": page, "response_metadata": meta}


@method("conversations.open", scope="im:write")
def conversations_open(core: Core, p: Params) -> JSON:
    directory = core.workspace.directory
    users = p.items("users")
    if "channel" in p and not users:
        conv = directory.conversation(p.text("channel"))
        return {"channel": {"id": conv.id}}
    if len(users) != 1:
        raise ApiError(
            "not_supported" if users else "users_list_not_supplied",
            problem="the emulator opens 1:1 DMs only" if users else None,
        )
    user = directory.user(users[0])
    if user.deleted:
        raise ApiError("user_disabled")
    existed = directory.has_im(user.id)
    conv = directory.conversation(directory.im_for(user.id))
    channel = directory.conversation_json(conv) if p.flag("return_im") else {"id": conv.id}
    return {"channel": channel, **({"no_op": True, "already_open": True} if existed else {})}


@method("conversations.list")
def conversations_list(core: Core, p: Params) -> JSON:
    directory = core.workspace.directory
    kinds = {"public_channel": "channel", "private_channel": "group", "im": "im"}
    wanted = {kinds[t] for t in (p.items("types") or ["public_channel"]) if t in kinds}
    for kind in wanted:
        core.auth.need_scope(_READ_SCOPE[kind])
    with directory.lock:
        refs = list(directory.channels) + list(directory.ims().values())
    found = []
    for ref in refs:
        try:
            conv = directory.conversation(ref)
        except ApiError:
            continue
        if conv.kind in wanted and not (p.flag("exclude_archived") and conv.is_archived):
            found.append(directory.conversation_json(conv))
    page, meta = _page(found, p, 100)
    return {"channels": page, "response_metadata": meta}


@method("conversations.join", scope="channels:join")
def conversations_join(core: Core, p: Params) -> JSON:
    directory = core.workspace.directory
    conv = directory.conversation(p.text("channel", "channel_not_found"))
    if conv.kind != "channel":
        raise ApiError("method_not_supported_for_channel_type")
    if conv.is_archived:
        raise ApiError("is_archived")
    with directory.lock:
        directory.channels[conv.id].bot_member = True
    return {"channel": directory.conversation_json(directory.conversation(conv.id))}


def _in_window(ts: str, p: Params) -> bool:
    oldest, latest = p.opt_text("oldest"), p.opt_text("latest")
    inclusive = p.flag("inclusive")
    value = float(ts)
    if oldest is not None and (value < float(oldest) or (value == float(oldest) and not inclusive)):
        return False
    return latest is None or value < float(latest) or (value == float(latest) and inclusive)


@method("conversations.history")
def conversations_history(core: Core, p: Params) -> JSON:
    conv = _visible(core, p.text("channel", "channel_not_found"), _HISTORY_SCOPE)
    team, metadata = core.workspace.team_id, p.flag("include_all_metadata")
    messages = [
        m
        for m in core.workspace.history.messages(conv.id)
        if (m.thread_ts in (None, m.ts)) and _in_window(m.ts, p)
    ]
    messages.reverse()
    page, meta = _page([m.to_slack(team, with_metadata=metadata) for m in messages], p, 100)
    return {"messages": page, "has_more": bool(meta["next_cursor"]), "response_metadata": meta}


@method("conversations.replies")
def conversations_replies(core: Core, p: Params) -> JSON:
    conv = _visible(core, p.text("channel", "channel_not_found"), _HISTORY_SCOPE)
    ts = p.text("ts", "thread_not_found")
    team, metadata = core.workspace.team_id, p.flag("include_all_metadata")
    thread = [
        m
        for m in core.workspace.history.messages(conv.id)
        if (m.ts == ts or m.thread_ts == ts) and _in_window(m.ts, p)
    ]
    if not any(m.ts == ts for m in thread):
        raise ApiError("thread_not_found")
    page, meta = _page([m.to_slack(team, with_metadata=metadata) for m in thread], p, 100)
    return {"messages": page, "has_more": bool(meta["next_cursor"]), "response_metadata": meta}
