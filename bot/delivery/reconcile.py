"""Did a message with this ledger key reach the conversation? Asked of `conversations.history`.

Every send carries Slack message metadata `{"event_type": "pendulum_delivery",
"event_payload": {"key": …}}`. After a crash between claim and send (or an ambiguous network
failure) the engine reads the target conversation from a little before the claim, with
`include_all_metadata=true`, and looks for its key. Reads are paced on the Tier-3 bucket.

Scopes: `channels:history`/`groups:history` for channels, `im:history` and `im:write` (to
find the DM channel of a user id via `conversations.open`) for DMs.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient

from bot.delivery.model import METADATA_EVENT_TYPE, is_user_id
from bot.delivery.pacing import HISTORY, Backoff, Pacer
from bot.delivery.slack_errors import Kind, classify

CLOCK_SKEW = timedelta(seconds=60)  # look a little before the claim: our clock vs Slack's


class LookupFailed(Exception):
    """History could not be read, so whether the message was posted is unknown."""


@dataclass(frozen=True)
class Found:
    ts: str
    channel: str


def _matches(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == METADATA_EVENT_TYPE and payload.get("key") == key)


class HistoryReader:
    def __init__(
        self,
        pacer: Pacer,
        sleep: Callable[[float], None],
        *,
        max_pages: int = 10,
        max_rate_limited: int = 5,
        max_errors: int = 3,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.pacer = pacer
        self.sleep = sleep
        self.max_pages = max_pages
        self.max_rate_limited = max_rate_limited
        self.max_errors = max_errors
        self.backoff = backoff or Backoff(base=0.5, cap=5.0)
        self.rng = rng or random.Random()
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def _call(self, team_id: str, fn: Callable[[], Any]) -> Any:
        """One paced read; reads are idempotent, so transient failures are simply retried."""
        limited = errors = 0
        while True:
            wait = self.pacer.reserve_call(team_id, HISTORY)
            if wait > 0:
                self.sleep(wait)
            try:
                return fn()
            except Exception as exc:
                failure = classify(exc)
                if failure.kind is Kind.RATE_LIMITED and limited < self.max_rate_limited:
                    limited += 1
                    self.pacer.pause(team_id, failure.retry_after or 1.0, HISTORY)
                    continue
                if failure.kind in (Kind.RETRY, Kind.AMBIGUOUS) and errors < self.max_errors:
                    errors += 1
                    self.sleep(self.backoff.delay(errors, self.rng))
                    continue
                raise LookupFailed(failure.code) from exc

    def conversation_of(self, client: WebClient, team_id: str, target: str) -> str:
        """The conversation id to read: a user id is resolved (once) to its DM channel."""
        if not is_user_id(target):
            return target
        with self._lock:
            known = self._dm_channels.get((team_id, target))
        if known is not None:
            return known
        response = self._call(team_id, lambda: client.conversations_open(users=target))
        channel = str(response["channel"]["id"])
        with self._lock:
            if len(self._dm_channels) > 50_000:
                self._dm_channels.clear()
            self._dm_channels[(team_id, target)] = channel
        return channel

    def find(
        self, client: WebClient, team_id: str, target: str, key: str, since: datetime
    ) -> Found | None:
        """The message carrying `key` posted after `since` (minus clock skew), or None.
        Raises LookupFailed when history cannot be read."""
        channel = self.conversation_of(client, team_id, target)
        oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(self.max_pages):
            args: dict[str, Any] = {
                "channel": channel,
                "oldest": oldest,
                "include_all_metadata": True,
                "limit": 200,
            }
            if cursor:
                args["cursor"] = cursor
            response = self._call(team_id, partial(client.conversations_history, **args))
            for message in response.get("messages") or []:
                if _matches(message, key):
                    return Found(str(message["ts"]), channel)
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        raise LookupFailed(f"more than {self.max_pages} pages of history since the claim")
