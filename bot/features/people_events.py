"""Slack's events about people keep the people cache (bot/delivery/people.py) fresh:
`user_change`, `user_status_changed` and `team_join` all carry the full `user`."""

from __future__ import annotations

from bot.router import EventContext, Router

EVENTS = ("user_change", "user_status_changed", "team_join")


def on_user_event(ctx: EventContext) -> None:
    user = ctx.event.get("user")
    if isinstance(user, dict):
        ctx.services.people.on_user(ctx.team_id, user)


def install(router: Router) -> None:
    for event_type in EVENTS:
        router.event(event_type, on_user_event)
