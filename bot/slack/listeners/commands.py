"""The `/pendulum` slash command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.router import CommandContext, Router, run_command
from bot.services import Services
from bot.slack.listeners.common import submit_with_sorry
from bot.slack.ratelimit import slow_down


def register(app: App, services: Services, router: Router) -> None:
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ctx = CommandContext(
            services=services,
            client=client,
            team_id=str(body.get("team_id", "")),
            enterprise_id=body.get("enterprise_id") or None,
            user_id=str(body.get("user_id", "")),
            user_name=str(body.get("user_name", "")),
            channel_id=body.get("channel_id") or None,
            response_url=body.get("response_url") or None,
            trigger_id=body.get("trigger_id") or None,
            text=str(body.get("text") or ""),
        )
        wait = services.limiter.take("command", ctx.team_id, ctx.user_id, services.limits.commands)
        if wait is not None:  # a flood: answer, and do nothing else for this request
            ack(
                response_type="ephemeral",
                **slow_down(services.library, services.command, "commands", wait),
            )
            return
        reply = run_command(router, ctx)
        if reply.message is not None:
            ack(response_type="ephemeral", **reply.message)
        else:
            ack()
        if reply.later is not None:
            submit_with_sorry(
                services,
                client,
                reply.later,
                where=f"{services.command} (deferred)",
                user_id=ctx.user_id,
                channel_id=ctx.channel_id,
                response_url=ctx.response_url,
            )

    app.command(services.command)(on_command)
