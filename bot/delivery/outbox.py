"""The store-only half of the engine's `Outbox` (bot/delivery/model.py): queue a one-off DM
for later, hold a key so its automatic send never comes, cancel what is pending, read a key's
status. Nothing here calls Slack, so composers' after-send hooks and request handlers can use
it; the engine (which also sends) delegates to it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.delivery.model import PENDING, SKIPPED, Delivery, OutgoingMessage, SendKey, full_key
from bot.store import deliveries
from bot.store.db import Store


class StoredOutbox:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

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
        stored, kind = full_key(team_id, key)
        with self.store.write() as db:
            return deliveries.insert(
                db,
                key=stored,
                team_id=team_id,
                kind=kind,
                schedule_id=schedule_id,
                target=message["channel"],
                period=period,
                status=PENDING,
                due_at=due_at,
                expires_at=due_at + expires_after,
                now=self.clock.now(),
                message=message,
            )

    def hold(self, team_id: str, key: SendKey, *, target: str, period: str, reason: str) -> bool:
        stored, kind = full_key(team_id, key)
        now = self.clock.now()
        with self.store.write() as db:
            return deliveries.insert(
                db,
                key=stored,
                team_id=team_id,
                kind=kind,
                schedule_id=None,
                target=target,
                period=period,
                status=SKIPPED,
                due_at=now,
                expires_at=None,
                now=now,
                error=reason,
            )

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
        rows = deliveries.pending_to(self.store, team_id, target, kinds, period)
        return sum(
            1
            for row in rows
            if row.key not in keep and deliveries.mark_skipped(self.store, row.key, reason=reason)
        )

    def status(self, team_id: str, key: SendKey) -> str | None:
        row = deliveries.get(self.store, full_key(team_id, key)[0])
        return row.status if row is not None else None

    def pending(self, team_id: str, target: str, kind: str) -> list[Delivery]:
        return deliveries.pending_to(self.store, team_id, target, (kind,))
