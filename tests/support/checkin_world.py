"""Fixtures for the check-in, Home and privacy handler tests: real Services (SQLite on
tmp_path, the shipped prompts/, the real router and delivery engine) around a stub Slack that
records every call. Holds no tests itself."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from blockkit.validate import message_problems, view_problems
from bot.app import build_services
from bot.calendar.fetch import FetchPolicy
from bot.clock import FakeClock
from bot.config import Config
from bot.content.library import load_library
from bot.delivery.engine import DeliveryEngine
from bot.router import (
    ActionContext,
    CommandContext,
    EventContext,
    Reply,
    Router,
    ViewContext,
    run_command,
)
from bot.services import Clients, Services
from bot.store.db import Store
from bot.store.location import Location
from tests.support.databases import open_test_store, track

REPO = Path(__file__).resolve().parents[2]
TEAM = "T0ACME"
ALICE, BOB = "U0ALICE", "U0BOB"
CHANNEL = "C0TEAM"
# Wednesday 4 March 2026, 12:00 UTC (Berlin is UTC+1 until 29 March).
START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def api_error(error: str, method: str = "chat.postMessage") -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=f"https://slack.test/api/{method}",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError(f"The request to the Slack API failed: {error}", response)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: datetime


@dataclass
class StubSlack:
    """The slice of WebClient Pendulum's check-in code uses, recording every call. Every
    message and view passed in is checked against Block Kit rules (`problems`)."""

    clock: FakeClock
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    gone: dict[str, str] = field(default_factory=dict)  # user id → users.info error
    post_errors: dict[str, str] = field(default_factory=dict)  # channel → postMessage error
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: int = 0

    def add_user(self, user_id: str, tz: str = "Europe/Berlin", **profile: Any) -> None:
        self.users[user_id] = {"id": user_id, "tz": tz, "deleted": False, "profile": profile}

    def _record(self, method: str, args: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(Call(method, args, self.clock.now()))

    def of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def dms(self, user_id: str, text: str | None = None) -> list[Call]:
        """chat.postMessage calls into a person's DM (by user id or D channel)."""
        return [
            call
            for call in self.of("chat.postMessage")
            if call.args["channel"] in (user_id, self.dm(user_id))
            and (text is None or text in repr(call.args))
        ]

    @staticmethod
    def dm(user_id: str) -> str:
        return "D" + user_id[1:]

    def _check_message(self, method: str, args: dict[str, Any]) -> None:
        body = {k: v for k, v in args.items() if k in ("text", "blocks")}
        self.problems += [f"{method}: {p}" for p in message_problems(body)]

    # -- Web API -------------------------------------------------------------------------
    def users_list(self, **args: Any) -> dict[str, Any]:
        """Everyone in one page; gone people come back deleted, as Slack lists them."""
        self._record("users.list", args)
        members = [
            {**user, "deleted": True} if uid in self.gone else user
            for uid, user in self.users.items()
        ]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def users_info(self, **args: Any) -> dict[str, Any]:
        self._record("users.info", args)
        user = args["user"]
        if user in self.gone:
            raise api_error(self.gone[user], "users.info")
        if user not in self.users:
            raise api_error("user_not_found", "users.info")
        return {"ok": True, "user": self.users[user]}

    def chat_postMessage(self, **args: Any) -> dict[str, Any]:
        self._record("chat.postMessage", args)
        self._check_message("chat.postMessage", args)
        channel = args["channel"]
        if channel in self.post_errors:
            raise api_error(self.post_errors[channel])
        with self.lock:
            self._ts += 1
            ts = f"{int(self.clock.now().timestamp())}.{self._ts:06d}"
        conversation = self.dm(channel) if channel[:1] in "UW" else channel
        return {"ok": True, "channel": conversation, "ts": ts}

    def chat_postEphemeral(self, **args: Any) -> dict[str, Any]:
        self._record("chat.postEphemeral", args)
        self._check_message("chat.postEphemeral", args)
        return {"ok": True, "message_ts": "1.0"}

    def chat_update(self, **args: Any) -> dict[str, Any]:
        self._record("chat.update", args)
        self._check_message("chat.update", args)
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    def views_open(self, **args: Any) -> dict[str, Any]:
        self._record("views.open", args)
        self.problems += [f"views.open: {p}" for p in view_problems(args["view"])]
        return {"ok": True, "view": {"id": "V0MODAL", **args["view"]}}

    def views_publish(self, **args: Any) -> dict[str, Any]:
        self._record("views.publish", args)
        self.problems += [f"views.publish: {p}" for p in view_problems(args["view"])]
        return {"ok": True, "view": args["view"]}

    def files_upload_v2(self, **args: Any) -> dict[str, Any]:
        self._record("files.upload_v2", args)
        return {"ok": True, "files": [{"id": "F0EXPORT"}]}

    def conversations_open(self, **args: Any) -> dict[str, Any]:
        self._record("conversations.open", args)
        return {"ok": True, "channel": {"id": self.dm(args["users"])}}

    def conversations_history(self, **args: Any) -> dict[str, Any]:
        self._record("conversations.history", args)
        return {"ok": True, "messages": [], "has_more": False}


