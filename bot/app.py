"""The app factory: one Bolt App wired to Pendulum's services and features."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse

from bot.errors import report
from bot.features import install_all
from bot.listeners import register_all
from bot.router import Router
from bot.services import Services, make_client

log = logging.getLogger("pendulum.app")


def build_router() -> Router:
    router = Router()
    install_all(router)
    return router


def create_app(services: Services) -> App:
    """A Bolt app for single-workspace token mode.

    `process_before_response=True` runs each listener in the thread that received the request
    and acks as soon as it returns, instead of Bolt's default of polling for the ack every
    10 ms; listeners therefore hand slow work to the worker.
    """
    config = services.config
    app = App(
        token=config.bot_token,
        signing_secret=config.signing_secret or "socket-mode-does-not-sign",
        client=make_client(config.bot_token, config.api_url),
        process_before_response=True,
        request_verification_enabled=config.mode != "socket",
        token_verification_enabled=True,
        logger=logging.getLogger("slack_bolt"),
    )
    register_all(app, services)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        report(error, where=f"bolt {body.get('type') or body.get('command') or 'request'}")
        return BoltResponse(status=200, body="")

    return app
