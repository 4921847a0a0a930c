"""Building the delivery engine from the features' composers, and running its tick.

Shared by the runtime (Socket Mode, HTTP) and the offline workbench, so both schedule the
same way.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient

from bot.delivery import DeliveryEngine, Scheduler, delivery_client
from bot.delivery.engine import TickReport
from bot.delivery.pacing import HISTORY, Rate, RateLimits
from bot.features.calendar_sync import CalendarRefresh
from bot.people import people_of
from bot.redelivery import DURABLE_PREFIX, KEEP_SECONDS
from bot.services import Services
from bot.store.requests import forget_older_than

log = logging.getLogger("pendulum.scheduling")


def build_engine(services: Services) -> DeliveryEngine:
    """The engine, with every composer (and after-send hook) the features registered bound
    to `services`, resolving DM recipients through the people cache (bot/people.py).

    Its clients have no automatic retries on 5xx or dropped connections: after such a
    failure a message may have been posted, and the engine checks before trying again.
    """
    config = services.config
    clients: dict[str, WebClient] = {}

    def client_for(team_id: str) -> WebClient:
        token = services.token_for_team(team_id) if services.token_for_team else None
        token = token or config.bot_token or ""
        if token not in clients:
            clients[token] = delivery_client(token, config.api_url)
        return clients[token]

    composers: dict[str, Any] = {
        kind: partial(composer, services) for kind, composer in services.router.composers.items()
    }
    after: dict[str, Any] = {
        kind: partial(hook, services) for kind, hook in services.router.after_send.items()
    }
    limits, workers = delivery_pacing(dict(config.delivery_limits))
    return DeliveryEngine(
        services.store,
        client_for,
        services.clock,
        composers,
        limits=limits,
        workers=workers,
        # a long fan-out keeps /healthz fresh while it sends (bot/health.py)
        on_progress=lambda: services.heartbeat.progress(services.clock.now()),
        people=people_of(services),
        after=after,
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
            log.exception("calendar refresh failed to start")
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
    if services.engine is None:
        services.engine = build_engine(services)
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
    if services.engine is not None:
        services.engine.close()
