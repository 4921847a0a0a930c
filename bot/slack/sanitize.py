"""Text from Slack made storable, once, where a payload enters the app.

JSON may carry a lone UTF-16 surrogate (`"\\ud800"`); Python decodes it into a `str` that
cannot be encoded as UTF-8, so SQLite, a log line or a reply would fail on it later, far from
where it came in. Every string in a request body is cleaned here instead: each lone surrogate
becomes U+FFFD, the replacement character, and all other text is left exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: Any) -> Any:
    """`value` with every lone surrogate in every string (dict keys included) replaced."""
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    return value


def clean_request(
    req: BoltRequest, dispatch: Callable[[BoltRequest], BoltResponse]
) -> BoltResponse:
    """A guard (bot/slack/requestlog.py) that cleans the parsed body before any listener sees it."""
    if isinstance(req.body, dict):
        with suppress(RecursionError):  # absurdly nested: no Slack payload; refused elsewhere
            req.body = clean_text(req.body)
    return dispatch(req)
