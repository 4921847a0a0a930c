"""Message and global shortcuts. Acked at once; the handler runs on the worker."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.router import ActionContext, Router
from bot.services import Services
from bot.slack.listeners.common import channel_of, run_deferred, team_of, user_of


def register(app: App, services: Services, router: Router) -> None:
    def on_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        handler = router.shortcuts.get(str(body.get("callback_id", "")))
        if handler is None:
            return
        ctx = ActionContext(
            services=services,
            client=client,
            team_id=team_of(body),
            user_id=user_of(body),
            channel_id=channel_of(body),
            response_url=body.get("response_url") or None,
            trigger_id=body.get("trigger_id") or None,
            action={},
            body=body,
        )

        run_deferred(services, handler, ctx, f"shortcut {body.get('callback_id')}")

    app.shortcut(re.compile(r".+"))(on_shortcut)
