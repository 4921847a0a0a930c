"""Fixtures for the tips / focus / nudge / milestone handler tests: the check-in tests' World
(real Services, SQLite, prompts/, router and delivery engine around a stub Slack) with a
stub that also knows channels (conversations.info / conversations.members). Holds no tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from bot.clock import FakeClock
from bot.delivery.timing import utc_text
from tests.support.checkin_world import (
    ALICE,
    BOB,
    START,
    TEAM,
    Call,
    StubSlack,
    World,
    api_error,
    build_world,
)

CHEN = "U0CHEN"
DANA = "U0DANA"
ENG, LEADS, RANDOM = "C0TEAM", "G0LEADS", "C0RANDOM"  # C0TEAM: where commands are typed


@dataclass
class ChannelInfo:
    members: list[str]
    bot_member: bool = True
    archived: bool = False
    private: bool = False


@dataclass
class ChannelSlack(StubSlack):
    channels: dict[str, ChannelInfo] = field(default_factory=dict)

    def conversations_info(self, **args: Any) -> dict[str, Any]:
        self._record("conversations.info", args)
        info = self.channels.get(args["channel"])
        if info is None or (info.private and not info.bot_member):
            raise api_error("channel_not_found", "conversations.info")
        return {
            "ok": True,
            "channel": {
                "id": args["channel"],
                "is_member": info.bot_member,
                "is_archived": info.archived,
                "is_private": info.private,
            },
        }

    def conversations_members(self, **args: Any) -> dict[str, Any]:
        self._record("conversations.members", args)
        info = self.channels.get(args["channel"])
        if info is None:
            raise api_error("channel_not_found", "conversations.members")
        # two pages, so pagination is exercised
        half = len(info.members) // 2
        if args.get("cursor") == "page2":
            return {"ok": True, "members": info.members[half:], "response_metadata": {}}
        return {
            "ok": True,
            "members": info.members[:half],
            "response_metadata": {"next_cursor": "page2" if half < len(info.members) else ""},
        }

    def chat_postMessage(self, **args: Any) -> dict[str, Any]:
        """Posts Slack refuses are recorded as `chat.postMessage failed`."""
        info = self.channels.get(args["channel"])
        if info is not None:
            if info.archived:
                self._record("chat.postMessage failed", args)
                raise api_error("is_archived")
            if not info.bot_member:
                self._record("chat.postMessage failed", args)
                raise api_error("not_in_channel")
        return super().chat_postMessage(**args)

    def posts_to(self, channel: str, text: str | None = None) -> list[Call]:
        return [
            c
            for c in self.of("chat.postMessage")
            if c.args["channel"] == channel and (text is None or text in repr(c.args))
        ]


def make_world(tmp_path: Path, start: datetime = START) -> World:
    clock = FakeClock(start)
    slack = ChannelSlack(clock)
    slack.add_user(ALICE, "Europe/Berlin")
    slack.add_user(BOB, "America/New_York")
    slack.add_user(CHEN, "Australia/Sydney")
    slack.add_user(DANA, "Asia/Kolkata")
    everyone = [ALICE, BOB, CHEN, DANA]
    slack.channels = {
        ENG: ChannelInfo(everyone),
        LEADS: ChannelInfo([ALICE, BOB], private=True),
        RANDOM: ChannelInfo(everyone, bot_member=False),
    }
    return build_world(tmp_path, clock=clock, slack=slack)


def slack_of(world: World) -> ChannelSlack:
    return cast(ChannelSlack, world.slack)


def ref(channel: str, name: str = "") -> str:
    """How Slack writes a channel in command text with should_escape."""
    return f"<#{channel}|{name}>"


def add_assessment(
    world: World,
    user: str,
    *,
    role: str = "em",
    years_managing: float = 1.5,
    months_since_hands_on: int = 30,
    at: datetime | None = None,
) -> None:
    with world.store.write() as db:
        db.execute(
            "INSERT INTO assessments (team_id, user_id, role, years_engineering, years_managing,"
            " months_since_hands_on, goal, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                TEAM,
                user,
                role,
                8,
                years_managing,
                months_since_hands_on,
                "stay",
                utc_text(at or world.clock.now()),
            ],
        )


def blocks_text(call: Any) -> str:
    return json.dumps(call.args.get("blocks") or [], ensure_ascii=False)


__all__ = ["ALICE", "BOB", "CHEN", "DANA", "TEAM", "World"]
