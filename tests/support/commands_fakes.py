"""Fakes for calling the command features directly: a Services on a tmp database, the real
prompts/, a FakeClock, and a WebClient stand-in that records every call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_router, build_services
from bot.clock import FakeClock
from bot.config import Config
from bot.content.library import Library, load_library
from bot.router import ActionContext, CommandContext, ViewContext
from bot.services import Services
from bot.store.sql import quote
from tests.support.databases import open_test_store

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TEAM = "T0TEAM001"
USER = "U0ALICE01"
OTHER_USER = "U0BOB0001"
CHANNEL = "C0GENERAL"

_library: Library | None = None


def library() -> Library:
    global _library
    if _library is None:
        _library = load_library(PROMPTS)
    return _library


@dataclass
class Call:
    method: str
    kwargs: dict[str, Any]


@dataclass
class StubClient:
    """Records Web API calls; `fail` maps a method name to an exception to raise."""

    calls: list[Call] = field(default_factory=list)
    fail: dict[str, Exception] = field(default_factory=dict)

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append(Call(method, kwargs))
            if method in self.fail:
                raise self.fail[method]
            return {"ok": True}

        return call

    def named(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]


# every feature's handlers, as the app registers them (a router holds no state of its own)
ROUTER = build_router()


def make_services(tmp_path: Path) -> Services:
    store = open_test_store(tmp_path)
    services, _ = build_services(
        Config(db_path=tmp_path / "pendulum.db", prompts_dir=PROMPTS),
        library=library(),
        store=store,
        clock=FakeClock(START),
    )
    return services


def command(
    services: Services,
    client: StubClient,
    text: str,
    *,
    user_id: str = USER,
    channel_id: str = CHANNEL,
    trigger_id: str | None = "1337.42.abcdef",
) -> CommandContext:
    return CommandContext(
        services=services,
        client=client,  # type: ignore[arg-type]
        team_id=TEAM,
        user_id=user_id,
        channel_id=channel_id,
        response_url="https://hooks.slack.test/commands/T0TEAM001/1/abc",
        trigger_id=trigger_id,
        text=text,
    )


def action(
    services: Services,
    client: StubClient,
    action_id: str,
    value: str | None,
    *,
    user_id: str = USER,
    channel_id: str | None = CHANNEL,
    response_url: str | None = "https://hooks.slack.test/actions/T0TEAM001/2/def",
    message_ts: str = "1700000000.000100",
    body: dict[str, Any] | None = None,
) -> ActionContext:
    act: dict[str, Any] = {"action_id": action_id, "type": "button"}
    if value is not None:
        act["value"] = value
    return ActionContext(
        services=services,
        client=client,  # type: ignore[arg-type]
        team_id=TEAM,
        user_id=user_id,
        channel_id=channel_id,
        response_url=response_url,
        trigger_id="1337.43.ghijkl",
        action=act,
        body=body
        or {"type": "block_actions", "container": {"type": "message", "message_ts": message_ts}},
    )


def view_submission(
    services: Services,
    client: StubClient,
    values: dict[str, dict[str, Any]],
    *,
    view_id: str = "V0VIEW0001",
    user_id: str = USER,
) -> ViewContext:
    view = {"id": view_id, "callback_id": "assess", "state": {"values": values}}
    return ViewContext(
        services=services,
        client=client,  # type: ignore[arg-type]
        team_id=TEAM,
        user_id=user_id,
        view=view,
        body={"type": "view_submission", "view": view},
    )


def row_counts(services: Services) -> dict[str, int]:
    db = services.store.db
    return {
        name: int(db.execute(f"SELECT count(*) FROM {quote(name)}").fetchone()[0])
        for name in db.table_names()
    }


@pytest.fixture(name="services")
def services_fixture(tmp_path: Path) -> Iterator[Services]:
    """`services` for a test module that imports it: make_services on tmp_path, shut down after."""
    svc = make_services(tmp_path)
    yield svc
    svc.worker.shutdown()
    svc.store.close()


@pytest.fixture(name="client")
def client_fixture() -> StubClient:
    """`client` for a test module that imports it: a fresh recording StubClient."""
    return StubClient()