class FakeClients(Clients):
    """Every workspace's client (requests and the engine alike) is the stub Slack."""

    def __init__(self, slack: Any) -> None:
        super().__init__(Config(bot_token="xoxb-test"))
        self.slack = slack

    def client_for(self, team_id: str) -> Any:
        return self.slack

    def delivery_client_for(self, team_id: str) -> Any:
        return self.slack


@dataclass
class World:
    """Services + stub Slack + the engine, and helpers that act like Slack would."""

    services: Services
    slack: StubSlack
    clock: FakeClock
    engine: DeliveryEngine
    tmp_path: Path
    router: Router

    @property
    def store(self) -> Store:
        return self.services.store

    # -- acting ------------------------------------------------------------------------------
    def command(
        self, text: str, user: str = ALICE, *, channel: str = CHANNEL, run_later: bool = True
    ) -> Reply:
        ctx = CommandContext(
            services=self.services,
            client=self.slack,  # type: ignore[arg-type]
            team_id=TEAM,
            user_id=user,
            channel_id=channel,
            text=text,
        )
        calls_before = len(self.slack.calls)
        reply = run_command(self.router, ctx)
        # the ack path makes no Web API call
        assert len(self.slack.calls) == calls_before, self.slack.calls[calls_before:]
        if reply.message is not None:
            assert message_problems(reply.message) == [], message_problems(reply.message)
        if run_later and reply.later is not None:
            reply.later()
        return reply

    def action(
        self,
        action_id: str,
        value: str = "",
        user: str = ALICE,
        *,
        selected: bool = False,
        channel: str | None = None,
    ) -> Reply:
        action: dict[str, Any] = {"action_id": action_id}
        if selected:
            action["selected_option"] = {"value": value}
        else:
            action["value"] = value
        handler = self.router.resolve_action(action_id)
        assert handler is not None, action_id
        ctx = ActionContext(
            services=self.services,
            client=self.slack,  # type: ignore[arg-type]
            team_id=TEAM,
            user_id=user,
            channel_id=channel or self.slack.dm(user),
            trigger_id="T0TRIGGER",
            action=action,
            body={"type": "block_actions"},
        )
        reply = handler(ctx)
        if reply.message is not None:
            assert message_problems(reply.message) == [], message_problems(reply.message)
        if reply.later is not None:
            reply.later()
        return reply

    def submit(
        self,
        callback_id: str,
        values: dict[str, str | None],
        *,
        user: str = ALICE,
        private_metadata: str = "",
        view_id: str = "V0MODAL",
        kinds: dict[str, str] | None = None,
        run_later: bool = True,
    ) -> Reply:
        state: dict[str, Any] = {}
        for block, value in values.items():
            kind = (kinds or {}).get(block, "select")
            if value is None:
                element: dict[str, Any] = {"type": "static_select", "selected_option": None}
            elif kind == "text":
                element = {"type": "plain_text_input", "value": value}
            elif kind == "time":
                element = {"type": "timepicker", "selected_time": value}
            else:
                element = {"type": "static_select", "selected_option": {"value": value}}
            state[block] = {"value": element}
        view = {
            "id": view_id,
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
        }
        ctx = ViewContext(
            services=self.services,
            client=self.slack,  # type: ignore[arg-type]
            team_id=TEAM,
            user_id=user,
            view=view,
            body={"type": "view_submission", "view": view},
        )
        reply = self.router.views[callback_id](ctx)
        if run_later and reply.later is not None:
            reply.later()
        return reply

    def event(self, event: dict[str, Any]) -> None:
        handler = self.router.events[event["type"]]
        handler(
            EventContext(
                services=self.services,
                client=self.slack,  # type: ignore[arg-type]
                team_id=TEAM,
                event=event,
                body={"team_id": TEAM, "event": event},
            )
        )

    def advance(self, delta: timedelta, *, tick: bool = True) -> None:
        self.clock.advance(delta)
        if tick:
            self.engine.tick()

    def run_until(self, instant: datetime, step: timedelta = timedelta(minutes=30)) -> None:
        """Tick every `step` until `instant` (as the scheduler would)."""
        while self.clock.now() + step <= instant:
            self.advance(step)
        if self.clock.now() < instant:
            self.clock.set(instant)
            self.engine.tick()

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return list(self.store.db.execute(sql, params or []).fetchall())

    def restart(self, **settings: Any) -> None:
        """A new process: a new Store (fresh connections), engine and router, same file;
        `settings` as for `build_world` (a secret key, a calendar fetch policy)."""
        self.engine.close()
        self.services.store.close()
        fresh = build_world(
            self.tmp_path,
            clock=self.clock,
            slack=self.slack,
            location=self.services.store.location,
            **settings,
        )
        self.services, self.engine, self.router = fresh.services, fresh.engine, fresh.router


