"""Running Pendulum: Socket Mode or HTTP, with the scheduler in the same process, until
SIGINT/SIGTERM.

The tick (`start_scheduler`, `Housekeeping`) is shared with the offline workbench, so both
schedule the same way."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot import __version__
from bot.app import (
    Identity,
    build_services,
    check_store,
    check_token,
    create_app,
    load_content,
    open_store,
)
from bot.config import Config, ConfigError
from bot.delivery.engine import TickReport
from bot.delivery.ticker import Scheduler
from bot.features.calendar_sync import CalendarRefresh
from bot.ops.health import Health, stale_after_for
from bot.ops.metrics import database_collector, heartbeat_collector, replica_collector
from bot.router import Router
from bot.services import Services, make_client
from bot.slack.http_server import HttpServer, PendulumWsgi
from bot.slack.redelivery import DURABLE_PREFIX, KEEP_SECONDS
from bot.store import installations
from bot.store.admin import OpsError, record_tick
from bot.store.backup import DatabaseLock
from bot.store.installations import remember_workspace
from bot.store.requests import forget_older_than

log = logging.getLogger("pendulum")
tick_log = logging.getLogger("pendulum.scheduling")


class StopSignal:
    """Turns SIGINT/SIGTERM into an event the main thread waits on."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self.event.set()


def run(config: Config) -> int:
    library = load_content(config.prompts_dir)
    identity = check_token(config) if config.mode != "oauth" else MULTI_WORKSPACE
    check_store(config)
    lock = lock_database(config)
    try:
        try:
            store = open_store(config)
        except ConfigError:
            if lock is not None:
                lock.release(discard=True)  # nothing ran: leave no lock file behind
            raise
        services, router = build_services(config, library=library, store=store)
        prepare_workspaces(services, identity)
        stop = StopSignal()
        stop.install()
        scheduler = start_scheduler(services)
        try:
            if config.mode == "socket":
                serve_socket(services, router, identity, stop)
            else:
                serve_http(services, router, identity, stop)
        finally:
            stop_scheduler(services, scheduler)
            services.worker.shutdown()
            store.close()
    finally:
        if lock is not None:
            lock.release()
    log.info("stopped")
    return 0


# OAuth mode serves every workspace that installs it; there is no one identity to check.
MULTI_WORKSPACE = Identity(team_id="", team_name="", bot_user_id="")


def lock_database(config: Config) -> DatabaseLock | None:
    """SQLite: one running app (and scheduler) per database file: a second one stops here.
    PostgreSQL: none; any number of replicas share the database (the store's advisory locks
    and the ledger's claims keep them apart)."""
    if config.postgres:
        return None
    lock = DatabaseLock(config.db_path)
    try:
        lock.acquire()
    except (OpsError, OSError) as exc:
        raise ConfigError(
            "PENDULUM_DB", str(exc).split(". Fix: ")[0], "stop the other process first"
        ) from exc
    return lock


def prepare_workspaces(services: Services, identity: Identity) -> None:
    """Token mode: record the one workspace (OAuth mode: `Services.clients` reads tokens from
    installations).
    Both: the heartbeat persists each tick, and /metrics reads the database."""
    store, config = services.store, services.config
    if config.mode != "oauth" and identity.team_id:
        remember_workspace(
            store,
            identity.team_id,
            name=identity.team_name,
            bot_user_id=identity.bot_user_id,
            now=services.clock.now(),
        )
    integrity = services.integrity
    integrity.run(services.clock.now())  # at start-up; then hourly from the tick

    def on_beat(now: datetime) -> None:
        integrity.run_if_due(now)
        # the heartbeat row: /healthz learns whether writes work; `stats` names the replica
        record_tick(store, now, config.replica)

    services.heartbeat.start(services.clock.now())
    services.heartbeat.on_beat = on_beat
    services.metrics.add_collector(replica_collector(config.replica, store.dialect, __version__))
    services.metrics.add_collector(database_collector(store, services.clock))
    services.metrics.add_collector(heartbeat_collector(services.heartbeat, services.clock))


def settle() -> None:
    """Once connected: move everything built at start-up (content, routes, libraries) out of
    the garbage collector's sight. It lives as long as the process, and full collections
    under load would otherwise walk all of it again and again."""
    gc.collect()
    gc.freeze()


def database_shown(config: Config) -> str:
    """Where the database is, for the log: the SQLite file's full path, or the PostgreSQL
    URL without its credentials."""
    return config.database.display if config.postgres else str(config.db_path.resolve())


def _announce(mode: str, identity: Identity, services: Services, extra: str = "") -> None:
    log.info(
        "Pendulum connected: mode=%s workspace=%s (%s) db=%s replica=%s%s",
        mode,
        identity.team_name or "?",
        identity.team_id,
        database_shown(services.config),
        services.config.replica,
        extra,
    )


