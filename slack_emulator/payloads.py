"""Request payloads shaped exactly like the ones Slack sends an app."""

from __future__ import annotations

from typing import Any

from slack_emulator.directory import Conversation, Directory
from slack_emulator.models import User

JSON = dict[str, Any]
VERIFICATION_TOKEN = "emulator-verification-token"


def _team(d: Directory) -> JSON:
    return {"id": d.team_id, "domain": d.domain}


def _user(d: Directory, user: User) -> JSON:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": d.team_id}


def channel_name(conv: Conversation) -> str:
    """The `channel_name` Slack sends: real names for public channels only."""
    return {"im": "directmessage", "group": "privategroup"}.get(conv.kind, conv.name)


def _common(d: Directory, user: User, kind: str) -> JSON:
    return {
        "type": kind,
        "team": _team(d),
        "user": _user(d, user),
        "api_app_id": d.bot.app_id,
        "token": VERIFICATION_TOKEN,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command(
    d: Directory,
    user: User,
    conv: Conversation,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> JSON:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": d.team_id,
        "team_domain": d.domain,
        "channel_id": conv.id,
        "channel_name": channel_name(conv),
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": d.bot.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    d: Directory, user: User, *, container: JSON, actions: list[JSON], trigger_id: str, extra: JSON
) -> JSON:
    """`extra` carries the surface: channel/message/response_url, or view."""
    return {
        **_common(d, user, "block_actions"),
        "container": container,
        "trigger_id": trigger_id,
        **extra,
        "actions": actions,
    }


def view_submission(d: Directory, user: User, view: JSON, trigger_id: str) -> JSON:
    return {
        **_common(d, user, "view_submission"),
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
    }


def view_closed(d: Directory, user: User, view: JSON, is_cleared: bool) -> JSON:
    return {**_common(d, user, "view_closed"), "view": view, "is_cleared": is_cleared}


def message_action(
    d: Directory,
    user: User,
    conv: Conversation,
    message: JSON,
    callback_id: str,
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> JSON:
    return {
        **_common(d, user, "message_action"),
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "channel": {"id": conv.id, "name": channel_name(conv)},
        "message": message,
        "message_ts": message["ts"],
        "action_ts": action_ts,
    }


def shortcut(d: Directory, user: User, callback_id: str, trigger_id: str, action_ts: str) -> JSON:
    return {
        **_common(d, user, "shortcut"),
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "action_ts": action_ts,
    }


def event_callback(d: Directory, event: JSON, event_id: str, event_time: int) -> JSON:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": d.team_id,
        "api_app_id": d.bot.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": d.team_id,
                "user_id": d.bot.user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-emulator-{event_id}",
    }
