"""The shapes the engine shares with the code that registers composers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

if TYPE_CHECKING:
    from bot.delivery.schedules import Schedule
    from bot.delivery.timing import Occurrence


class OutgoingMessage(TypedDict):
    """What a composer returns: `chat.postMessage` arguments (the engine adds `metadata`)."""

    channel: str  # a channel id, or a user id for a DM
    text: str  # the notification fallback; required even with blocks
    blocks: NotRequired[list[dict[str, Any]]]


# (schedule, occurrence) -> message, or None for "nothing this time" (recorded as skipped).
Composer = Callable[["Schedule", "Occurrence"], OutgoingMessage | None]

# (schedule, Slack error code) -> the DM that tells the owner their schedule was paused.
NoticeComposer = Callable[["Schedule", str], OutgoingMessage]

METADATA_EVENT_TYPE = "pendulum_delivery"


def delivery_metadata(key: str) -> dict[str, Any]:
    """Slack message metadata carrying the ledger key, so a send can be found again."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": key}}


def is_user_id(target: str) -> bool:
    """User ids (U…, W… on Enterprise Grid) mean "DM this person"; C/G/D ids are conversations."""
    return target[:1] in ("U", "W")