def serve_socket(services: Services, router: Router, identity: Identity, stop: StopSignal) -> None:
    config = services.config
    app = create_app(services, router, identity.auth_test)
    handler = SocketModeHandler(
        app,
        app_token=config.app_token,
        web_client=make_client(config.app_token, config.api_url),
        logger=logging.getLogger("slack_bolt.socket_mode"),
    )
    ops = start_http(services, None)  # /healthz and /metrics beside Socket Mode
    handler.connect()  # type: ignore[no-untyped-call]
    _announce("socket", identity, services)
    settle()
    stop.event.wait()
    close_socket_mode(handler)
    ops.close()


def close_socket_mode(handler: SocketModeHandler, timeout: float = 0.3) -> None:
    """Disconnect from Slack. The SDK's close() also joins its helper threads, which can take
    seconds as they wake from their sleeps; the process is exiting, so wait at most `timeout`
    (Slack redelivers anything that was not acked)."""
    closer = threading.Thread(target=handler.close, name="socket-mode-close", daemon=True)
    closer.start()
    closer.join(timeout)


def build_health(services: Services, mode: str | None = None) -> Health:
    """The /healthz check of this process (bot/ops/health.py); `mode` overrides the one shown."""
    config = services.config
    shown = mode or config.mode
    return Health(
        services.store,
        services.heartbeat,
        services.clock,
        stale_after=stale_after_for(config.tick_seconds),
        integrity=services.integrity,
        extra=lambda: {"mode": shown, "version": __version__, "replica": config.replica},
    )


def start_http(services: Services, app: App | None) -> HttpServer:
    """waitress on PENDULUM_HOST:PENDULUM_PORT: Slack's requests (when `app` is given),
    OAuth install pages (mode "oauth"), /healthz and /metrics."""
    config = services.config
    health = build_health(services)
    wsgi = PendulumWsgi(app, health, services.metrics, signing_secret=config.signing_secret)
    try:
        server = HttpServer(wsgi, config.host, config.port)
    except OSError as exc:
        raise ConfigError(
            "PENDULUM_PORT",
            f"cannot listen on {config.host}:{config.port} ({exc.strerror or exc})",
            "choose a free port, or stop whatever is using it",
        ) from exc
    return server.start()


def serve_http(services: Services, router: Router, identity: Identity, stop: StopSignal) -> None:
    config = services.config
    app = create_app(services, router, identity.auth_test)
    server = start_http(services, app)
    if config.mode == "oauth":
        installed = installations.count(services.store)
        log.info(
            "Pendulum connected: mode=oauth installations=%d db=%s replica=%s listening=%s:%d "
            "(/slack/events, install at /slack/install)",
            installed,
            database_shown(config),
            config.replica,
            config.host,
            config.port,
        )
    else:
        _announce(
            "http", identity, services, f" listening={config.host}:{config.port}/slack/events"
        )
    settle()
    stop.event.wait()
    server.close()


# -- the tick: delivery, housekeeping, the heartbeat ----------------------------------------
HOUSEKEEPING_EVERY = timedelta(hours=1)
REQUEST_KEYS_EVERY = timedelta(minutes=1)


class Housekeeping:
    """Run from every tick: hand calendar feeds due for their hourly read to the worker
    (bot/features/calendar_sync.py); forget old Slack request ids hourly (they only guard
    against retries, which come within minutes) and expired replay guards every minute."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.last: datetime | None = None
        self.calendars = CalendarRefresh(services)
        self.last_request_keys: datetime | None = None

    def __call__(self) -> None:
        now = self.services.clock.now()
        self.services.heartbeat.beat(now)
        try:
            self.calendars()
        except Exception:  # a calendar problem must never stop the tick
            tick_log.exception("calendar refresh failed to start")
        if self.last is None or now - self.last >= HOUSEKEEPING_EVERY:
            self.last = now
            forget_older_than(self.services.store, now)
        last = self.last_request_keys
        if last is None or now - last >= REQUEST_KEYS_EVERY:
            # replay guards only need to outlive the signature window and Slack's retries
            self.last_request_keys = now
            keep = timedelta(seconds=KEEP_SECONDS)
            forget_older_than(self.services.store, now, keep, prefix=DURABLE_PREFIX)


def start_scheduler(services: Services) -> Scheduler:
    """Start the one tick job; each run beats the health heartbeat and does housekeeping."""
    heartbeat = services.heartbeat

    def on_report(report: TickReport) -> None:
        heartbeat.tick_done()
        services.metrics.observe_tick(report)

    scheduler = Scheduler(
        services.engine,
        interval_s=services.config.tick_seconds,
        on_tick=Housekeeping(services),
        on_report=on_report,
        on_failure=heartbeat.tick_failed,
    )
    services.heartbeat.attach(lambda: scheduler.running)
    scheduler.start()
    return scheduler


def stop_scheduler(services: Services, scheduler: Scheduler) -> None:
    scheduler.shutdown(wait=True)
    services.engine.close()
