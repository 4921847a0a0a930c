"""The objects every feature needs, built once per process and passed around explicitly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.clock import Clock
from bot.config import Config
from bot.content.library import Library
from bot.content.strings import Strings
from bot.ops.health import Heartbeat
from bot.ops.metrics import Metrics
from bot.router import Router
from bot.slack.ratelimit import Limiter, Limits
from bot.store.db import Store
from bot.worker import Worker

if TYPE_CHECKING:
    pass

COMMAND = "/pendulum"


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


@dataclass
class Services:
    config: Config
    store: Store
    library: Library
    clock: Clock
    worker: Worker
    router: Router
    command: str = COMMAND
    token_for_team: Callable[[str], str | None] | None = None
    # the delivery engine (bot/delivery), set by the runtime once it is built
    engine: Any = None
    # the scheduler's tick calls heartbeat.beat(now); /healthz and /metrics read both
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    metrics: Metrics = field(default_factory=Metrics)
    extras: dict[str, Any] = field(default_factory=dict)
    _clients: dict[str, WebClient] = field(default_factory=dict)
    # per-person flood guards (bot/slack/ratelimit.py), on this process's clock
    limiter: Limiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = Limiter(self.clock)

    @cached_property
    def strings(self) -> Strings:
        """The features' sentences (prompts/strings/), `{{ command }}` = `config.command`."""
        return Strings(self.library.strings, command=self.config.command)

    @property
    def limits(self) -> Limits:
        return Limits.from_rules(self.library.rules, dict(self.config.request_limits))

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client for a workspace (single-workspace: the configured bot token)."""
        token = self.token_for_team(team_id) if self.token_for_team else self.config.bot_token
        key = token or ""
        client = self._clients.get(key)
        if client is None:
            client = make_client(token, self.config.api_url)
            self._clients[key] = client
        return client
