"""Sending a claimed row and recording what Slack answered, a permanent failure's
consequences (unenrol a DM to someone gone, or pause the schedule and tell its owner), and
reconciling claims whose outcome is unknown. A mixin of `DeliveryEngine` (bot/delivery/engine.py),
which provides the ledger bookkeeping this part calls back into."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient

from bot.clock import Clock
from bot.delivery.model import (
    CLAIMED,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    Delivery,
    NoticeComposer,
    Outcome,
    OutgoingMessage,
    Schedule,
    SendKey,
    Skip,
    delivery_key,
    full_key,
    is_user_id,
)
from bot.delivery.reconcile import HistoryReader, LookupFailed
from bot.delivery.replicas import Replicas
from bot.delivery.sender import NotSent, Sender
from bot.delivery.slack_errors import RECIPIENT_GONE, Kind
from bot.delivery.timing import Occurrence, utc_text
from bot.store import deliveries
from bot.store.db import Store
from bot.store.schedules import delete_schedule, load_by_id, pause_for_failure

log = logging.getLogger("pendulum.delivery")

ClientFactory = Callable[[str], WebClient]
DEFERRED, UNSURE, BUSY = "deferred", "unsure", "busy"


class ComposeFailed(Exception):
    """A composer raised or none is registered: the delivery is marked failed."""


class Posting:
    store: Store
    clock: Clock
    client_factory: ClientFactory
    sender: Sender
    history: HistoryReader
    notice: NoticeComposer
    replicas: Replicas

    # provided by DeliveryEngine
    def _enter(self, key: str, *, exclusive: bool = True) -> bool:
        raise NotImplementedError

    def _leave(self, key: str) -> None:
        raise NotImplementedError

    def _deliver(self, row: Delivery) -> str:
        raise NotImplementedError

    def _compose(
        self, row: Delivery
    ) -> tuple[OutgoingMessage | Skip, tuple[Schedule, Occurrence] | None]:
        raise NotImplementedError

    def _after_send(self, schedule: Schedule, occ: Occurrence, outcome: Outcome) -> None:
        raise NotImplementedError

    def _after_skip(
        self, row: Delivery, reason: str, composed: tuple[Schedule, Occurrence] | None = None
    ) -> None:
        raise NotImplementedError

    def _after_sent_row(self, row: Delivery) -> None:
        raise NotImplementedError

    # -- one-offs sent now -------------------------------------------------------------------
    def send_once(
        self,
        key: SendKey,
        team_id: str,
        message: OutgoingMessage,
        *,
        kind: str | None = None,
        period: str = "once",
        expires_after: timedelta | None = None,
    ) -> Delivery:
        """A one-off message sent at most once per key, e.g.
        `send_once(("milestone", user, "managing-2y"), team, msg)`. The stored key is
        `team:part:part…`; the kind defaults to the first part. A send that cannot go out
        now (Slack down) stays pending and is retried by later ticks (until `expires_after`)."""
        stored, default_kind = full_key(team_id, key)
        now = self.clock.now()
        with self.store.write() as db:
            claimed = deliveries.insert(
                db,
                key=stored,
                team_id=team_id,
                kind=kind or default_kind,
                schedule_id=None,
                target=message["channel"],
                period=period,
                status=CLAIMED,
                due_at=now,
                expires_at=now + expires_after if expires_after else None,
                now=now,
                message=message,
                take_over=(SKIPPED,),
                claimed_by=self.replicas.id,
            )
        if claimed:
            self._send_tracked(stored, message)
        return self._row(stored)

    # -- send and record ---------------------------------------------------------------------
    def _send_tracked(self, key: str, message: OutgoingMessage) -> str:
        self._enter(key, exclusive=False)
        try:
            return self._send_claimed(self._row(key), message)
        finally:
            self._leave(key)

    def _row(self, key: str) -> Delivery:
        row = deliveries.get(self.store, key)
        if row is None:
            raise LookupError(f"delivery {key} vanished from the ledger")
        return row

    def _send_claimed(self, row: Delivery, message: OutgoingMessage) -> str:
        client = self.client_factory(row.team_id)
        since = row.claimed_at or self.clock.now()
        result = self.sender.post(client, row.team_id, row.key, message, since)
        if not isinstance(result, NotSent):
            deliveries.mark_sent(
                self.store,
                row.key,
                ts=result.ts,
                channel=result.channel,
                now=self.clock.now(),
                attempts=result.attempts,
            )
            return SENT
        failure = result.failure
        if failure.kind in (Kind.PERMANENT, Kind.REJECTED):
            deliveries.mark_failed(
                self.store, row.key, error=failure.code, attempts=result.attempts
            )
            log.warning("delivery %s failed: %s", row.key, failure.code)
            if failure.kind is Kind.PERMANENT:
                self._on_permanent(row, failure.code)
            return FAILED
        if result.maybe_posted:
            deliveries.note_attempts(
                self.store, row.key, error=failure.code, attempts=result.attempts
            )
            log.warning("delivery %s: outcome unknown (%s), will reconcile", row.key, failure.code)
            return UNSURE
        deliveries.release(self.store, row.key, error=failure.code, attempts=result.attempts)
        return DEFERRED

    def _drop_recipient(self, row: Delivery, code: str) -> bool:
        """Someone left: drop what is queued for them and unenrol the schedule that DMs
        them. True when the row's schedule was such a DM schedule (now deleted)."""
        if code in RECIPIENT_GONE and is_user_id(row.target):
            dropped = deliveries.skip_pending_to(self.store, row.team_id, row.target, reason=code)
            if dropped:
                log.info("dropped %d queued message(s) to a recipient who left", dropped)
        if row.schedule_id is None:
            return False
        schedule = load_by_id(self.store.db, row.schedule_id)
        if schedule is None:
            return False
        if code in RECIPIENT_GONE and is_user_id(schedule.target):
            delete_schedule(self.store, schedule.team_id, schedule.id)
            log.info("schedule %s unenrolled: recipient %s", schedule.id, code)
            return True
        return False

    def _on_permanent(self, row: Delivery, code: str) -> None:
        """Stop the schedule that can't be delivered: unenrol a DM to someone gone, else
        pause it and tell its owner — once, on the transition to paused."""
        if self._drop_recipient(row, code) or row.schedule_id is None:
            return
        schedule = load_by_id(self.store.db, row.schedule_id)
        if schedule is None:
            return
        now = self.clock.now()
        message = self.notice(schedule, code)
        key = delivery_key(
            schedule.team_id, "notice", message["channel"], f"{schedule.id}@{utc_text(now)}"
        )
        with self.store.write() as db:
            if not pause_for_failure(db, schedule.id, code, now):
                return  # already paused: the owner was told then
            deliveries.insert(
                db,
                key=key,
                team_id=schedule.team_id,
                kind="notice",
                schedule_id=None,
                target=message["channel"],
                period=f"{schedule.id}@{utc_text(now)}",
                status=PENDING,
                due_at=now,
                expires_at=None,
                now=now,
                message=message,
            )
        log.info("schedule %s paused (%s); telling %s", schedule.id, code, schedule.owner_user_id)
        self._deliver(self._row(key))

    # -- reconcile ---------------------------------------------------------------------------
    def _reconcile(self, rows: list[Delivery]) -> int:
        settled = 0
        for row in rows:
            if not self._enter(row.key):
                continue
            try:
                settled += self._reconcile_one(row)
            except Exception:
                log.exception("delivery %s: reconciliation failed", row.key)
            finally:
                self._leave(row.key)
        return settled

    def _reconcile_one(self, row: Delivery) -> int:
        now = self.clock.now()
        client = self.client_factory(row.team_id)
        target = row.channel or row.target
        try:
            found = self.history.find(
                client, row.team_id, target, row.key, row.claimed_at or row.due_at
            )
        except LookupFailed as exc:
            log.warning("delivery %s: cannot read history (%s)", row.key, exc)
            if row.expired(now):
                deliveries.mark_failed(
                    self.store, row.key, error=f"unverifiable: {exc}", attempts=0
                )
                return 1
            return 0
        if found is not None:
            deliveries.mark_sent(
                self.store, row.key, ts=found.ts, channel=found.channel, now=now, attempts=0
            )
            log.info("delivery %s: found in the conversation, marked sent", row.key)
            self._after_sent_row(row)
            return 1
        if row.expired(now):
            deliveries.mark_skipped(
                self.store, row.key, reason="missed: interrupted, window closed"
            )
            return 1
        message = row.payload
        composed: tuple[Schedule, Occurrence] | None = None
        if message is None:
            try:
                outcome, composed = self._compose(row)
            except ComposeFailed as exc:
                deliveries.mark_failed(self.store, row.key, error=str(exc)[:500], attempts=0)
                return 1
            if isinstance(outcome, Skip):
                if deliveries.mark_skipped(self.store, row.key, reason=outcome.reason):
                    self._after_skip(row, outcome.reason, composed)
                return 1
            message = outcome
        log.info("delivery %s: not in the conversation, sending now", row.key)
        if self._send_claimed(row, message) == SENT and composed is not None:
            self._after_send(*composed, Outcome(SENT))
        return 1
