"""A DM's recipient as delivery knows them (a leaf: timing and model both use it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
