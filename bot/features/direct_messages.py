"""Someone writes to Pendulum in its Messages tab. It only answers commands, so it says so
(once a day per person, so a chatty DM doesn't become a wall of the same hint)."""

from __future__ import annotations

from typing import Any

from bot.content.blocks import message, section
from bot.content.strings import Strings
from bot.router import EventContext, Router
from bot.store.requests import first_time


def dm_hint(strings: Strings) -> dict[str, Any]:
    return message(strings.say("dm_hint_title"), [section(strings.say("dm_hint"))])


def on_message(ctx: EventContext) -> None:
    event = ctx.event
    if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
        return  # our own messages, edits, joins: nothing to answer
    user = str(event.get("user") or "")
    if not user:
        return
    services = ctx.services
    now = services.clock.now()
    if not first_time(services.store, ctx.team_id, f"dm-hint:{user}:{now.date()}", now):
        return
    ctx.client.chat_postMessage(channel=str(event["channel"]), **dm_hint(services.strings))


def install(router: Router) -> None:
    router.event("message", on_message)
