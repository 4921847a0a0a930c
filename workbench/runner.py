"""The real app, started the way `bot.runtime` starts it in Socket Mode, but pointed at the
built-in emulator and reading the workbench's movable clock.

Nothing here calls into the app's features: the app connects to the emulator over Socket
Mode and the Web API, exactly as it would connect to Slack.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import (
    Identity,
    build_services,
    check_store,
    check_token,
    create_app,
    load_content,
    open_store,
)
from bot.config import Config, is_local_url
from bot.delivery.ticker import Scheduler
from bot.delivery.timing import parse_utc
from bot.router import Router
from bot.runtime import lock_database, prepare_workspaces, start_scheduler, stop_scheduler
from bot.services import SampleFeeds, Services, make_client
from bot.store import Store, inspect
from bot.store.backup import DatabaseLock
from slack_emulator import Emulator
from workbench.calendars import connect_sample_calendars
from workbench.clock import MovableClock
from workbench.sample_calendars import sample_email, sample_feed_ics

log = logging.getLogger("pendulum.workbench")

# The workbench ticks often: a jump of the clock should show its send within a second.
WORKBENCH_TICK_SECONDS = 1.0


def app_config(config: Config, emu: Emulator) -> Config:
    """The offline config with the emulator's tokens and API URL: Socket Mode, locally."""
    out = dataclasses.replace(
        config,
        bot_token=emu.auth.bot_token,
        app_token=emu.auth.app_token,
        signing_secret=None,
        client_id=None,
        client_secret=None,
        api_url=emu.api_url,
        tick_seconds=min(config.tick_seconds, WORKBENCH_TICK_SECONDS),
        clock_file=None,
    )
    # The movable clock is only ever handed to an app that talks to this machine.
    if not is_local_url(out.api_url) or out.mode != "socket":
        raise RuntimeError("the workbench runs the app against the local emulator only")
    return out


def latest_recorded(store: Store) -> datetime | None:
    """The latest instant the app wrote down (a send, a claim, a schedule change). The clock
    of a restarted workbench starts there if that is still in the future."""
    latest = inspect.latest_recorded(store)
    return parse_utc(latest) if latest else None


@dataclass
class RunningApp:
    services: Services
    identity: Identity
    store: Store
    lock: DatabaseLock
    handler: SocketModeHandler
    scheduler: Scheduler
    router: Router

    def stop(self) -> None:
        self.handler.close()  # type: ignore[no-untyped-call]
        stop_scheduler(self.services, self.scheduler)
        self.services.worker.shutdown()
        self.store.close()
        self.lock.release()


def start_app(config: Config, emu: Emulator, clock: MovableClock) -> RunningApp:
    """Load content, check the token, open the store, connect over Socket Mode, start the
    scheduler: the order `bot.runtime.run` uses, so start-up problems read the same."""
    library = load_content(config.prompts_dir)
    identity = check_token(config)
    check_store(config)
    lock = lock_database(config)
    try:
        store = open_store(config)
        latest = latest_recorded(store)
        if latest is not None:
            clock.jump_to(latest)  # never run the app backwards past what it already did
        services, router = build_services(
            config,
            library=library,
            store=store,
            clock=clock,
            sample_feeds=SampleFeeds(ics=sample_feed_ics, owner=sample_email),
        )
        prepare_workspaces(services, identity)
        if latest is None:  # a fresh workbench: the sample managers bring their calendars
            connect_sample_calendars(services, identity.team_id)
        scheduler = start_scheduler(services)  # the runtime's engine and tick
        app = create_app(services, router)
        handler = SocketModeHandler(
            app,
            app_token=config.app_token,
            web_client=make_client(config.app_token, config.api_url),
            logger=logging.getLogger("slack_bolt.socket_mode"),
        )
        handler.connect()  # type: ignore[no-untyped-call]
    except BaseException:
        lock.release(discard=True)  # a start that failed leaves no lock file behind
        raise
    emu.wait_connected(timeout=20)
    log.info(
        "Pendulum connected: mode=socket (workbench) workspace=%s (%s) db=%s",
        identity.team_name,
        identity.team_id,
        config.db_path.resolve(),
    )
    return RunningApp(services, identity, store, lock, handler, scheduler, router)
