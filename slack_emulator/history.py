"""Conversation history: messages per conversation and ephemerals per (channel, user)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from slack_emulator.errors import ApiError
from slack_emulator.models import Ephemeral, Message, snapshot


class History:
    """Messages and ephemerals. Callers get snapshots; all methods take the workspace lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._revision = 0  # grows with every change (the workbench saves on change)

    @property
    def revision(self) -> int:
        with self.lock:
            return self._revision

    def _changed(self) -> None:
        self._revision += 1

    def dump(self) -> dict[str, Any]:
        """Every message and ephemeral as plain JSON-ready data (see `load`)."""
        with self.lock:
            return {
                "messages": [
                    dataclasses.asdict(m) for thread in self._messages.values() for m in thread
                ],
                "ephemerals": [dataclasses.asdict(e) for e in self._ephemerals],
            }

    def load(self, data: dict[str, Any]) -> None:
        """Replace everything with what `dump` returned (empty data clears it)."""
        with self.lock:
            self._messages = {}
            for raw in data.get("messages") or []:
                message = Message(**raw)
                self._messages.setdefault(message.channel, []).append(message)
            self._ephemerals = [Ephemeral(**raw) for raw in data.get("ephemerals") or []]
            self._changed()

    def add(self, message: Message) -> Message:
        with self.lock:
            thread = self._messages.setdefault(message.channel, [])
            if message.thread_ts and message.thread_ts != message.ts:
                parent = self._find(message.channel, message.thread_ts)
                if parent is not None:
                    parent.reply_count += 1
                    parent.thread_ts = parent.ts
            thread.append(message)
            self._changed()
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
            self._changed()
            return snapshot(found)

    def delete(self, channel: str, ts: str) -> Message:
        with self.lock:
            found = self._find(channel, ts)
            if found is None:
                raise ApiError("message_not_found")
            self._messages[channel].remove(found)
            self._changed()
            return snapshot(found)

    def messages(self, channel: str) -> list[Message]:
        with self.lock:
            return snapshot(self._messages.get(channel, []))

    def add_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        with self.lock:
            self._ephemerals.append(ephemeral)
            self._changed()
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
                    self._changed()
                    return True
            return False

    def delete_ephemeral(self, ts: str) -> bool:
        with self.lock:
            before = len(self._ephemerals)
            self._ephemerals = [e for e in self._ephemerals if e.ts != ts]
            self._changed()
            return len(self._ephemerals) < before
