"""Posts to a response_url: they become ephemerals, channel messages, replacements or
deletions of the original message, exactly as the body asks."""

from __future__ import annotations

import json
import time
from typing import Any

from slack_emulator.core import Core
from slack_emulator.errors import ApiError
from slack_emulator.interact import fill_block_ids
from slack_emulator.models import Ephemeral, Message, ResponsePost
from slack_emulator.outgoing import check_message
from slack_emulator.responses import Target

_CONTROL_KEYS = ("response_type", "replace_original", "delete_original")


def post(core: Core, url: str, token: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """Handle one POST to a response_url; returns (HTTP status, JSON body)."""
    body: dict[str, Any] = {}
    answer: dict[str, Any]
    error: str | None
    try:
        body = _parse(raw)
        target = core.responses.claim(token)
        _apply(core, target, body)
        status, answer, error = 200, {"ok": True}, None
    except ApiError as e:
        if e.problem:
            core.recorder.problem("response_url", e.problem)
        status = 404 if e.code in ("invalid_url", "expired_url", "used_url") else 400
        answer, error = {"ok": False, "error": e.code, **e.extra}, e.code
    core.responses.record(ResponsePost(url, body, status, error, time.time()))
    return status, answer


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"null")
    except ValueError as e:
        raise ApiError("invalid_payload", problem="response_url body is not JSON") from e
    if not isinstance(body, dict):
        raise ApiError("invalid_payload", problem="response_url body must be a JSON object")
    return body


def _apply(core: Core, target: Target, body: dict[str, Any]) -> None:
    ws = core.workspace
    if body.get("delete_original"):
        _delete_original(core, target)
        return
    message = {k: v for k, v in body.items() if k not in _CONTROL_KEYS}
    check_message(message)
    text = str(body.get("text", ""))
    blocks = fill_block_ids(body.get("blocks"))
    if body.get("replace_original") and _replace_original(core, target, text, blocks):
        return
    if body.get("response_type") == "in_channel":
        ws.history.add(
            Message(
                channel=target.channel,
                ts=ws.ids.ts(),
                user=ws.bot.user_id,
                text=text,
                blocks=blocks,
                thread_ts=body.get("thread_ts"),
                bot_id=ws.bot.bot_id,
                app_id=ws.bot.app_id,
                source="response_url",
            )
        )
        return
    ts = ws.ids.ts()
    ws.history.add_ephemeral(
        Ephemeral(
            target.channel,
            target.user,
            ts,
            text,
            blocks,
            body.get("thread_ts"),
            source="response_url",
        )
    )
    target.last_ephemeral = ts


def _replace_original(core: Core, target: Target, text: str, blocks: list[Any]) -> bool:
    history = core.workspace.history
    if target.message_ts and not target.ephemeral:
        history.replace(
            target.channel,
            target.message_ts,
            text=text,
            blocks=blocks,
            edited_ts=core.workspace.ids.ts(),
        )
        return True
    original = target.message_ts if target.ephemeral else target.last_ephemeral
    return original is not None and history.replace_ephemeral(original, text=text, blocks=blocks)


def _delete_original(core: Core, target: Target) -> None:
    history = core.workspace.history
    if target.message_ts and not target.ephemeral:
        history.delete(target.channel, target.message_ts)
        return
    original = target.message_ts if target.ephemeral else target.last_ephemeral
    if original is None or not history.delete_ephemeral(original):
        raise ApiError("message_not_found", problem="delete_original with no original message")
