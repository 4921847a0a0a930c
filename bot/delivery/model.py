"""The shapes the engine shares with the code that registers composers."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, NotRequired, Protocol, TypedDict, TypeVar, cast

from bot.delivery.person import Person
from bot.delivery.timing import Occurrence, WeeklySlot, parse_utc

__all__ = ["Person"]


class OutgoingMessage(TypedDict):
    """What a composer returns: `chat.postMessage` arguments (the engine adds `metadata`)."""

    channel: str  # a channel id, or a user id for a DM
    text: str  # the notification fallback; required even with blocks
    blocks: NotRequired[list[dict[str, Any]]]


class ScheduleNotFound(LookupError):
    """No schedule with that id in that workspace."""


@dataclass(frozen=True)
class Schedule:
    id: int
    team_id: str
    kind: str
    owner_user_id: str
    target: str
    weekday: int
    local_time: str
    tz: str
    params: dict[str, Any]
    paused_reason: str | None
    paused_until: date | None
    next_due_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def slot(self) -> WeeklySlot:
        return WeeklySlot.parse(self.weekday, self.local_time, self.tz)

    @property
    def paused_indefinitely(self) -> bool:
        return self.paused_reason is not None and self.paused_until is None

    def is_paused_on(self, local_day: date) -> bool:
        if self.paused_indefinitely:
            return True
        return self.paused_until is not None and local_day < self.paused_until

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Schedule:
        return cls(
            id=int(row["id"]),
            team_id=row["team_id"],
            kind=row["kind"],
            owner_user_id=row["owner_user_id"],
            target=row["target"],
            weekday=int(row["weekday"]),
            local_time=row["local_time"],
            tz=row["tz"],
            params=json.loads(row["params"] or "{}"),
            paused_reason=row["paused_reason"],
            paused_until=date.fromisoformat(row["paused_until"]) if row["paused_until"] else None,
            next_due_at=parse_utc(row["next_due_at"]) if row["next_due_at"] else None,
            created_at=parse_utc(row["created_at"]),
            updated_at=parse_utc(row["updated_at"]),
        )


PENDING, CLAIMED, SENT, FAILED, SKIPPED = "pending", "claimed", "sent", "failed", "skipped"


def delivery_key(team_id: str, kind: str, target: str, period: str) -> str:
    return f"{team_id}:{kind}:{target}:{period}"


@dataclass(frozen=True)
class Delivery:
    key: str
    team_id: str
    kind: str
    schedule_id: int | None
    target: str
    period: str
    status: str
    due_at: datetime
    expires_at: datetime | None
    claimed_at: datetime | None
    sent_at: datetime | None
    channel: str | None
    ts: str | None
    payload: OutgoingMessage | None
    attempts: int
    error: str | None
    claimed_by: str | None = None  # the replica that claimed it (bot/delivery/replicas.py)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Delivery:
        def when(name: str) -> datetime | None:
            return parse_utc(row[name]) if row[name] else None

        return cls(
            key=row["key"],
            team_id=row["team_id"],
            kind=row["kind"],
            schedule_id=row["schedule_id"],
            target=row["target"],
            period=row["period"],
            status=row["status"],
            due_at=parse_utc(row["due_at"]),
            expires_at=when("expires_at"),
            claimed_at=when("claimed_at"),
            sent_at=when("sent_at"),
            channel=row["channel"],
            ts=row["ts"],
            payload=cast("OutgoingMessage", json.loads(row["payload"])) if row["payload"] else None,
            attempts=int(row["attempts"]),
            error=row["error"],
            claimed_by=row.get("claimed_by"),
        )

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now > self.expires_at


class Recipients(Protocol):
    """Resolves a DM's recipient (bot/delivery/people.py's PeopleService); None = unknown."""

    def resolve(self, team_id: str, user_id: str) -> Person | None: ...


# the skip reason of every DM not sent because the recipient's Slack status says away
AWAY_SKIP = "away: their Slack status says so"


@dataclass(frozen=True)
class Skip:
    """A composer's "nothing to send this time", saying why (stored on the ledger row and
    passed to the kind's after-send hook)."""

    reason: str


@dataclass(frozen=True)
class Outcome:
    """What became of one scheduled occurrence, for the kind's after-send hook."""

    status: str  # ledger status: sent | skipped
    reason: str | None = None


# What the engine calls, bound to the features' `Deps` (see `Kind.bind`):
# (schedule, occurrence) -> message, or None / Skip for "nothing this time" (recorded as
# skipped). Composers are pure: no Slack calls and no writes (the after-send hook writes).
# The occurrence carries the DM's recipient as the people cache knows them.
Composer = Callable[[Schedule, Occurrence], "OutgoingMessage | Skip | None"]

SendKey = str | Sequence[str]  # a one-off's key: "kind:target:suffix", or its parts


