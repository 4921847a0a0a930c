"""Modal submissions and closes. Validation and the save happen before the ack (so inline
errors can be shown); follow-ups run on the worker."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import report
from bot.router import Router, ViewContext, ViewHandler
from bot.services import Services
from bot.slack.listeners.common import submit_with_sorry, team_of, tell_sorry, user_of
from bot.store.db import is_busy

log = logging.getLogger("pendulum.listeners")


def first_input(view: dict[str, Any]) -> str | None:
    """The block id of the modal's first input (where an error message can be shown)."""
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def register(app: App, services: Services, router: Router) -> None:
    def context_for(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> ViewContext:
        return ViewContext(
            services=services,
            client=client,
            team_id=team_of(body),
            enterprise_id=(body.get("enterprise") or {}).get("id"),
            user_id=user_of(body),
            trigger_id=body.get("trigger_id") or None,
            view=view,
            body=body,
        )

    def run(
        handlers: dict[str, ViewHandler],
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
    ) -> None:
        handler = handlers.get(str(view.get("callback_id", "")))
        if handler is None:
            ack()
            return
        ctx = context_for(body, view, client)
        try:
            reply = handler(ctx)
        except Exception as exc:
            keep_on = first_input(view) if body.get("type") == "view_submission" else None
            if keep_on is not None and is_busy(exc):  # locked elsewhere: keep the input
                log.warning(
                    "view %s: database busy, asked to submit again", view.get("callback_id")
                )
                ack(response_action="errors", errors={keep_on: services.strings.say("view_busy")})
                return
            ref = report(exc, where=f"view {view.get('callback_id')}")
            if keep_on is not None:  # the save failed (disk full, a damaged table…): the
                # modal stays open with what was typed, so nothing is lost
                ack(
                    response_action="errors",
                    errors={keep_on: services.strings.say("view_failed", ref=ref)},
                )
                return
            ack()
            services.worker.submit(
                lambda: tell_sorry(
                    services.strings,
                    client,
                    ref,
                    user_id=ctx.user_id,
                    channel_id=None,
                    response_url=None,
                ),
                where="view error notice",
            )
            return
        if reply.ack:
            ack(**reply.ack)
        else:
            ack()
        if reply.later is not None:
            submit_with_sorry(
                services,
                client,
                reply.later,
                where=f"view {view.get('callback_id')} (deferred)",
                user_id=ctx.user_id,
                channel_id=None,
                response_url=None,
            )

    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        run(router.views, ack, body, view, client)

    def on_closed(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        run(router.view_closed, ack, body, view, client)

    app.view_submission(re.compile(r".+"))(on_submit)
    app.view_closed(re.compile(r".+"))(on_closed)
