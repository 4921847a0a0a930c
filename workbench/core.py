"""What the page asks for, answered from the emulator: who is here, what each person sees,
and acting as them. Every action goes to the app the way Slack would send it (through the
emulator's Socket Mode connection), never by calling the app's Python functions."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.delivery.timing import utc_text
from bot.router import Router
from slack_emulator import (
    Channel,
    Delivery,
    Emulator,
    Ephemeral,
    Message,
    NotConnectedError,
    User,
    UserActionError,
    View,
)
from slack_emulator.errors import ApiError
from workbench.clock import MovableClock
from workbench.inspector import InspectorLog
from workbench.timeline import Timeline

JSON = dict[str, Any]
DM, HOME = "dm", "home"
MAX_ADVANCE = timedelta(days=60)
MANIFEST = Path(__file__).resolve().parents[1] / "deploy" / "manifest.yml"


class BadRequest(Exception):
    """The page sent something malformed (HTTP 400)."""


@dataclass
class AppInfo:
    """What the page shows about the app: its name, command and subcommands (for the
    composer's completion), topics, and shortcuts."""

    name: str = "Pendulum"
    handle: str = "pendulum"  # what people type after @ (/invite @pendulum)
    bot_user_id: str = ""
    command: str = "/pendulum"
    commands: list[JSON] = field(default_factory=list)
    topics: list[JSON] = field(default_factory=list)
    shortcuts: list[JSON] = field(default_factory=list)

    @classmethod
    def from_router(
        cls,
        router: Router,
        command: str,
        bot_user_id: str,
        topics: list[JSON] | None = None,
        handle: str = "pendulum",
    ) -> AppInfo:
        commands = [
            {
                "name": sub.name,
                "summary": sub.summary,
                "example": sub.example,
                "aliases": list(sub.aliases),
                "group": sub.group,
            }
            for sub in router.subcommands.values()
            if not sub.hidden
        ]
        declared = manifest_shortcuts()
        shortcuts = [
            declared.get(
                cid, {"callback_id": cid, "name": cid.replace("_", " "), "type": "message"}
            )
            for cid in router.shortcuts
        ]
        return cls(
            handle=handle,
            bot_user_id=bot_user_id,
            command=command,
            commands=commands,
            topics=topics or [],
            shortcuts=shortcuts,
        )


def read_manifest(path: Path = MANIFEST) -> JSON:
    """deploy/manifest.yml, when this is a checkout (an installed wheel has none)."""
    try:
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def manifest_bot_events(path: Path = MANIFEST) -> set[str] | None:
    """The bot events the app subscribes to, so the emulator delivers only those (Slack
    sends an app nothing else). None when there is no manifest to read."""
    settings = read_manifest(path).get("settings") or {}
    events = (settings.get("event_subscriptions") or {}).get("bot_events")
    return {str(e) for e in events} if isinstance(events, list) else None


def manifest_shortcuts(path: Path = MANIFEST) -> dict[str, JSON]:
    """Shortcut names and types from deploy/manifest.yml, when this is a checkout."""
    manifest = read_manifest(path)
    found: dict[str, JSON] = {}
    for item in (manifest.get("features") or {}).get("shortcuts") or []:
        if isinstance(item, dict) and item.get("callback_id"):
            found[str(item["callback_id"])] = {
                "callback_id": str(item["callback_id"]),
                "name": str(item.get("name") or item["callback_id"]),
                "type": str(item.get("type") or "message"),
            }
    return found


def message_json(message: Message) -> JSON:
    return {
        "ts": message.ts,
        "user": message.user,
        "bot": bool(message.bot_id),
        "text": message.text,
        "blocks": message.blocks,
        "thread_ts": message.thread_ts if message.thread_ts != message.ts else None,
        "reply_count": message.reply_count,
        "edited": message.edited_ts is not None,
        "ephemeral": False,
        "source": message.source,
        "files": [
            {
                "name": str(f.get("name", "")),
                "title": str(f.get("title", "")),
                "size": f.get("size"),
            }
            for f in message.files
        ],
    }


def ephemeral_json(ephemeral: Ephemeral, bot_user_id: str) -> JSON:
    return {
        "ts": ephemeral.ts,
        "user": bot_user_id,
        "bot": True,
        "text": ephemeral.text,
        "blocks": ephemeral.blocks,
        "thread_ts": ephemeral.thread_ts,
        "reply_count": 0,
        "edited": False,
        "ephemeral": True,
        "source": ephemeral.source,
    }


def view_json(view: View, depth: int = 1) -> JSON:
    spec = view.spec
    return {
        "id": view.id,
        "type": view.type,
        "hash": view.hash,
        "depth": depth,
        "callback_id": view.callback_id,
        "title": spec.get("title"),
        "submit": spec.get("submit"),
        "close": spec.get("close"),
        "blocks": view.blocks,
        "errors": view.errors,
        "state": view.state_values,
    }


def delivery_json(delivery: Delivery | None) -> JSON:
    if delivery is None:
        return {"ok": True}
    if not delivery.acked:
        return {
            "ok": False,
            "error": "The app did not answer within 3 seconds; Slack would show the user an error.",
        }
    out: JSON = {"ok": True, "latency_ms": round((delivery.latency or 0) * 1000)}
    if delivery.outcome.get("errors"):
        out["errors"] = delivery.outcome["errors"]
    return out


_CHANNEL_REF = re.compile(r"(?<![\w<|])#([a-z0-9][a-z0-9_-]*)")
_USER_REF = re.compile(r"(?<![\w<|])@([a-z0-9][a-z0-9._-]*)")


def as_typed_in_slack(text: str, users: Iterable[User], channels: Iterable[Channel]) -> str:
    """What Slack's client sends for `text`: `#team` and `@alice`, when they name a channel
    or a person, become `<#C…|team>` and `<@U…|alice>` (the app's command has
    `should_escape: true`, so it receives ids, never bare names)."""
    by_channel = {c.name: c.id for c in channels}
    by_user = {u.name: u.id for u in users}

    def channel(match: re.Match[str]) -> str:
        found = by_channel.get(match.group(1))
        return f"<#{found}|{match.group(1)}>" if found else match.group(0)

    def user(match: re.Match[str]) -> str:
        found = by_user.get(match.group(1))
        return f"<@{found}|{match.group(1)}>" if found else match.group(0)

    return _USER_REF.sub(user, _CHANNEL_REF.sub(channel, text))


class Workbench:
    def __init__(
        self,
        emu: Emulator,
        clock: MovableClock,
        timeline: Timeline,
        app: AppInfo,
        *,
        users: list[User],
        channels: list[Channel],
        team_id: str,
        team_name: str,
        started: float | None = None,
    ) -> None:
        self.emu = emu
        self.clock = clock
        self.timeline = timeline
        self.app = app
        self.users = {u.id: u for u in users}
        self.channels = {c.id: c for c in channels}
        self.team_id = team_id
        self.team_name = team_name
        self.log = InspectorLog(emu, started)
        self._clock_lock = threading.Lock()
        self.on_start_over: Callable[[], None] | None = None  # set by start_workbench

    # -- reading -----------------------------------------------------------------------------
    def meta(self) -> JSON:
        return {
            "team": {"id": self.team_id, "name": self.team_name},
            "app": {
                "name": self.app.name,
                "handle": self.app.handle,
                "bot_user_id": self.app.bot_user_id,
                "command": self.app.command,
            },
            "commands": self.app.commands,
            "topics": self.app.topics,
            "shortcuts": self.app.shortcuts,
            "users": [
                {"id": u.id, "name": u.name, "real_name": u.real_name or u.name, "tz": u.tz}
                for u in self.users.values()
            ],
            "channels": [
                {
                    "id": c.id,
                    "name": c.name,
                    "members": c.members,
                    "bot_member": c.bot_member,
                    "purpose": c.purpose,
                }
                for c in self.channels.values()
            ],
        }

    def _user(self, user_id: object) -> str:
        if not isinstance(user_id, str) or user_id not in self.users:
            raise BadRequest(f"unknown user {user_id!r}")
        return user_id

    def _where(self, user: str, where: object) -> str | None:
        """A channel id the user is in, or None for their DM with the app."""
        if where in (DM, None, ""):
            return None
        if not isinstance(where, str) or where not in self.channels:
            raise BadRequest(f"unknown conversation {where!r}")
        if user not in self.channels[where].members:
            raise BadRequest(f"{user} is not a member of {where}")
        return where

    def conversation(self, user: str, where: str | None) -> list[JSON]:
        """Everything `user` sees in a channel or in their DM with the app, oldest first:
        messages, plus the ephemeral messages shown only to them."""
        channel = where if where is not None else self.emu.dm_channel(user)
        messages = [message_json(m) for m in self.emu.messages(channel)]
        messages += [
            ephemeral_json(e, self.app.bot_user_id)
            for e in self.emu.ephemerals(channel=channel, user=user)
        ]
        messages.sort(key=lambda m: float(m["ts"]))
        return messages

    def counts(self, user: str) -> dict[str, int]:
        """How many messages each of the user's conversations holds (for "new" badges)."""
        out = {DM: len(self.conversation(user, None))}
        for channel in self.channels.values():
            if user in channel.members:
                out[channel.id] = len(self.conversation(user, channel.id))
        return out

    def state(self, user: object, where: object, log_after: int) -> JSON:
        me = self._user(user)
        out: JSON = {
            "now": utc_text(self.clock.now()),
            "offset_seconds": round(self.clock.offset.total_seconds()),
            "upcoming": [u.to_json() for u in self.timeline.upcoming()],
            "counts": self.counts(me),
            "app_in": sorted(c.id for c in self.channels.values() if c.bot_member),
        }
        if where == HOME:
            home = self.emu.home(me)
            out["home"] = view_json(home) if home is not None else None
        else:
            out["messages"] = self.conversation(me, self._where(me, where))
        stack = self.emu.modals(me)
        out["modal"] = view_json(stack[-1], len(stack)) if stack else None
        entries, total = self.log.after(log_after)
        out["log"] = entries
        out["log_total"] = total
        return out

    # -- acting ------------------------------------------------------------------------------
    def act(self, body: Mapping[str, Any]) -> JSON:
        """Do what a person would do in Slack; returns {"ok", "error"?, "errors"?}."""
        kind = body.get("type")
        user = self._user(body.get("user"))
        try:
            if kind == "send":
                return self._send(user, body)
            if kind == "click":
                return self._click(user, body)
            if kind == "submit":
                values = body.get("values") or {}
                if not isinstance(values, dict):
                    raise BadRequest("values must be an object")
                view_id = str(body.get("view_id", ""))
                return delivery_json(self.emu.submit_view(user, view_id, values))
            if kind == "close":
                return delivery_json(self.emu.close_view(user, str(body.get("view_id", ""))))
            if kind == "home":
                return delivery_json(self.emu.open_home(user))
            if kind == "shortcut":
                where = self._where(user, body.get("where"))
                channel = where if where is not None else self.emu.dm_channel(user)
                return delivery_json(
                    self.emu.message_shortcut(
                        user, channel, str(body.get("ts", "")), str(body.get("callback_id", ""))
                    )
                )
        except (UserActionError, NotConnectedError) as exc:
            return {"ok": False, "error": str(exc)}
        except ApiError as exc:  # e.g. a view that no longer exists
            return {"ok": False, "error": exc.problem or exc.code}
        raise BadRequest(f"unknown action type {kind!r}")

    def _send(self, user: str, body: Mapping[str, Any]) -> JSON:
        text = str(body.get("text", "")).strip()
        where = self._where(user, body.get("where"))
        if not text:
            return {"ok": False, "error": "Type a message or a /pendulum command."}
        text = as_typed_in_slack(text, self.users.values(), self.channels.values())
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            if command == "/invite":
                return self._invite(where, rest)
            if command != self.app.command:
                return {
                    "ok": False,
                    "error": f"{command} is not a valid command. In this workspace the app's "
                    f"command is {self.app.command} (and Slack's /invite @{self.app.handle}).",
                }
            return delivery_json(self.emu.slash_command(user, where, rest.strip(), command))
        return delivery_json(self.emu.post_as_user(user, where, text))

    def _invite(self, where: str | None, rest: str) -> JSON:
        """Slack's own `/invite @app`: add the app to the channel you are in."""
        if where is None:
            return {"ok": False, "error": "/invite works in a channel, not in a DM."}
        if rest.strip().lower().lstrip("@") not in ("", self.app.handle):
            return {"ok": False, "error": f"Only @{self.app.handle} can be invited here."}
        self.emu.set_bot_member(where, True)
        self.channels[where].bot_member = True
        return {"ok": True}

    def _click(self, user: str, body: Mapping[str, Any]) -> JSON:
        target = body.get("target")
        if not isinstance(target, dict):
            raise BadRequest("click needs a target")
        action_id = str(body.get("action_id", ""))
        block_id = body.get("block_id")
        block = str(block_id) if block_id else None
        value = body.get("value")
        found: Message | Ephemeral | View
        if target.get("kind") == "view":
            found = self.emu.view(str(target.get("view_id", "")))
        else:
            where = self._where(user, target.get("where"))
            channel = where if where is not None else self.emu.dm_channel(user)
            ts = str(target.get("ts", ""))
            pool: list[Any] = (
                self.emu.ephemerals(channel=channel, user=user)
                if target.get("kind") == "ephemeral"
                else self.emu.messages(channel)
            )
            matches = [m for m in pool if m.ts == ts]
            if not matches:
                return {"ok": False, "error": "That message is gone."}
            found = matches[0]
        return delivery_json(self.emu.click(user, found, action_id, value, block_id=block))

    # -- start over --------------------------------------------------------------------------
    def start_over(self, body: Mapping[str, Any]) -> JSON:
        """Empty conversations, an empty database and the clock back at real time. The page
        asks the person to confirm first, and says so in the request."""
        if body.get("confirm") is not True:
            raise BadRequest('starting over deletes everything: send {"confirm": true}')
        if self.on_start_over is None:
            raise BadRequest("this workbench cannot start over")
        with self._clock_lock:
            self.on_start_over()
        return {"ok": True, "now": utc_text(self.clock.now())}

    # -- the clock ---------------------------------------------------------------------------
    def move_clock(self, body: Mapping[str, Any]) -> JSON:
        action = body.get("action")
        with self._clock_lock:
            if action == "next":
                return self.timeline.jump_to_next()
            if action == "advance":
                try:
                    seconds = float(body.get("seconds", 0))
                except (TypeError, ValueError) as exc:
                    raise BadRequest("seconds must be a number") from exc
                delta = timedelta(seconds=seconds)
                if not timedelta(0) < delta <= MAX_ADVANCE:
                    raise BadRequest("advance by more than 0 s and at most 60 days")
                return self.timeline.advance(delta)
        raise BadRequest(f"unknown clock action {action!r}")
