"""Conversation history: messages per conversation and ephemerals per (channel, user)."""

from __future__ import annotations

import threading

from bot.emulator.errors import ApiError
from bot.emulator.models import Ephemeral, Message, snapshot


class History:
    """Messages and ephemerals. Callers get snapshots; all methods take the workspace lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []

    def add(self, message: Message) -> Message:
        with self.lock:
            thread = self._messages.setdefault(message.channel, [])
            if message.thread_ts and message.thread_ts != message.ts:
                parent = self._find(message.channel, message.thread_ts)
                if parent is not None:
                    parent.reply_count += 1
                    parent.thread_ts = parent.ts
            thread.append(message)
            return snapshot(message)

    def _find(self, channel: str, ts: str) -> Message | None:
        for message in self._messages.get(channel, []):
            if message.ts == ts:
                return message
        return None

    def get(self, channel: str, ts: str) -> Message:
        with self.lock:
            found = self._find(channel, ts)
            if found is None:
                raise ApiError("message_not_found")
            return snapshot(found)

    def replace(
        self,
        channel: str,
        ts: str,
        *,
        text: str,
        blocks: list[dict[str, object]],
        edited_ts: str,
        **fields: object,
    ) -> Message:
        with self.lock:
            found = self._find(channel, ts)
            if found is None:
                raise ApiError("message_not_found")
            found.text, found.blocks, found.edited_ts = text, blocks, edited_ts
            for key, value in fields.items():
                setattr(found, key, value)
            return snapshot(found)

    def delete(self, channel: str, ts: str) -> Message:
        with self.lock:
            found = self._find(channel, ts)
            if found is None:
                raise ApiError("message_not_found")
            self._messages[channel].remove(found)
            return snapshot(found)

    def messages(self, channel: str) -> list[Message]:
        with self.lock:
            return snapshot(self._messages.get(channel, []))

    def add_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        with self.lock:
            self._ephemerals.append(ephemeral)
            return snapshot(ephemeral)

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Ephemeral]:
        with self.lock:
            return snapshot(
                [
                    e
                    for e in self._ephemerals
                    if channel in (None, e.channel) and user in (None, e.user)
                ]
            )

    def replace_ephemeral(self, ts: str, *, text: str, blocks: list[dict[str, object]]) -> bool:
        with self.lock:
            for ephemeral in self._ephemerals:
                if ephemeral.ts == ts:
                    ephemeral.text, ephemeral.blocks = text, blocks
                    return True
            return False

    def delete_ephemeral(self, ts: str) -> bool:
        with self.lock:
            before = len(self._ephemerals)
            self._ephemerals = [e for e in self._ephemerals if e.ts != ts]
            return len(self._ephemerals) < before
