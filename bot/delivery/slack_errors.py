"""What a failed Slack call means for a delivery: wait, retry, check first, or stop.

The distinction that matters for "exactly once" is whether Slack may have posted the message
anyway. A 429 or a refused connection never ran the method, so a retry is safe. Any 5xx, a
timeout, a dropped connection, or Slack's own `internal_error` / `fatal_error` ("it's
possible some aspect of the operation succeeded") are AMBIGUOUS: a proxy can answer 503 after
Slack did the work, so the engine looks for the message in the conversation before sending
again.
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from bot.delivery.pacing import retry_after_seconds

# Errors no retry will fix: the schedule is paused and its owner told (once).
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "missing_scope",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "no_permission",
        "restricted_action",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)
# The recipient of a DM no longer exists: unenrol instead of pausing (nobody to tell).
RECIPIENT_GONE = frozenset({"account_inactive", "user_not_found"})

_AMBIGUOUS_CODES = frozenset(
    {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}
)


class Kind(Enum):
    RATE_LIMITED = "rate_limited"  # wait Retry-After, then retry
    RETRY = "retry"  # not posted; back off and retry
    AMBIGUOUS = "ambiguous"  # may have been posted; check history, then retry
    PERMANENT = "permanent"  # stop; pause the schedule; tell the owner
    REJECTED = "rejected"  # Slack refused this message (our bug: bad blocks, too long…)


@dataclass(frozen=True)
class Failure:
    kind: Kind
    code: str
    retry_after: float | None = None


def _response_parts(exc: SlackApiError) -> tuple[int, str, Any]:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    code = ""
    if isinstance(data, dict):
        code = str(data.get("error") or "")
    headers = getattr(response, "headers", None)
    return status, code, headers


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, SlackApiError):
        status, code, headers = _response_parts(exc)
        if status == 429 or code in ("ratelimited", "rate_limited"):
            return Failure(Kind.RATE_LIMITED, code or "ratelimited", retry_after_seconds(headers))
        if code in PERMANENT:
            return Failure(Kind.PERMANENT, code)
        label = code if code and len(code) <= 60 else f"http_{status}"
        if status >= 500 or code in _AMBIGUOUS_CODES:
            return Failure(Kind.AMBIGUOUS, label)
        return Failure(Kind.REJECTED, label)
    if isinstance(exc, URLError) and isinstance(
        exc.reason, ConnectionRefusedError | socket.gaierror
    ):
        return Failure(Kind.RETRY, "connection_refused")
    if isinstance(exc, ConnectionRefusedError):
        return Failure(Kind.RETRY, "connection_refused")
    if isinstance(
        exc, TimeoutError | ConnectionError | http.client.HTTPException | URLError | OSError
    ):
        return Failure(Kind.AMBIGUOUS, type(exc).__name__)
    return Failure(Kind.REJECTED, type(exc).__name__)
