"""The app factory: one Bolt App wired to Pendulum's services and features."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot import installations
from bot.errors import report
from bot.features import install_all
from bot.listeners import register_all
from bot.redelivery import DurableKeys, Redeliveries
from bot.requestlog import Guard, ObservedApp, RequestObserver
from bot.router import Router
from bot.sanitize import clean_request
from bot.services import Services, make_client
from bot.store.db import REQUEST_BUSY_TIMEOUT_MS, Store

log = logging.getLogger("pendulum.app")


def build_router() -> Router:
    router = Router()
    install_all(router)
    installations.install(router)  # app_uninstalled / tokens_revoked: delete the workspace
    return router


def brief_database_waits(store: Store) -> Guard:
    """A request thread must ack within 3 s, so it waits at most REQUEST_BUSY_TIMEOUT_MS for a
    database lock held elsewhere (an operator's transaction, a backup); the handler then
    answers "try again" (bot/dispatch.py, bot/listeners/views.py) instead of acking late."""

    def guard(req: BoltRequest, dispatch: Callable[[BoltRequest], BoltResponse]) -> BoltResponse:
        with store.patience(REQUEST_BUSY_TIMEOUT_MS):
            return dispatch(req)

    return guard


class _SkipTokenFromEnvironmentWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and then warns that our
    client (which carries that token, plus our API URL and retry policy) takes precedence."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt").addFilter(_SkipTokenFromEnvironmentWarning())


def reuse_auth_test(app: App, auth_test: Any) -> None:
    """Give Bolt's single-workspace authorization the auth.test answer start-up already has:
    without one it would call auth.test again, on the first request's way to its ack."""
    for middleware in app._middleware_list:
        if isinstance(middleware, SingleTeamAuthorization):
            middleware.auth_test_result = auth_test


def create_app(services: Services, auth_test: Any = None) -> App:
    """The Bolt app: one workspace's token (Socket Mode, HTTP), or OAuth for many.

    `process_before_response=True` runs each listener in the thread that received the request
    and acks as soon as it returns, instead of Bolt's default of polling for the ack every
    10 ms; listeners therefore hand slow work to the worker.
    """
    config = services.config
    auth: dict[str, Any]
    if config.mode == "oauth":  # many workspaces: each request's token comes from the database
        from bot.oauth import build_oauth_flow

        auth = {"oauth_flow": build_oauth_flow(config, services.store, services.clock)}
    else:  # the client carries the token; start-up has checked it already (`auth_test`)
        auth = {"token_verification_enabled": auth_test is None}
    app = ObservedApp(
        signing_secret=config.signing_secret or "socket-mode-does-not-sign",
        client=make_client(config.bot_token, config.api_url),
        process_before_response=True,
        # HTTP: bot/slack_http.py verifies every signature before Bolt sees the request
        request_verification_enabled=False,
        logger=logging.getLogger("slack_bolt"),
        **auth,
    )
    if auth_test is not None:
        reuse_auth_test(app, auth_test)
    app.observer = RequestObserver(services.metrics, services.router)
    tracker = installations.WorkspaceTracker(services.store, services.clock)
    services.extras["workspace_tracker"] = tracker
    app.guards = (
        clean_request,  # user text is made storable once, before any listener reads it
        brief_database_waits(services.store),
        tracker.around,
        # a request reaches Bolt only once its signature is checked (bot/slack_http.py)
        Redeliveries(None, durable=DurableKeys(services.store, services.clock)).around,
    )
    register_all(app, services)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        report(error, where=f"bolt {body.get('type') or body.get('command') or 'request'}")
        return BoltResponse(status=200, body="")

    return app
