"""Slack's signed HTTP requests, checked before Bolt sees them.

Bolt's WSGI adapter parses the body before it checks the signature, and gets three things
wrong that matter here:

- an unparseable body (not UTF-8, broken JSON, a `payload` that isn't JSON) raises, so the
  server answers 500, signed or not;
- a timestamp header that isn't a whole number raises inside signature verification, and the
  app's error handler turns that into a 200;
- any form body that merely *contains* the text "payload" is read as an interactivity
  payload, so `/pendulum check the payload service` became an empty request (404) and the
  user's command was lost.

So: no valid signature → 401 before anything is parsed; signed but not something Slack sends
→ 400; otherwise Bolt gets the request with the body parsed here, once. The signature itself is
slack_sdk's `SignatureVerifier`; the pre-checks in `_signed` keep it from raising on headers or
bodies it does not expect. Bolt's own verification is switched off in HTTP mode (bot/app.py):
every request reaches the app through this handler, so checking again would only cost time.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.context.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger("pendulum.http")


def parse_slack_body(text: str, content_type: str) -> dict[str, Any] | None:
    """The request as Slack sends it (form fields, an interactivity payload, or an Events API
    object), or None when the body can't be one."""
    if content_type.split(";")[0].strip() == "application/json" or text.startswith("{"):
        return _typed_object(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in fields:
        return _typed_object(fields["payload"])
    if fields.get("command") or fields.get("ssl_check"):
        return fields
    return None


def _typed_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return None
    return data if _shaped_as_slack_sends(data) else None


def _shaped_as_slack_sends(data: dict[str, Any]) -> bool:
    """The parts Bolt reads without checking (a KeyError there was a 500)."""
    kind = data["type"]
    if kind == "event_callback":
        event = data.get("event")
        if not (isinstance(event, dict) and isinstance(event.get("type"), str)):
            return False
        return event["type"] != "message" or isinstance(event.get("channel"), str)
    if kind in ("view_submission", "view_closed"):
        view = data.get("view")
        if not (
            isinstance(view, dict)
            and isinstance(view.get("type"), str)
            and isinstance(view.get("callback_id"), str)
        ):
            return False
        state = view.get("state")
        return kind == "view_closed" or (
            isinstance(state, dict) and isinstance(state.get("values"), dict)
        )
    if kind == "block_actions":
        actions = data.get("actions")
        return (
            isinstance(actions, list)
            and bool(actions)
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        )
    if kind in ("shortcut", "message_action"):
        return isinstance(data.get("callback_id"), str)
    return True


class CheckedSlackHandler(SlackRequestHandler):
    def __init__(self, app: App, path: str, signing_secret: str) -> None:
        super().__init__(app, path=path)
        self.verifier = SignatureVerifier(signing_secret)  # also refuses requests > 5 min old

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        length = int(request.environ.get("CONTENT_LENGTH") or 0)
        raw: bytes = request.environ["wsgi.input"].read(length) if length else b""
        headers = request.get_headers()
        timestamp = str(headers.get("x-slack-request-timestamp") or "")
        signature = str(headers.get("x-slack-signature") or "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12 and signature):
            return BoltResponse(status=401, body={"error": "invalid request"})
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # whatever its signature, Slack never sends this
            return self._malformed(raw)
        if not self.verifier.is_valid(text, timestamp, signature):
            return BoltResponse(status=401, body={"error": "invalid request"})
        body = parse_slack_body(text, str(headers.get("content-type") or ""))
        if body is None:
            return self._malformed(raw)
        # Bolt's constructor parses a text body; hand it an empty one and the parse from here
        req = BoltRequest(body="", query=request.query_string, headers=headers)
        req.raw_body, req.body = text, body
        req.context = build_context(BoltContext({}), body)
        return self.app.dispatch(req)

    @staticmethod
    def _malformed(raw: bytes) -> BoltResponse:
        log.info("refused a signed request that Slack would not send (%d bytes)", len(raw))
        return BoltResponse(status=400, body={"error": "malformed request"})