class Outbox(Protocol):
    """One-off sends, follow-ups and reminders (the engine; `StoredOutbox` in
    bot/delivery/outbox.py has every method but `send_once`). A key is stored as
    `team:part:part…` and its kind defaults to the first part, so
    `send_later(team, ("reminder", user, week), …)` is `delivery_key(team, "reminder", user, week)`.
    """

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
        """Send now, at most once per key (a send Slack can't take now is retried)."""
        ...

    def send_now(self, kind: str, schedule_id: int, *, team_id: str | None = None) -> Delivery:
        """This period's message of a schedule, now (it IS the period's send)."""
        ...

    def send_later(
        self,
        team_id: str,
        key: SendKey,
        message: OutgoingMessage,
        *,
        due_at: datetime,
        expires_after: timedelta,
        period: str,
        schedule_id: int | None = None,
    ) -> bool:
        """Queue a DM for `due_at` (dropped if more than `expires_after` late). False if the key
        was queued, sent or held before."""
        ...

    def hold(self, team_id: str, key: SendKey, *, target: str, period: str, reason: str) -> bool:
        """Take the key without sending (a skipped placeholder), so the automatic send of that
        key never comes. False if the key was taken before."""
        ...

    def cancel(
        self,
        team_id: str,
        target: str,
        *,
        kinds: Sequence[str],
        period: str | None = None,
        reason: str,
        keep: Collection[str] = (),
    ) -> int:
        """Skip what is still pending to `target` of these kinds (of one period, or all),
        except the stored keys in `keep`. Returns how many were skipped."""
        ...

    def status(self, team_id: str, key: SendKey) -> str | None:
        """The key's ledger status (pending, claimed, sent, failed, skipped), or None."""
        ...

    def pending(self, team_id: str, target: str, kind: str) -> list[Delivery]:
        """What is still pending to `target` of one kind."""
        ...


def full_key(team_id: str, key: SendKey) -> tuple[str, str]:
    """(the stored key, the kind it names)."""
    parts = key if isinstance(key, str) else ":".join(key)
    return f"{team_id}:{parts}", parts.split(":", 1)[0]


# (outbox, schedule, occurrence, outcome) -> None: the writes that follow a send or a skip
# (queue the reminder, mark the week away...). Runs on the engine's thread after the ledger
# recorded it; the engine passes itself as the outbox.
AfterSend = Callable[[Outbox, Schedule, Occurrence, Outcome], None]

# (schedule, Slack error code) -> the DM that tells the owner their schedule was paused.
NoticeComposer = Callable[[Schedule, str], OutgoingMessage]

D = TypeVar("D")
# A kind's composer and after-send hook as features write them: `deps` first (bot.services.Deps).
# A composer may build its message as a plain dict of `chat.postMessage` arguments.
KindCompose = Callable[[D, Schedule, Occurrence], "OutgoingMessage | dict[str, Any] | Skip | None"]
KindAfter = Callable[[D, Outbox, Schedule, Occurrence, Outcome], None]
# Idempotent bookkeeping before composing (the tip rotation's pick): the only writes allowed
# on the way to a message.
KindPrepare = Callable[[D, Schedule, Occurrence], None]


@dataclass(frozen=True)
class Kind(Generic[D]):
    """A scheduled kind as a feature registers it (`Router.kind`): its composer (pure: no
    Slack calls, no writes) and, optionally, its `prepare` step (idempotent bookkeeping
    writes, run just before the composer) and its after-send hook (the writes and queued
    one-offs that follow a send or a skip, through the engine's `Outbox`). All take the
    features' dependencies (`bot.services.Deps`) first."""

    name: str
    compose: KindCompose[D]
    after: KindAfter[D] | None = None
    prepare: KindPrepare[D] | None = None

    def bind(self, deps: D) -> tuple[Composer, AfterSend | None]:
        compose, after, prepare = self.compose, self.after, self.prepare

        def composer(schedule: Schedule, occ: Occurrence) -> OutgoingMessage | Skip | None:
            if prepare is not None:
                prepare(deps, schedule, occ)
            return cast("OutgoingMessage | Skip | None", compose(deps, schedule, occ))

        if after is None:
            return composer, None

        def hook(outbox: Outbox, schedule: Schedule, occ: Occurrence, outcome: Outcome) -> None:
            after(deps, outbox, schedule, occ, outcome)

        return composer, hook


METADATA_EVENT_TYPE = "pendulum_delivery"


def delivery_metadata(key: str) -> dict[str, Any]:
    """Slack message metadata carrying the ledger key, so a send can be found again."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": key}}


def is_user_id(target: str) -> bool:
    """User ids (U…, W… on Enterprise Grid) mean "DM this person"; C/G/D ids are conversations."""
    return target[:1] in ("U", "W")
