"""The objects every feature needs, built once per process (`bot.app.build_services`) and passed
around explicitly. Both are frozen: nothing is assigned after construction.

- `Deps`: what composers, after-send hooks and person listeners may use (no engine, no people
  service: those are built from the router's kinds and listeners, after `Deps`).
- `Services(Deps)`: adds the people service and the delivery engine, for request handlers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.calendar.fetch import FetchPolicy
from bot.clock import Clock
from bot.config import Config
from bot.content.library import Library
from bot.content.strings import Strings
from bot.delivery.client import delivery_client
from bot.delivery.engine import DeliveryEngine
from bot.delivery.outbox import StoredOutbox
from bot.delivery.people import PeopleService
from bot.ops.health import Heartbeat, IntegrityCheck
from bot.ops.metrics import Metrics
from bot.slack.installations import WorkspaceTracker
from bot.slack.ratelimit import Limiter, Limits
from bot.store.db import Store
from bot.store.secret import SecretBox
from bot.worker import Worker


def make_client(
    token: str | None, api_url: str, *, logger: logging.Logger | None = None
) -> WebClient:
    """A Web API client that waits out 429s (Retry-After) and retries transient failures."""
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=10,
        logger=logger,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


TokenSource = Callable[[str], str | None]


class Clients:
    """The Web API client of each workspace, cached by token. The token source is fixed at
    construction: the installations table in OAuth mode, the configured bot token otherwise."""

    def __init__(self, config: Config, token_for: TokenSource | None = None) -> None:
        self.config = config
        self._token_for = token_for
        self._cache: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def token(self, team_id: str) -> str | None:
        """The bot token for a workspace (the configured one when there is no other)."""
        token = self._token_for(team_id) if self._token_for else None
        return token or self.config.bot_token

    def client_for(self, team_id: str) -> WebClient:
        """A client that waits out 429s and retries transient failures (requests, reads)."""
        return self._cached("", team_id, make_client)

    def delivery_client_for(self, team_id: str) -> WebClient:
        """The delivery engine's client: no automatic retries on 5xx or dropped connections
        (after such a failure a message may have been posted; the engine checks first)."""
        return self._cached("delivery:", team_id, delivery_client)

    def _cached(
        self, prefix: str, team_id: str, make: Callable[[str | None, str], WebClient]
    ) -> WebClient:
        token = self.token(team_id)
        key = prefix + (token or "")
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                client = make(token, self.config.api_url)
                self._cache[key] = client
        return client


@dataclass(frozen=True)
class SampleFeeds:
    """Calendars the offline workbench hands its sample managers (no network involved):
    a feed `workbench-sample:<user id>` reads `ics(user_id, week_start)`. Only the workbench
    builds one (`build_services(..., sample_feeds=…)`); anywhere else such an address is refused."""

    ics: Callable[[str, date], bytes | None]
    owner: Callable[[str], str | None]


@dataclass(frozen=True)
class CalendarSettings:
    """How calendar feeds are read: the key that seals their addresses, the fetch policy, and
    the workbench's sample feeds (None elsewhere)."""

    secret_box: SecretBox
    policy: FetchPolicy
    sample_feeds: SampleFeeds | None = None


@dataclass(frozen=True, kw_only=True)
class Deps:
    config: Config
    store: Store
    library: Library
    clock: Clock
    worker: Worker
    clients: Clients
    # the slash command users type, from configuration (`config.command`)
    command: str
    calendars: CalendarSettings
    workspaces: WorkspaceTracker
    integrity: IntegrityCheck
    # per-person flood guards (bot/slack/ratelimit.py), on this process's clock
    limiter: Limiter
    # the scheduler's tick calls heartbeat.beat(now); /healthz and /metrics read both
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    metrics: Metrics = field(default_factory=Metrics)

    @cached_property
    def strings(self) -> Strings:
        """The features' sentences (prompts/strings/), `{{ command }}` = `config.command`."""
        return Strings(self.library.strings, command=self.command)

    @cached_property
    def outbox(self) -> StoredOutbox:
        """One-offs without sending: queue for later, hold, cancel, status (the engine, in
        `Services.engine`, also sends now)."""
        return StoredOutbox(self.store, self.clock)

    @property
    def limits(self) -> Limits:
        return Limits.from_rules(self.library.rules, dict(self.config.request_limits))

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client for a workspace (single-workspace: the configured bot token)."""
        return self.clients.client_for(team_id)


@dataclass(frozen=True, kw_only=True)
class Services(Deps):
    """`Deps` plus the people service and the delivery engine (built from `Deps`)."""

    people: PeopleService
    engine: DeliveryEngine

    @classmethod
    def of(cls, deps: Deps, *, people: PeopleService, engine: DeliveryEngine) -> Services:
        values = {name: getattr(deps, name) for name in deps.__dataclass_fields__}
        return cls(**values, people=people, engine=engine)
