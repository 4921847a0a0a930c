"""One message to Slack, paced, retried and never doubled.

The loop: wait for a pacer slot → `chat.postMessage` with the ledger key as metadata →
on 429 pause the workspace for Retry-After; on a safe transient error back off; on an
ambiguous one back off and then look in the conversation before trying again; on a
permanent or rejected error stop. The caller turns the outcome into a ledger update.

Pass clients built without slack_sdk retry handlers (see `bot.delivery.client`): a handler
that silently re-sends after a dropped connection could post twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.delivery.model import OutgoingMessage, delivery_metadata
from bot.delivery.pacing import Backoff, Pacer
from bot.delivery.reconcile import HistoryReader, LookupFailed
from bot.delivery.slack_errors import Failure, Kind, classify

log = logging.getLogger("pendulum.delivery")


@dataclass(frozen=True)
class Sent:
    ts: str
    channel: str
    attempts: int


@dataclass(frozen=True)
class NotSent:
    failure: Failure
    attempts: int
    maybe_posted: bool  # True: the row must stay claimed until history says otherwise


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6  # 5xx / network attempts per message per tick
    max_rate_limited: int = 20  # 429s tolerated per message per tick
    max_wait: float = 120.0  # a workspace pause longer than this defers the send to a later tick
    backoff: Backoff = field(default_factory=Backoff)


class Sender:
    def __init__(
        self,
        pacer: Pacer,
        history: HistoryReader,
        sleep: Callable[[float], None],
        *,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.pacer = pacer
        self.history = history
        self.sleep = sleep
        self.policy = policy or RetryPolicy()
        self.rng = rng or random.Random()

    def _nap(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def post(
        self,
        client: WebClient,
        team_id: str,
        key: str,
        message: OutgoingMessage,
        since: datetime,
    ) -> Sent | NotSent:
        policy = self.policy
        attempts = errors = limited = 0
        maybe_posted = gave_up = False
        last = Failure(Kind.RETRY, "not_attempted")
        while True:
            if maybe_posted:  # the previous attempt may have landed: look before re-sending
                try:
                    found = self.history.find(client, team_id, message["channel"], key, since)
                except LookupFailed as exc:
                    log.warning("delivery %s: cannot check history (%s)", key, exc)
                    return NotSent(last, attempts, maybe_posted=True)
                if found is not None:
                    return Sent(found.ts, found.channel, attempts)
                maybe_posted = False
            if gave_up:
                return NotSent(last, attempts, maybe_posted=False)
            if self.pacer.paused_for(team_id) > policy.max_wait:
                return NotSent(Failure(Kind.RATE_LIMITED, "deferred"), attempts, False)
            self._nap(self.pacer.reserve_post(team_id, message["channel"]))
            attempts += 1
            try:
                response = client.chat_postMessage(
                    channel=message["channel"],
                    text=message["text"],
                    blocks=message.get("blocks"),
                    metadata=delivery_metadata(key),
                )
                return Sent(str(response["ts"]), str(response["channel"]), attempts)
            except Exception as exc:
                last = classify(exc)
            if last.kind is Kind.RATE_LIMITED:
                limited += 1
                retry_after = last.retry_after if last.retry_after is not None else 1.0
                log.info("delivery %s: 429, workspace %s paused %.1fs", key, team_id, retry_after)
                self.pacer.pause(team_id, retry_after)
                if limited > policy.max_rate_limited:
                    return NotSent(last, attempts, False)
                continue
            if last.kind in (Kind.PERMANENT, Kind.REJECTED):
                return NotSent(last, attempts, False)
            errors += 1
            maybe_posted = last.kind is Kind.AMBIGUOUS
            if errors >= policy.max_attempts:
                gave_up = True
                continue
            delay = policy.backoff.delay(errors, self.rng)
            log.info("delivery %s: %s, retry %d in %.2fs", key, last.code, errors, delay)
            self._nap(delay)