def valid_answers(**overrides: str | None) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "hands_on": "lt2",
        "critical_path": "no",
        "critical_path_what": None,
        "focus_blocks": "3",
        "energy": "70",
        "note": None,
    }
    values.update(overrides)
    return values


TEXT_INPUTS = {"critical_path_what": "text", "note": "text"}


def build_world(
    tmp_path: Path,
    *,
    clock: FakeClock | None = None,
    slack: StubSlack | None = None,
    migrate: bool = True,
    secret_key: str | None = None,
    calendar_policy: FetchPolicy | None = None,
    location: Location | None = None,
) -> World:
    """A world on a fresh database, or on the one at `location` (a restart: no migration)."""
    clock = clock or FakeClock(START)
    slack = slack or StubSlack(clock)
    if not slack.users:
        slack.add_user(ALICE, "Europe/Berlin")
        slack.add_user(BOB, "America/New_York")
    if location is None:
        store = open_test_store(tmp_path, migrate=migrate)
    else:
        store = track(Store(location))
    services, router = build_services(
        Config(bot_token="xoxb-test", secret_key=secret_key),
        library=load_library(REPO / "prompts"),
        store=store,
        clock=clock,
        clients=FakeClients(slack),
        calendar_policy=calendar_policy,
        sleep=lambda seconds: None,
    )
    return World(services, slack, clock, services.engine, tmp_path, router)


def world_fixture(make: Callable[[Path], World] = build_world) -> Any:
    """A pytest fixture named `world` for a test module (`world = world_fixture(...)`): the
    world `make` builds on tmp_path; afterwards the engine is closed and every message the stub
    Slack saw must have been valid Block Kit."""

    @pytest.fixture(name="world")
    def fixture(tmp_path: Path) -> Iterator[World]:
        w = make(tmp_path)
        yield w
        w.engine.close()
        assert w.slack.problems == []

    return fixture


def last_ephemeral(world: World) -> str:
    """The last private answer (after the ack: an ephemeral, since there's no response_url)."""
    return repr(world.slack.of("chat.postEphemeral")[-1].args)


def add_channel_tip(world: World, owner: str, tz: str, channel: str = CHANNEL) -> None:
    """A Monday 10:00 channel-tip schedule owned by `owner`."""
    from bot.store.schedules import create_schedule

    create_schedule(
        world.store,
        world.clock,
        team_id=TEAM,
        kind="tip",
        owner_user_id=owner,
        target=channel,
        weekday=0,
        local_time="10:00",
        tz=tz,
    )


def local(instant: datetime, tz: str) -> datetime:
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo(tz))
