"""Wiring: everything the runtime and the workbench build before they serve.

`load_content`, `check_store`, `open_store` and `check_token` turn every configuration problem
into one clear line; order matters: nothing is written (no database file is created) until the
content has loaded and Slack has accepted the token. `build_services` builds the services, the
router (`build_router`, every feature's `install`) and the delivery engine (`build_engine`);
`create_app` is the one Bolt App wired to them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.calendar.fetch import FetchPolicy
from bot.clock import Clock, OffsetFileClock, SystemClock
from bot.config import Config, ConfigError, database_error
from bot.content.library import ContentError, Library, load_library
from bot.delivery.engine import DeliveryEngine
from bot.delivery.model import AfterSend, Composer, Kind, Recipients
from bot.delivery.notices import notice_composer
from bot.delivery.pacing import HISTORY, Rate, RateLimits
from bot.delivery.people import PeopleService
from bot.delivery.replicas import Replicas
from bot.errors import report
from bot.features import assess as assess_feature
from bot.features import calendar as calendar_feature
from bot.features import checkins as checkins_feature
from bot.features import critical_path as critical_path_feature
from bot.features import direct_messages as direct_messages_feature
from bot.features import focus as focus_feature
from bot.features import focus_sends, nudge_sends, people_events, tip_sends, workspace_events
from bot.features import help as help_feature
from bot.features import home as home_feature
from bot.features import nudges as nudges_feature
from bot.features import privacy as privacy_feature
from bot.features import tips as tips_feature
from bot.features import topics as topics_feature
from bot.ops.health import IntegrityCheck
from bot.router import Router
from bot.services import CalendarSettings, Clients, Deps, SampleFeeds, Services, make_client
from bot.slack.installations import WorkspaceTracker
from bot.slack.listeners import register_all
from bot.slack.oauth import build_oauth_flow
from bot.slack.ratelimit import Limiter
from bot.slack.redelivery import DurableKeys, Redeliveries
from bot.slack.requestlog import Guard, ObservedApp, RequestObserver
from bot.slack.sanitize import clean_request
from bot.store import Store, StoreError
from bot.store.db import REQUEST_BUSY_TIMEOUT_MS, NewerDatabase, check_database
from bot.store.installations import token_for_team
from bot.store.location import PostgresLocation
from bot.store.pg_server import REACH_FIX, unreachable
from bot.store.secret import SecretBox
from bot.worker import Worker

log = logging.getLogger("pendulum.app")


def install_all(router: Router) -> None:
    """Every feature's `install`, in a fixed order."""
    help_feature.install(router)
    # after help: its fallback tries topic names first, then help's "I don't know …"
    topics_feature.install(router)
    assess_feature.install(router)
    critical_path_feature.install(router)
    checkins_feature.install(router)
    tips_feature.install(router)
    focus_feature.install(router)
    calendar_feature.install(router)
    nudges_feature.install(router)
    home_feature.install(router)
    privacy_feature.install(router)
    direct_messages_feature.install(router)
    # the scheduled kinds' composers
    tip_sends.install(router)
    nudge_sends.install(router)
    focus_sends.install(router)
    people_events.install(router)  # user_change / user_status_changed / team_join


def build_router() -> Router:
    router = Router()
    install_all(router)
    workspace_events.install(router)  # app_uninstalled / tokens_revoked: delete the workspace
    return router


def brief_database_waits(store: Store) -> Guard:
    """A request thread must ack within 3 s, so it waits at most REQUEST_BUSY_TIMEOUT_MS for a
    database lock held elsewhere (an operator's transaction, a backup); the handler then
    answers "try again" (bot/router.py, bot/slack/listeners/views.py) instead of acking late."""

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


