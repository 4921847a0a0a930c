"""The gate every outgoing message and view passes: Block Kit rules plus Slack's size and
format limits. A failure is an ApiError carrying the problem, so it fails the call *and*
lands in `emu.problems`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from blockkit.validate import message_problems, view_problems
from slack_emulator.errors import ApiError

MAX_TEXT = 40_000
_EVENT_TYPE = re.compile(r"^[A-Za-z0-9_]{1,255}$")


def check_message(body: Mapping[str, Any]) -> None:
    """Raise what Slack would answer for this message body (no_text, msg_too_long...)."""
    text = body.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        raise ApiError("msg_too_long", problem=f"text: {len(text)} chars > {MAX_TEXT}")
    problems = message_problems(body)
    if problems:
        code = "no_text" if problems[0].startswith("text: a message needs") else "invalid_blocks"
        raise ApiError(code, problem="; ".join(problems), errors=problems)


def check_view(view: object) -> dict[str, Any]:
    """The view as a dict, or Slack's error for it."""
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", problem="view must be a JSON object")
    problems = view_problems(view)
    if problems:
        raise ApiError("invalid_blocks", problem="; ".join(problems), errors=problems)
    return view


def check_metadata(metadata: object) -> dict[str, Any] | None:
    """Message metadata: `{"event_type": str, "event_payload": {...}}`."""
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not _EVENT_TYPE.match(metadata["event_type"])
        or not isinstance(metadata.get("event_payload"), dict)
        or set(metadata) - {"event_type", "event_payload"}
    ):
        raise ApiError(
            "invalid_metadata_format",
            problem=f"metadata must be {{event_type, event_payload}}: {metadata!r}",
        )
    return metadata
