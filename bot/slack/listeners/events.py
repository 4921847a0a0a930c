"""Events API (App Home opened, uninstalls, profile changes). Acked at once; each event is
handled once even when Slack redelivers it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.router import EventContext, Router
from bot.services import Services
from bot.store.requests import first_time


def register(app: App, services: Services, router: Router) -> None:
    def make_listener(event_type: str) -> Any:
        def on_event(
            ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient
        ) -> None:
            ack()
            handler = router.events[event_type]
            team_id = str(body.get("team_id") or "")
            event_id = str(body.get("event_id") or "")
            ctx = EventContext(
                services=services, client=client, team_id=team_id, event=event, body=body
            )

            def job() -> None:
                now = services.clock.now()
                if event_id and not first_time(services.store, team_id, f"event:{event_id}", now):
                    return
                handler(ctx)

            services.worker.submit(job, where=f"event {event_type}")

        return on_event

    for event_type in router.events:
        app.event(event_type)(make_listener(event_type))