def create_app(services: Services, router: Router, auth_test: Any = None) -> App:
    """The Bolt app: one workspace's token (Socket Mode, HTTP), or OAuth for many.

    `process_before_response=True` runs each listener in the thread that received the request
    and acks as soon as it returns, instead of Bolt's default of polling for the ack every
    10 ms; listeners therefore hand slow work to the worker.
    """
    config = services.config
    auth: dict[str, Any]
    if config.mode == "oauth":  # many workspaces: each request's token comes from the database
        auth = {"oauth_flow": build_oauth_flow(config, services.store, services.clock)}
    else:  # the client carries the token; start-up has checked it already (`auth_test`)
        auth = {"token_verification_enabled": auth_test is None}
    app = ObservedApp(
        signing_secret=config.signing_secret or "socket-mode-does-not-sign",
        client=make_client(config.bot_token, config.api_url),
        process_before_response=True,
        # HTTP: bot/slack/http_guard.py verifies every signature before Bolt sees the request
        request_verification_enabled=False,
        logger=logging.getLogger("slack_bolt"),
        **auth,
    )
    if auth_test is not None:
        reuse_auth_test(app, auth_test)
    app.observer = RequestObserver(services.metrics, router)
    tracker = services.workspaces
    app.guards = (
        clean_request,  # user text is made storable once, before any listener reads it
        brief_database_waits(services.store),
        tracker.around,
        # a request reaches Bolt only once its signature is checked (bot/slack/http_guard.py)
        Redeliveries(None, durable=DurableKeys(services.store, services.clock)).around,
    )
    register_all(app, services, router)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        report(error, where=f"bolt {body.get('type') or body.get('command') or 'request'}")
        return BoltResponse(status=200, body="")

    return app


@dataclass(frozen=True)
class Identity:
    team_id: str
    team_name: str
    bot_user_id: str
    # Slack's answer to auth.test, handed to Bolt so that it does not ask again at start-up
    auth_test: Any = field(default=None, compare=False, repr=False)


def load_content(prompts_dir: Path) -> Library:
    try:
        return load_library(prompts_dir)
    except ContentError as exc:
        raise ConfigError(
            "PENDULUM_PROMPTS",
            f"{prompts_dir} has problems ({exc.problems[0]})",
            "run `pendulum-bot content lint` on it, or unset PENDULUM_PROMPTS to use the defaults",
        ) from exc


# The token check's failures become one ConfigError line; the SDK's own ERROR line for each
# attempt (three against an unreachable SLACK_API_URL) would only bury it.
_QUIET = logging.getLogger("pendulum.token_check")
_QUIET.propagate = False
_QUIET.setLevel(logging.CRITICAL)
_QUIET.addHandler(logging.NullHandler())


def check_token(config: Config) -> Identity:
    client = make_client(config.bot_token, config.api_url, logger=_QUIET)
    try:
        response = client.auth_test()
        result: dict[str, Any] = response.data  # type: ignore[assignment]
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            f"Slack rejected this token ({error})",
            "copy the current Bot User OAuth Token from your app's OAuth & Permissions page "
            "(reinstall the app if it was revoked)",
        ) from exc
    except (SlackClientError, OSError) as exc:
        raise ConfigError(
            "SLACK_API_URL",
            f"cannot reach Slack at {config.api_url} ({type(exc).__name__})",
            "check the network, or unset SLACK_API_URL to use Slack's own API",
        ) from exc
    return Identity(
        team_id=str(result.get("team_id", "")),
        team_name=str(result.get("team", "")),
        bot_user_id=str(result.get("user_id", "")),
        auth_test=response,
    )


def check_store(config: Config) -> None:
    """Refuse a database this build can't use before anything is written: SQLite, a file
    that is not a database this build can use (before the lock file or WAL files appear
    beside it); PostgreSQL, a server that does not answer (one line, not a pool's timeout)."""
    if isinstance(config.database, PostgresLocation):
        problem = unreachable(config.database)
        if problem is not None:
            raise ConfigError("PENDULUM_DB", problem, REACH_FIX)
        return
    try:
        check_database(config.db_path)
    except StoreError as exc:
        raise database_error(config.db_path, exc) from exc


