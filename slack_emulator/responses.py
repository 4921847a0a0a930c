"""response_url: issued with commands and interactions, served by the emulator, good for 5
posts within 30 minutes. Posts become ephemerals, channel messages, replacements or
deletions of the original message, exactly as the body asks."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_emulator.errors import ApiError
from slack_emulator.interact import fill_block_ids
from slack_emulator.models import Ephemeral, Message, ResponsePost
from slack_emulator.outgoing import check_message

if TYPE_CHECKING:
    from slack_emulator.core import Core

MAX_USES = 5
TTL = 30 * 60.0
_CONTROL_KEYS = ("response_type", "replace_original", "delete_original")


@dataclass
class _Target:
    user: str
    channel: str
    source: str
    message_ts: str | None
    ephemeral: bool
    issued: float
    uses: int = 0
    last_ephemeral: str | None = None


class ResponseUrls:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._targets: dict[str, _Target] = {}
        self._posts: list[ResponsePost] = []

    def issue(
        self,
        token: str,
        *,
        user: str,
        channel: str,
        source: str,
        message_ts: str | None = None,
        ephemeral: bool = False,
    ) -> None:
        with self._lock:
            self._targets[token] = _Target(
                user, channel, source, message_ts, ephemeral, time.monotonic()
            )

    def expire(self, token: str) -> None:
        with self._lock:
            self._targets[token].issued -= TTL + 1

    def posts(self) -> list[ResponsePost]:
        with self._lock:
            return list(self._posts)

    def _claim(self, token: str) -> _Target:
        with self._lock:
            target = self._targets.get(token)
            if target is None:
                raise ApiError("invalid_url", problem="unknown response_url")
            if time.monotonic() - target.issued > TTL:
                raise ApiError("expired_url", problem="response_url used after 30 minutes")
            if target.uses >= MAX_USES:
                raise ApiError("used_url", problem=f"response_url used more than {MAX_USES}x")
            target.uses += 1
            return target

    def post(self, core: Core, url: str, token: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        """Handle one POST to a response_url; returns (HTTP status, JSON body)."""
        body: dict[str, Any] = {}
        answer: dict[str, Any]
        error: str | None
        try:
            body = _parse(raw)
            target = self._claim(token)
            _apply(core, target, body)
            status, answer, error = 200, {"ok": True}, None
        except ApiError as e:
            if e.problem:
                core.recorder.problem("response_url", e.problem)
            status = 404 if e.code in ("invalid_url", "expired_url", "used_url") else 400
            answer, error = {"ok": False, "error": e.code, **e.extra}, e.code
        with self._lock:
            self._posts.append(ResponsePost(url, body, status, error, time.time()))
        return status, answer


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"null")
    except ValueError as e:
        raise ApiError("invalid_payload", problem="response_url body is not JSON") from e
    if not isinstance(body, dict):
        raise ApiError("invalid_payload", problem="response_url body must be a JSON object")
    return body


def _apply(core: Core, target: _Target, body: dict[str, Any]) -> None:
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


def _replace_original(core: Core, target: _Target, text: str, blocks: list[Any]) -> bool:
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


def _delete_original(core: Core, target: _Target) -> None:
    history = core.workspace.history
    if target.message_ts and not target.ephemeral:
        history.delete(target.channel, target.message_ts)
        return
    original = target.message_ts if target.ephemeral else target.last_ephemeral
    if original is None or not history.delete_ephemeral(original):
        raise ApiError("message_not_found", problem="delete_original with no original message")
