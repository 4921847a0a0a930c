"""The delivery engine: stored schedules in, at most one Slack message per recipient and
period out, none lost to a crash.

A tick does three things:

1. **Plan** — due schedules become `pending` (or `skipped`) ledger rows (see `planner`).
2. **Reconcile** — `claimed` rows left by a replica that is gone, or older than
   `stale_after`, are taken over (`Replicas.take_over_claims`) and checked against
   `conversations.history` (see `reconcile`).
3. **Queue** — every pending row due by now goes into its workspace's lane (see `lanes`):
   each workspace has its own threads, so one workspace's fan-out never holds another's
   sends, and inside a lane the earliest deadline goes first across kinds (a DM's deadline
   is its due time; a channel post may wait `channel_lateness` behind DMs). A worker thread
   then resolves the recipient (people cache) → composes (pure) → claims (pending →
   claimed, storing the exact message) → paced send → records, and runs the kind's
   after-send hook. The DB is never locked during a Slack call.

`tick()` waits for what it queued (tests, one-shot runs); the scheduler calls
`tick(wait=False)`, which returns at once, so the tick keeps running every interval while a
long fan-out drains (new due sends join the queue by deadline; the heartbeat stays honest).

`recover()` runs step 2 for every claimed row at start-up (SQLite only: on PostgreSQL the
claims of live replicas are theirs). With several replicas, `replicas` (replicas.py) says
which workspaces this one paces; only those are queued and reconciled here.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.clock import Clock
from bot.delivery.lanes import Lanes, Progress
from bot.delivery.model import (
    AWAY_SKIP,
    CLAIMED,
    FAILED,
    PENDING,
    SENT,
    SKIPPED,
    AfterSend,
    Composer,
    Delivery,
    NoticeComposer,
    Outcome,
    OutgoingMessage,
    Person,
    Recipients,
    Schedule,
    ScheduleNotFound,
    Skip,
    delivery_key,
    is_user_id,
)
from bot.delivery.notices import default_notice
from bot.delivery.outbox import StoredOutbox
from bot.delivery.pacing import Pacer, RateLimits
from bot.delivery.planner import plan_due
from bot.delivery.posting import BUSY, ClientFactory, ComposeFailed, Posting
from bot.delivery.reconcile import HistoryReader
from bot.delivery.replicas import Replicas
from bot.delivery.sender import RetryPolicy, Sender
from bot.delivery.timing import Occurrence, Period, local_date_of, period_key
from bot.store import deliveries
from bot.store.db import Store
from bot.store.schedules import load_by_id

log = logging.getLogger("pendulum.delivery")

GONE = "account_inactive"  # the people cache says the recipient was deactivated
NOTHING = "nothing to send"


@dataclass
class TickReport:
    planned: int = 0
    reconciled: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return self.outcomes[SENT]


class DeliveryEngine(StoredOutbox, Posting):
    """Plans, sends and records scheduled and one-off messages; also the `Outbox` (model.py)
    of one-offs: `send_once` here, the store-only rest inherited from `StoredOutbox`."""

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        clock: Clock,
        composers: Mapping[str, Composer],
        *,
        grace: timedelta = timedelta(hours=12),
        periods: Mapping[str, Period] | None = None,
        limits: RateLimits | None = None,
        policy: RetryPolicy | None = None,
        workers: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        notice: NoticeComposer = default_notice,
        stale_after: timedelta = timedelta(minutes=10),
        progress_every: int = 100,
        batch_size: int = 500,
        max_attempts_total: int = 50,
        on_progress: Callable[[], None] | None = None,
        people: Recipients | None = None,
        after: Mapping[str, AfterSend] | None = None,
        channel_lateness: timedelta = timedelta(minutes=10),
        replicas: Replicas | None = None,
    ) -> None:
        super().__init__(store, clock)
        self.client_factory = client_factory
        self.composers = dict(composers)
        self.grace = grace
        self.periods = dict(periods or {})
        self.notice = notice
        self.stale_after = stale_after
        self.progress_every = max(1, progress_every)
        self.batch_size = batch_size
        self.max_attempts_total = max_attempts_total
        # called at most every few seconds during a long fan-out (keeps /healthz fresh)
        self.on_progress = on_progress
        self.people = people  # resolves a DM's recipient; None: composers get no recipient
        self.after = dict(after or {})
        self.channel_lateness = channel_lateness
        self.replicas = replicas or Replicas(store, clock)
        self.pacer = Pacer(clock, limits)
        self.replicas.on_take_over = lambda team_id: self.pacer.pause(team_id, 0.0)
        self.history = HistoryReader(self.pacer, sleep)
        self.sender = Sender(self.pacer, self.history, sleep, policy=policy, rng=rng)
        self._lanes = Lanes(workers)
        self._inflight: Counter[str] = Counter()
        self._inflight_lock = threading.Lock()
        self._finished: Counter[str] = Counter()  # outcomes of sends no tick waited for
        self._finished_lock = threading.Lock()

    # -- public API --------------------------------------------------------------------------
    def tick(self, *, wait: bool = True) -> TickReport:
        """Plan what is due, reconcile stale claims, queue everything pending. With `wait`,
        return once what this tick queued is done (its outcomes); without, return at once
        with the outcomes finished since the previous tick."""
        report = TickReport()
        now = self.clock.now()
        self.replicas.beat()
        report.planned = self._plan_due(now)
        report.reconciled = self._reconcile(self.replicas.take_over_claims(now - self.stale_after))
        futures = self._queue_due(now, collect=not wait)
        self.replicas.release_idle(self._lanes.busy())
        if wait:
            report.outcomes = self._outcomes(futures)
        else:
            with self._finished_lock:
                report.outcomes, self._finished = self._finished, Counter()
        return report

    def queued(self) -> int:
        """Sends waiting in the lanes (not started yet)."""
        return self._lanes.queued()

    def recover(self) -> int:
        """At start-up: settle every claim a previous process left behind (found in the
        conversation → sent; not found → sent now, if still inside its window). With
        replicas, only the ticks do this, for claims whose replica is gone."""
        if self.replicas.shared:
            return 0
        return self._reconcile(deliveries.open_rows(self.store, CLAIMED))

    def send_now(self, kind: str, schedule_id: int, *, team_id: str | None = None) -> Delivery:
        """Send this period's message of a schedule now ("send this week's tip now"). It IS
        the period's send: a later scheduled occurrence in the same period sends nothing. If
        the period's message already went out, the existing ledger row is returned. Works on a
        paused schedule too (a failure then does not notify again). Raises ScheduleNotFound,
        ValueError (wrong kind) or ComposeFailed."""
        schedule = load_by_id(self.store.db, schedule_id)
        if schedule is None or (team_id is not None and schedule.team_id != team_id):
            raise ScheduleNotFound(f"no schedule {schedule_id}")
        if schedule.kind != kind:
            raise ValueError(f"schedule {schedule_id} is a {schedule.kind!r}, not {kind!r}")
        now = self.clock.now()
        today = local_date_of(now, schedule.slot.tz)
        period = period_key(today, self._period(kind))
        key = delivery_key(schedule.team_id, kind, schedule.target, period)
        existing = deliveries.get(self.store, key)
        if existing is not None and existing.status in (SENT, CLAIMED):
            return existing
        occurrence = Occurrence(today, now, manual=True)
        composed = self._call_composer(schedule, occurrence)
        message = None if isinstance(composed, Skip) else composed
        fields: dict[str, Any] = {
            "key": key,
            "team_id": schedule.team_id,
            "kind": kind,
            "schedule_id": schedule.id,
            "target": schedule.target,
            "period": period,
            "due_at": now,
            "expires_at": now + self.grace,
            "now": now,
        }
        with self.store.write() as db:
            if isinstance(composed, Skip):
                deliveries.insert(db, status=SKIPPED, error=composed.reason, **fields)
                claimed = False
            else:
                claimed = deliveries.insert(
                    db,
                    status=CLAIMED,
                    message=message,
                    take_over=(PENDING, SKIPPED, FAILED),
                    claimed_by=self.replicas.id,
                    **fields,
                )
        if isinstance(composed, Skip):
            self._after_skip(self._row(key), composed.reason)
        elif claimed and message is not None and self._send_tracked(key, message) == SENT:
            self._after_send(schedule, occurrence, Outcome(SENT))
        return self._row(key)

    def close(self) -> None:
        """Stop: queued sends not started stay pending (the next start sends them); the
        ones in progress finish; then the other replicas may take over at once."""
        self._lanes.close()
        self.replicas.close()

    # -- plan --------------------------------------------------------------------------------
    def _period(self, kind: str) -> Period:
        return self.periods.get(kind, "week")

    def _plan_due(self, now: datetime) -> int:
        return plan_due(self.store, now, self.grace, self._period, self.batch_size)

    # -- queue -------------------------------------------------------------------------------
    def _deadline(self, row: Delivery) -> datetime:
        """Earliest deadline first across kinds: a DM is due when it is due; a channel post
        (a broadcast nobody waits for personally) may wait behind DMs for a while."""
        return row.due_at if is_user_id(row.target) else row.due_at + self.channel_lateness

    def _queue_due(self, now: datetime, *, collect: bool) -> list[Future[str]]:
        rows = deliveries.open_rows(self.store, PENDING, due_by=now)
        progress = Progress(
            len(rows),
            every=self.progress_every,
            on_progress=self.on_progress,
            finish=self._finish if collect else None,
        )
        futures: list[Future[str]] = []
        owned = {team: self.replicas.owns(team) for team in {r.team_id for r in rows}}
        for row in rows:
            if not owned[row.team_id]:
                continue  # another replica paces this workspace
            work = partial(self._deliver_counted, row.key, progress)
            future = self._lanes.submit(row.team_id, row.key, self._deadline(row), work)
            if future is not None:
                futures.append(future)
        if futures:
            log.info("delivery: %d message(s) to send", len(futures))
        progress.expect(len(futures))
        return futures

    def _deliver_counted(self, key: str, progress: Progress) -> str:
        outcome = FAILED
        try:
            outcome = self._deliver_key(key)
        finally:
            progress.done(outcome)  # before the tick waiting for it can return
        return outcome

    def _outcomes(self, futures: list[Future[str]]) -> Counter[str]:
        wait(futures)
        return Counter(future.result() for future in futures)  # re-raises a crash

    def _finish(self, outcome: str) -> None:
        with self._finished_lock:
            self._finished[outcome] += 1

    def _enter(self, key: str, *, exclusive: bool = True) -> bool:
        with self._inflight_lock:
            if exclusive and self._inflight[key] > 0:
                return False
            self._inflight[key] += 1
            return True

    def _leave(self, key: str) -> None:
        with self._inflight_lock:
            self._inflight[key] -= 1
            if self._inflight[key] <= 0:
                del self._inflight[key]

    def _deliver_key(self, key: str) -> str:
        """A queued row, read again when its turn comes (it may have been cancelled, sent
        by hand or re-queued since)."""
        row = deliveries.get(self.store, key)
        if row is None or row.status != PENDING:
            return BUSY
        if not self.replicas.should_keep(row.team_id):
            return BUSY  # handed over to another replica: it stays pending for the new owner
        return self._deliver(row)

    def _deliver(self, row: Delivery) -> str:
        """One pending row, start to finish (runs on a worker thread)."""
        if not self._enter(row.key):
            return BUSY
        try:
            now = self.clock.now()
            if row.expired(now):
                deliveries.mark_skipped(self.store, row.key, reason="missed: its window closed")
                return SKIPPED
            if row.attempts >= self.max_attempts_total:
                deliveries.mark_failed(
                    self.store, row.key, error=f"gave up: {row.error}", attempts=0
                )
                return FAILED
            message = row.payload
            composed: tuple[Schedule, Occurrence] | None = None
            if message is None:
                try:
                    outcome, composed = self._compose(row)
                except ComposeFailed as exc:
                    deliveries.mark_failed(self.store, row.key, error=str(exc)[:500], attempts=0)
                    return FAILED
                if isinstance(outcome, Skip):
                    if deliveries.mark_skipped(self.store, row.key, reason=outcome.reason):
                        self._after_skip(row, outcome.reason, composed)
                    return SKIPPED
                message = outcome
            elif (skip := self._queued_skip(row)) is not None:
                if deliveries.mark_skipped(self.store, row.key, reason=skip.reason):
                    self._after_skip(row, skip.reason)
                return SKIPPED
            if not deliveries.claim(self.store, row.key, message, now, by=self.replicas.id):
                return BUSY
            claimed = replace(row, status=CLAIMED, claimed_at=now, channel=message["channel"])
            result = self._send_claimed(claimed, message)
            if result == SENT and composed is not None:
                self._after_send(*composed, Outcome(SENT))
            return result
        except Exception:
            log.exception("delivery %s: unexpected error", row.key)
            return FAILED
        finally:
            self._leave(row.key)

    def _compose(
        self, row: Delivery
    ) -> tuple[OutgoingMessage | Skip, tuple[Schedule, Occurrence] | None]:
        schedule = load_by_id(self.store.db, row.schedule_id) if row.schedule_id else None
        if schedule is None:
            return Skip(NOTHING), None  # deleted since it was planned
        if schedule.paused_indefinitely:
            return Skip(NOTHING), None
        occurrence = Occurrence(local_date_of(row.due_at, schedule.slot.tz), row.due_at)
        occurrence = self._with_recipient(schedule, occurrence)
        return self._call_composer(schedule, occurrence), (schedule, occurrence)

    def _with_recipient(self, schedule: Schedule, occ: Occurrence) -> Occurrence:
        """The occurrence with its DM recipient resolved through the people cache."""
        if self.people is None or occ.recipient is not None or not is_user_id(schedule.target):
            return occ
        try:
            person = self.people.resolve(schedule.team_id, schedule.target)
        except Exception:
            log.exception("people: could not resolve a recipient; sending without")
            return occ
        return occ if person is None else replace(occ, recipient=person)

    def _call_composer(self, schedule: Schedule, occ: Occurrence) -> OutgoingMessage | Skip:
        composer = self.composers.get(schedule.kind)
        if composer is None:
            raise ComposeFailed(f"no composer registered for kind {schedule.kind!r}")
        occ = self._with_recipient(schedule, occ)
        if occ.recipient is not None and occ.recipient.deleted:
            return Skip(GONE)
        if occ.recipient is not None and occ.recipient.is_bot:
            return Skip("the recipient is a bot")
        try:
            message = composer(schedule, occ)
        except Exception as exc:
            log.exception("composer for %r failed on schedule %s", schedule.kind, schedule.id)
            raise ComposeFailed(f"composer error: {type(exc).__name__}: {exc}") from exc
        if message is None:
            return Skip(NOTHING)
        if not occ.manual and self._away(occ.recipient):
            return Skip(AWAY_SKIP)
        return message

    def _away(self, person: Person | None) -> bool:
        """Every DM not asked for by hand waits out an away status (vacation, sick, OOO)."""
        return person is not None and person.away_at(self.clock.now())

    def _queued_skip(self, row: Delivery) -> Skip | None:
        """A queued one-off DM (its message stored when queued): skipped, like a composed one,
        when the people cache says the recipient left or is away. (A row released for a retry
        was checked before its first attempt, and a manual send's retry must still go.)"""
        if self.people is None or row.attempts or row.schedule_id is not None:
            return None
        if not is_user_id(row.target):
            return None
        try:
            person = self.people.resolve(row.team_id, row.target)
        except Exception:
            log.exception("people: could not resolve a recipient; sending without")
            return None
        if person is not None and person.deleted:
            return Skip(GONE)
        return Skip(AWAY_SKIP) if self._away(person) else None

    # -- after a send or a skip ----------------------------------------------------------------
    def _after_send(self, schedule: Schedule, occ: Occurrence, outcome: Outcome) -> None:
        hook = self.after.get(schedule.kind)
        if hook is None:
            return
        try:
            hook(self, schedule, occ, outcome)
        except Exception:
            log.exception("after-send hook for %r failed (schedule %s)", schedule.kind, schedule.id)

    def _after_skip(
        self, row: Delivery, reason: str, composed: tuple[Schedule, Occurrence] | None = None
    ) -> None:
        if reason == GONE and is_user_id(row.target):
            self._drop_recipient(row, reason)
            return
        if composed is None:
            composed = self._occurrence_of(row)
        if composed is not None:
            self._after_send(*composed, Outcome(SKIPPED, reason))

    def _after_sent_row(self, row: Delivery) -> None:
        """The hook for a send confirmed later (found in the conversation at reconcile)."""
        if row.kind in self.after and (composed := self._occurrence_of(row)) is not None:
            self._after_send(*composed, Outcome(SENT))

    def _occurrence_of(self, row: Delivery) -> tuple[Schedule, Occurrence] | None:
        schedule = load_by_id(self.store.db, row.schedule_id) if row.schedule_id else None
        if schedule is None:
            return None
        return schedule, Occurrence(local_date_of(row.due_at, schedule.slot.tz), row.due_at)
