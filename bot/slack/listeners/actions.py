"""Buttons and menus (block_actions). Acked at once; the handler runs on the worker."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.router import ActionContext, Router
from bot.services import Services
from bot.slack.listeners.common import channel_of, run_deferred, team_of, user_of


def register(app: App, services: Services, router: Router) -> None:
    def on_action(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        handler = router.resolve_action(str(action.get("action_id", "")))
        if handler is None:
            return  # e.g. a link button: Slack needs the ack, there is nothing to do
        ctx = ActionContext(
            services=services,
            client=client,
            team_id=team_of(body),
            enterprise_id=(body.get("enterprise") or {}).get("id"),
            user_id=user_of(body),
            user_name=str((body.get("user") or {}).get("username", "")),
            channel_id=channel_of(body),
            response_url=body.get("response_url") or None,
            trigger_id=body.get("trigger_id") or None,
            action=action,
            body=body,
        )

        run_deferred(services, handler, ctx, f"action {action.get('action_id')}")

    app.action(re.compile(r".+"))(on_action)
