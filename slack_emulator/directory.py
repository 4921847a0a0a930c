"""Who and where: the team, its users, channels and the app's DMs, and how Slack resolves a
`channel` argument (a channel id, an IM id, or a user id meaning "the DM with the app")."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_emulator.errors import ApiError
from slack_emulator.models import Channel, User

_TZ_LABELS = {
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "UTC": "Coordinated Universal Time",
}


@dataclass(frozen=True)
class Bot:
    """The app's identity in the workspace."""

    user_id: str = "U0PENDBOT"
    bot_id: str = "B0PENDBOT"
    app_id: str = "A0PENDULUM"
    name: str = "pendulum"


@dataclass(frozen=True)
class Conversation:
    """A resolved conversation, as the bot sees it."""

    id: str
    kind: Literal["channel", "group", "im"]
    name: str
    members: tuple[str, ...]
    bot_member: bool
    is_archived: bool = False
    user: str | None = None
    created: int = 1_600_000_000

    @property
    def is_private(self) -> bool:
        return self.kind != "channel"


class Directory:
    """Users, channels and IMs. All methods take the workspace lock."""

    def __init__(
        self,
        lock: threading.RLock,
        team_id: str,
        team_name: str,
        domain: str,
        bot: Bot,
        users: list[User],
        channels: list[Channel],
    ) -> None:
        self.lock = lock
        self.team_id = team_id
        self.team_name = team_name
        self.domain = domain
        self.bot = bot
        self.users: dict[str, User] = {u.id: u for u in users}
        self.channels: dict[str, Channel] = {c.id: c for c in channels}
        self._ims: dict[str, str] = {}
        self._im_users: dict[str, str] = {}

    def dump(self) -> dict[str, Any]:
        """What changes as people use the workspace: DM ids, and channel membership (the app
        invited to a channel). See `load`."""
        with self.lock:
            return {
                "ims": dict(self._ims),
                "channels": {
                    c.id: {"members": list(c.members), "bot_member": c.bot_member}
                    for c in self.channels.values()
                },
            }

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            ims = {str(u): str(im) for u, im in (data.get("ims") or {}).items() if u in self.users}
            self._ims = ims
            self._im_users = {im: u for u, im in ims.items()}
            for cid, state in (data.get("channels") or {}).items():
                channel = self.channels.get(cid)
                if channel is not None and isinstance(state, dict):
                    channel.members = [str(m) for m in state.get("members") or []]
                    channel.bot_member = bool(state.get("bot_member"))

    def user(self, user_id: str) -> User:
        with self.lock:
            found = self.users.get(user_id)
            if found is None:
                raise ApiError("user_not_found")
            return found

    def im_for(self, user_id: str) -> str:
        """The DM channel id between the app and `user_id`, created on first use."""
        with self.lock:
            self.user(user_id)
            if user_id not in self._ims:
                im = f"D{len(self._ims) + 1:08d}{user_id[-2:]}"
                self._ims[user_id] = im
                self._im_users[im] = user_id
            return self._ims[user_id]

    def has_im(self, user_id: str) -> bool:
        with self.lock:
            return user_id in self._ims

    def ims(self) -> dict[str, str]:
        with self.lock:
            return dict(self._ims)

    def lookup(self, ref: str) -> Conversation:
        """Any conversation by id, whether or not the bot can see it."""
        with self.lock:
            if ref in self._im_users:
                user = self._im_users[ref]
                return Conversation(
                    ref, "im", user, (user, self.bot.user_id), True, self.users[user].deleted, user
                )
            channel = self.channels.get(ref)
            if channel is None:
                raise ApiError("channel_not_found")
            members = tuple(channel.members) + ((self.bot.user_id,) if channel.bot_member else ())
            return Conversation(
                channel.id,
                "group" if channel.is_private else "channel",
                channel.name,
                members,
                channel.bot_member,
                channel.is_archived,
                created=channel.created,
            )

    def conversation(self, ref: str, *, allow_user: bool = False) -> Conversation:
        """Resolve `ref` the way Slack does for the bot; `channel_not_found` otherwise.

        A private channel the bot is not in is invisible to it, so it is "not found" too.
        """
        with self.lock:
            if allow_user and ref in self.users:
                ref = self.im_for(ref)
            conv = self.lookup(ref)
            if conv.kind == "group" and not conv.bot_member:
                raise ApiError("channel_not_found")
            return conv

    def user_json(self, user: User, now: datetime, *, with_email: bool) -> dict[str, Any]:
        """A user object as users.info returns it (tz_offset at `now`)."""
        try:
            local = now.astimezone(ZoneInfo(user.tz))
            offset = local.utcoffset()
            tz_offset = int(offset.total_seconds()) if offset else 0
            abbreviation = local.tzname() or user.tz
        except (ZoneInfoNotFoundError, ValueError):
            tz_offset, abbreviation = 0, "UTC"
        profile: dict[str, Any] = {
            "real_name": user.real_name or user.name,
            "display_name": user.name,
            "status_text": user.status_text,
            "status_emoji": user.status_emoji,
            "status_expiration": user.status_expiration,
            "team": self.team_id,
        }
        if with_email and user.email:
            profile["email"] = user.email
        return {
            "id": user.id,
            "team_id": self.team_id,
            "name": user.name,
            "deleted": user.deleted,
            "real_name": user.real_name or user.name,
            "tz": user.tz,
            "tz_label": _TZ_LABELS.get(abbreviation, abbreviation),
            "tz_offset": tz_offset,
            "is_bot": user.is_bot,
            "is_admin": user.is_admin,
            "is_owner": False,
            "is_app_user": False,
            "locale": user.locale,
            "profile": profile,
            "updated": int(now.timestamp()),
        }

    def bot_user_json(self) -> dict[str, Any]:
        return {
            "id": self.bot.user_id,
            "team_id": self.team_id,
            "name": self.bot.name,
            "deleted": False,
            "real_name": self.bot.name,
            "is_bot": True,
            "is_app_user": False,
            "profile": {"bot_id": self.bot.bot_id, "real_name": self.bot.name},
        }

    def conversation_json(self, conv: Conversation, *, num_members: bool = False) -> dict[str, Any]:
        """A conversation object as conversations.info / list return it."""
        out: dict[str, Any] = {
            "id": conv.id,
            "created": conv.created,
            "is_archived": conv.is_archived,
            "is_im": conv.kind == "im",
            "is_channel": conv.kind == "channel",
            "is_group": conv.kind == "group",
            "is_private": conv.is_private,
            "is_mpim": False,
            "context_team_id": self.team_id,
        }
        if conv.kind == "im":
            out.update(user=conv.user, is_user_deleted=conv.is_archived, is_open=True)
        else:
            channel = self.channels[conv.id]
            out.update(
                name=conv.name,
                is_member=conv.bot_member,
                is_general=False,
                topic={"value": channel.topic, "creator": "", "last_set": 0},
                purpose={"value": channel.purpose, "creator": "", "last_set": 0},
            )
        if num_members:
            out["num_members"] = len(conv.members)
        return out
