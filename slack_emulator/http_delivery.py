"""Signed HTTP delivery: POST a request to the app's Request URL the way Slack does."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from slack_emulator.signing import SigningMode, signed_headers

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]


@dataclass(frozen=True)
class HttpReply:
    status: int
    content_type: str
    body: bytes


def encode(kind: EnvelopeType, payload: dict[str, Any]) -> tuple[bytes, str]:
    """Slash commands are form fields; interactivity is a form field `payload` holding JSON;
    events are a JSON body."""
    if kind == "slash_commands":
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    if kind == "interactive":
        body = urlencode({"payload": json.dumps(payload)})
        return body.encode(), "application/x-www-form-urlencoded"
    return json.dumps(payload).encode(), "application/json"


def post(
    url: str,
    body: bytes,
    content_type: str,
    *,
    secret: str,
    mode: SigningMode,
    retry_num: int = 0,
    retry_reason: str | None = None,
    timeout: float = 3.0,
) -> HttpReply:
    """One signed POST; raises OSError (incl. timeouts) when the app does not answer."""
    parts = urlsplit(url)
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+emulator)",
        **signed_headers(secret, body, mode),
    }
    if retry_num:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout
    )
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path or "/", body=body, headers=headers)
        response = connection.getresponse()
        return HttpReply(response.status, response.getheader("Content-Type", ""), response.read())
    finally:
        connection.close()


def ack_payload(reply: HttpReply) -> dict[str, Any] | None:
    """What an HTTP 200 body means as an ack: JSON, plain text (a message), or nothing."""
    text = reply.body.decode("utf-8", "replace").strip()
    if not text:
        return None
    if "json" in reply.content_type or text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return {"text": text}
        return data if isinstance(data, dict) else {"text": text}
    return {"text": text}
