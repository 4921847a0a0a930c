"""Slack's request signing: `v0=` + HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Literal

SigningMode = Literal["valid", "forged", "stale", "missing"]
STALE_AGE = 6 * 60


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, mode: SigningMode = "valid", now: float | None = None
) -> dict[str, str]:
    """Headers for one delivery. `forged` signs with a wrong secret; `stale` signs correctly
    but 6 minutes in the past; `missing` sends neither header."""
    if mode == "missing":
        return {}
    moment = time.time() if now is None else now
    timestamp = str(int(moment - (STALE_AGE if mode == "stale" else 0)))
    key = secret if mode != "forged" else secret + "-forged"
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(key, timestamp, body),
    }
