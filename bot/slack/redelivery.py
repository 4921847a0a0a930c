"""Slack's redeliveries, answered once.

Slack sends a request again when it thinks the first went unanswered (Socket Mode
`retry_attempt`, HTTP `X-Slack-Retry-Num`), and Bolt does not deduplicate. A repeat is
recognised by what Slack keeps across retries — `event_id` for events, `trigger_id` for
commands and interactions, the view id for a closed modal — and gets the first delivery's
answer again (waiting briefly if the first is still running) instead of running the
listeners a second time: no second DM, modal, ephemeral or database row.

Memory answers a retry with the first answer. A repeat after a restart (a retry, or a
signed request captured and replayed within the 5-minute signature window) finds the key in
`processed_requests` (prefix `slack:`) and is acked without running again: there is no first
answer to give back, but no second side effect either. Those keys are kept a little longer
than the signature window and Slack's retries, then pruned (`Housekeeping`).

Only a request that proves it comes from Slack can be answered from memory: over HTTP its
signature is checked first, so a forged copy of a real request learns nothing and is refused
by Bolt as usual.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.clock import Clock
from bot.store import requests as request_keys
from bot.store.db import Store
from bot.store.sql import DATABASE_ERRORS

log = logging.getLogger("pendulum.redelivery")

Dispatch = Callable[[BoltRequest], BoltResponse]
KEEP_SECONDS = 10 * 60  # Slack retries an event after about 1 and 5 minutes
MAX_KEPT = 5_000  # answers are a few KiB each: at most ~15 MiB
WAIT_FOR_FIRST = 2.5  # a repeat that arrives while the first still runs waits this long
DURABLE_PREFIX = "slack:"  # request keys in processed_requests; pruned after KEEP_SECONDS


def request_key(body: Mapping[str, Any]) -> str | None:
    """What identifies a request across Slack's retries; None when nothing does."""
    if body.get("type") == "event_callback":
        event_id = body.get("event_id")
        return f"event:{event_id}" if event_id else None
    trigger = body.get("trigger_id")
    if trigger:
        kind = "command" if body.get("command") else str(body.get("type") or "interaction")
        return f"{kind}:{trigger}"
    view = body.get("view")
    if body.get("type") == "view_closed" and isinstance(view, Mapping) and view.get("id"):
        return f"view_closed:{view['id']}"
    return None


def team_of(body: Mapping[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    return str(body.get("team_id") or "")


class DurableKeys:
    """Request keys in the database, so a repeat after a restart does nothing twice."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def first_time(self, team_id: str, key: str) -> bool:
        """True unless `key` was recorded before; a database that can't be written (busy,
        full) does not stop the request: memory still guards the retries."""
        try:
            now = self.clock.now()
            return request_keys.first_time(self.store, team_id, DURABLE_PREFIX + key, now)
        except DATABASE_ERRORS as exc:
            log.warning("request key not recorded (%s): only memory guards it", exc)
            return True

    def forget(self, key: str) -> None:
        try:
            request_keys.forget(self.store, DURABLE_PREFIX + key)
        except DATABASE_ERRORS as exc:
            log.warning("request key not dropped after a failure (%s)", exc)


@dataclass
class _First:
    started: float = field(default_factory=time.monotonic)
    done: bool = False  # repeats wait for it on Redeliveries._finished
    response: BoltResponse | None = None


class Redeliveries:
    def __init__(
        self,
        signing_secret: str | None,
        *,
        keep_seconds: float = KEEP_SECONDS,
        max_kept: int = MAX_KEPT,
        wait: float = WAIT_FOR_FIRST,
        durable: DurableKeys | None = None,
    ) -> None:
        self.durable = durable
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.keep_seconds = keep_seconds
        self.max_kept = max_kept
        self.wait = wait
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)  # one for all: no Event per request
        self._seen: OrderedDict[str, _First] = OrderedDict()
        self._waiting = 0  # repeats waiting for their first (changed under the lock)
        self.repeats = 0

    def around(self, req: BoltRequest, dispatch: Dispatch) -> BoltResponse:
        key = request_key(req.body or {})
        if key is None or not self._authentic(req):
            return dispatch(req)
        with self._lock:
            self._forget_old(time.monotonic())
            first = self._seen.get(key)
            if first is None:
                mine = self._seen[key] = _First()
        if first is not None:
            return self._repeat(key, first, req, dispatch)
        return self._run(key, mine, req, dispatch)

    def _run(self, key: str, mine: _First, req: BoltRequest, dispatch: Dispatch) -> BoltResponse:
        response: BoltResponse | None = None
        recorded = False
        try:
            if self.durable is not None:
                if not self.durable.first_time(team_of(req.body or {}), key):
                    log.info("repeat of %s from before a restart: acked", key.split(":")[0])
                    response = BoltResponse(status=200, body="")
                    return response
                recorded = True
            response = dispatch(req)
            return response
        finally:
            if response is not None and response.status < 500:
                mine.response = response
                mine.done = True  # before reading _waiting: see _repeat
                if self._waiting:  # usually nobody: then no shared lock on the way out
                    with self._lock:
                        self._finished.notify_all()
            else:  # failed: a retry may try again
                if recorded and self.durable is not None:
                    self.durable.forget(key)
                with self._lock:
                    if self._seen.get(key) is mine:  # failed: a retry may try again
                        del self._seen[key]
                    mine.done = True
                    self._finished.notify_all()

    def _repeat(
        self, key: str, first: _First, req: BoltRequest, dispatch: Dispatch
    ) -> BoltResponse:
        with self._lock:
            # counted before `done` is read, so a first that finishes meanwhile either sees
            # the count and notifies, or has set `done` already
            self._waiting += 1
            try:
                done = self._finished.wait_for(lambda: first.done, timeout=self.wait)
            finally:
                self._waiting -= 1
        if not done:
            log.info("redelivery of %s while the first is still running: acked", key.split(":")[0])
            return BoltResponse(status=200, body="")
        if first.response is None:  # the first failed; this one gets its own try
            return self.around(req, dispatch)
        with self._lock:
            self.repeats += 1
        log.info("redelivery of %s answered with the first answer", key.split(":")[0])
        return first.response

    def _authentic(self, req: BoltRequest) -> bool:
        if req.mode == "socket_mode" or self.verifier is None:
            return True
        timestamp = (req.headers.get("x-slack-request-timestamp") or [""])[0]
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        try:
            return bool(self.verifier.is_valid(req.raw_body, timestamp, signature))
        except ValueError:  # a timestamp that is not a number
            return False

    def _forget_old(self, now: float) -> None:
        while self._seen:
            key, first = next(iter(self._seen.items()))
            if len(self._seen) <= self.max_kept and now - first.started < self.keep_seconds:
                return
            del self._seen[key]
