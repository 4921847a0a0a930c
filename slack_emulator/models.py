"""The emulator's records: workspace members and what the app sent, as plain dataclasses.

Everything handed out to tests is a snapshot (a copy), so assertions never race with the
server threads that keep mutating the live records.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

JSON = dict[str, Any]
T = TypeVar("T")


@dataclass
class User:
    """A workspace member. `tz` is an IANA zone, as Slack reports it in users.info."""

    id: str
    name: str
    real_name: str = ""
    tz: str = "America/Los_Angeles"
    deleted: bool = False
    is_bot: bool = False
    is_admin: bool = False
    email: str | None = None
    status_text: str = ""
    status_emoji: str = ""
    status_expiration: int = 0
    locale: str = "en-US"


@dataclass
class Channel:
    """A public or private channel. `bot_member` says whether the app's bot user is in it."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    bot_member: bool = True
    is_archived: bool = False
    topic: str = ""
    purpose: str = ""
    created: int = 1_600_000_000


@dataclass
class Message:
    """A message in a conversation (sent by the app, or by a user through the emulator)."""

    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: JSON | None = None
    attachments: list[JSON] = field(default_factory=list)
    files: list[JSON] = field(default_factory=list)
    bot_id: str | None = None
    app_id: str | None = None
    edited_ts: str | None = None
    reply_count: int = 0
    source: str = "chat.postMessage"

    def to_slack(self, team_id: str, *, with_metadata: bool = True) -> JSON:
        """The message object as Slack's Web API returns it."""
        out: JSON = {
            "type": "message",
            "ts": self.ts,
            "user": self.user,
            "text": self.text,
            "team": team_id,
        }
        if self.blocks:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.attachments:
            out["attachments"] = copy.deepcopy(self.attachments)
        if self.files:
            out["files"] = copy.deepcopy(self.files)
        if self.bot_id:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.reply_count:
            out["reply_count"] = self.reply_count
        if self.edited_ts:
            out["edited"] = {"user": self.user, "ts": self.edited_ts}
        if with_metadata and self.metadata is not None:
            out["metadata"] = copy.deepcopy(self.metadata)
        return out


@dataclass
class Ephemeral:
    """An ephemeral message: only `user` sees it, in `channel`; Slack never stores it."""

    channel: str
    user: str
    ts: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"


ViewType = Literal["modal", "home"]


@dataclass
class View:
    """A modal or Home tab view the app opened, pushed, updated or published."""

    id: str
    user: str
    type: ViewType
    spec: JSON
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    state_values: dict[str, dict[str, JSON]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    @property
    def blocks(self) -> list[JSON]:
        blocks = self.spec.get("blocks", [])
        return blocks if isinstance(blocks, list) else []

    @property
    def callback_id(self) -> str:
        return str(self.spec.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.spec.get("private_metadata", ""))

    @property
    def external_id(self) -> str:
        return str(self.spec.get("external_id", ""))

    def to_slack(self, team_id: str, app_id: str, bot_id: str) -> JSON:
        """The view object as Slack returns it and sends it in interaction payloads."""
        out: JSON = {
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": copy.deepcopy(self.blocks),
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "external_id": self.external_id,
            "state": {"values": copy.deepcopy(self.state_values)},
            "hash": self.hash,
            "clear_on_close": bool(self.spec.get("clear_on_close", False)),
            "notify_on_close": bool(self.spec.get("notify_on_close", False)),
            "root_view_id": self.root_view_id,
            "previous_view_id": self.previous_view_id,
            "app_id": app_id,
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in self.spec:
                out[key] = copy.deepcopy(self.spec[key])
        return out


@dataclass(frozen=True)
class Call:
    """One Web API call the app made, with what the emulator answered."""

    method: str
    params: JSON
    status: int
    response: JSON
    time: float


@dataclass(frozen=True)
class ResponsePost:
    """One POST the app made to a `response_url`."""

    url: str
    body: JSON
    status: int
    error: str | None
    time: float


@dataclass(frozen=True)
class Problem:
    """Something real Slack would have rejected, or a protocol rule the app broke."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def snapshot(record: T) -> T:
    """A deep copy, safe to hand to another thread."""
    return copy.deepcopy(record)
