"""The shapes the engine shares with the code that registers composers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NotRequired, Protocol, TypedDict

if TYPE_CHECKING:
    from bot.delivery.schedules import Schedule
    from bot.delivery.timing import Occurrence


class OutgoingMessage(TypedDict):
    """What a composer returns: `chat.postMessage` arguments (the engine adds `metadata`)."""

    channel: str  # a channel id, or a user id for a DM
    text: str  # the notification fallback; required even with blocks
    blocks: NotRequired[list[dict[str, Any]]]


@dataclass(frozen=True)
class Person:
    """What delivery needs to know about a recipient, from the people cache
    (bot/delivery/people.py): their zone, whether their Slack status says away (until when),
    and whether they can get a DM at all. `fetched_at` is when Slack last told us (a sweep,
    a look-up or an event)."""

    user_id: str
    tz: str | None
    away: bool
    away_until: float | None  # epoch seconds the away status expires; None = no expiry
    deleted: bool
    is_bot: bool
    fetched_at: datetime

    def away_at(self, now: datetime) -> bool:
        """Away at `now` (an expired status, which Slack clears lazily, does not count)."""
        if not self.away:
            return False
        return self.away_until is None or now.timestamp() < self.away_until


class Recipients(Protocol):
    """Resolves a DM's recipient (bot/delivery/people.py's PeopleService); None = unknown."""

    def resolve(self, team_id: str, user_id: str) -> Person | None: ...


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


# (schedule, occurrence) -> message, or None / Skip for "nothing this time" (recorded as
# skipped). Composers are pure: no Slack calls and no writes (the after-send hook writes).
Composer = Callable[["Schedule", "Occurrence"], "OutgoingMessage | Skip | None"]

# (schedule, occurrence, outcome) -> None: the writes that follow a send or a skip (queue the
# reminder, mark the week away...). Runs on the engine's thread after the ledger recorded it.
AfterSend = Callable[["Schedule", "Occurrence", Outcome], None]

# (schedule, Slack error code) -> the DM that tells the owner their schedule was paused.
NoticeComposer = Callable[["Schedule", str], OutgoingMessage]

METADATA_EVENT_TYPE = "pendulum_delivery"


def delivery_metadata(key: str) -> dict[str, Any]:
    """Slack message metadata carrying the ledger key, so a send can be found again."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": key}}


def is_user_id(target: str) -> bool:
    """User ids (U…, W… on Enterprise Grid) mean "DM this person"; C/G/D ids are conversations."""
    return target[:1] in ("U", "W")