def open_store(config: Config) -> Store:
    store = Store(config.database)
    try:
        store.migrate()
    except NewerDatabase as exc:
        store.close()
        raise database_error(config.database, exc) from exc
    except (StoreError, OSError, Exception) as exc:
        store.close()
        if config.postgres:
            raise database_error(config.database, exc) from exc
        raise ConfigError(
            "PENDULUM_DB",
            f"cannot use the database at {config.db_path} ({exc})",
            "point PENDULUM_DB at a writable SQLite file",
        ) from exc
    return store


def build_services(
    config: Config,
    *,
    library: Library,
    store: Store,
    clock: Clock | None = None,
    clients: Clients | None = None,
    calendar_policy: FetchPolicy | None = None,
    sample_feeds: SampleFeeds | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Services, Router]:
    """Everything a process needs, built once and in this order: the dependencies, the router
    (every feature's handlers and kinds), the people service (hearing the router's person
    listeners), the delivery engine (the router's kinds bound to the dependencies), then
    `Services`. Nothing is assigned afterwards; the engine's tick starts in the runtime.
    `clients`, `calendar_policy`, `sample_feeds` and `sleep` are for tests and the workbench."""
    if clock is None:
        clock = OffsetFileClock(config.clock_file) if config.clock_file else SystemClock()
    if clients is None:
        oauth = config.mode == "oauth"
        clients = Clients(config, partial(token_for_team, store) if oauth else None)
    deps = Deps(
        config=config,
        store=store,
        library=library,
        clock=clock,
        worker=Worker(),
        clients=clients,
        command=config.command,
        calendars=CalendarSettings(
            secret_box=SecretBox(config.secret_key),
            policy=calendar_policy or FetchPolicy(allow_local=config.local_emulator),
            sample_feeds=sample_feeds,
        ),
        workspaces=WorkspaceTracker(store, clock),
        integrity=IntegrityCheck(store),
        limiter=Limiter(clock),
    )
    router = build_router()
    people = PeopleService(
        store,
        clock,
        clients.client_for,
        listeners=[partial(listener, deps) for listener in router.person_listeners],
        sleep=sleep,
    )
    engine = build_engine(deps, router.kinds, people, sleep=sleep)
    return Services.of(deps, people=people, engine=engine), router


def build_engine(
    deps: Deps,
    kinds: Mapping[str, Kind[Deps]],
    people: Recipients | None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryEngine:
    """The engine, with every kind's composer (and after-send hook) bound to `deps`, resolving
    DM recipients through the people service (bot/delivery/people.py). Its clients have no
    automatic retries (`Clients.delivery_client_for`)."""
    config = deps.config
    composers: dict[str, Composer] = {}
    after: dict[str, AfterSend] = {}
    for name, kind in kinds.items():
        composers[name], hook = kind.bind(deps)
        if hook is not None:
            after[name] = hook
    limits, workers = delivery_pacing(dict(config.delivery_limits))
    return DeliveryEngine(
        deps.store,
        deps.clients.delivery_client_for,
        deps.clock,
        composers,
        limits=limits,
        workers=workers,
        sleep=sleep,
        # a long fan-out keeps /healthz fresh while it sends (bot/ops/health.py)
        on_progress=lambda: deps.heartbeat.progress(deps.clock.now()),
        notice=notice_composer(deps.strings),
        people=people,
        after=after,
        replicas=Replicas(
            deps.store,
            deps.clock,
            config.replica,
            lease=timedelta(seconds=config.replica_lease_seconds),
        ),
    )


def delivery_pacing(spec: dict[str, float]) -> tuple[RateLimits | None, int]:
    """The engine's limits and sender threads: Slack's defaults, unless PENDULUM_DELIVERY_LIMITS
    (emulator only) says otherwise."""
    if not spec:
        return None, 4
    default = RateLimits()
    post = spec.get("post", default.workspace.per_second)
    burst = int(spec.get("burst", max(default.workspace.burst, post * 2)))
    methods = dict(default.methods)
    if "reads" in spec:
        methods[HISTORY] = Rate(spec["reads"], max(3, int(spec["reads"])))
    limits = RateLimits(
        per_channel=default.per_channel, workspace=Rate(post, burst), methods=methods
    )
    return limits, int(spec.get("workers", 4))
