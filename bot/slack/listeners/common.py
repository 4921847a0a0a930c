"""Shared pieces of the Bolt adapters: reading who acted, and answering privately."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.content.strings import Strings
from bot.errors import sorry_message
from bot.router import ActionContext, ActionHandler, Message
from bot.services import Services

log = logging.getLogger("pendulum.listeners")


def team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    return str(body.get("team_id") or body.get("view", {}).get("team_id") or "")


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(body.get("user_id") or "")


def channel_of(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return str(channel.get("id")) if channel.get("id") else None
    container = body.get("container") or {}
    return str(body.get("channel_id") or container.get("channel_id") or "") or None


def answer_privately(
    client: WebClient,
    message: Message,
    *,
    user_id: str,
    channel_id: str | None,
    response_url: str | None,
) -> None:
    """Show `message` to one person: through the response_url when Slack gave one (works in
    channels the app is not in), else as an ephemeral message, else in their DM."""
    body = dict(message)
    if response_url:
        body.setdefault("response_type", "ephemeral")
        body.setdefault("replace_original", False)
        result = WebhookClient(response_url, timeout=10).send_dict(body)
        if result.status_code == 200:
            return
        log.warning("response_url answered %s; falling back", result.status_code)
    payload = {k: v for k, v in body.items() if k in ("text", "blocks")}
    if channel_id and not channel_id.startswith("D"):
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, **payload)
            return
        except Exception as exc:  # not in channel, archived…: fall back to the DM
            log.info("ephemeral failed (%s); sending a DM instead", exc)
    client.chat_postMessage(channel=user_id, **payload)


def tell_sorry(
    strings: Strings,
    client: WebClient,
    ref: str,
    *,
    user_id: str,
    channel_id: str | None,
    response_url: str | None,
) -> None:
    answer_privately(
        client,
        sorry_message(strings, ref),
        user_id=user_id,
        channel_id=channel_id,
        response_url=response_url,
    )


def submit_with_sorry(
    services: Services,
    client: WebClient,
    job: Callable[[], None],
    *,
    where: str,
    user_id: str,
    channel_id: str | None,
    response_url: str | None,
) -> None:
    """Run `job` on the worker after the ack; if it fails, the person gets a private sorry with
    the reference id the log holds."""
    services.worker.submit(
        job,
        where=where,
        on_error=lambda ref: tell_sorry(
            services.strings,
            client,
            ref,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
        ),
    )


def run_deferred(
    services: Services, handler: ActionHandler, ctx: ActionContext, where: str
) -> None:
    """Run a button/shortcut handler on the worker and deliver its reply privately."""

    def job() -> None:
        reply = handler(ctx)
        if reply.message is not None:
            answer_privately(
                ctx.client,
                reply.message,
                user_id=ctx.user_id,
                channel_id=ctx.channel_id,
                response_url=ctx.response_url,
            )
        if reply.later is not None:
            reply.later()

    submit_with_sorry(
        services,
        ctx.client,
        job,
        where=where,
        user_id=ctx.user_id,
        channel_id=ctx.channel_id,
        response_url=ctx.response_url,
    )
