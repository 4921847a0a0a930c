"""A small in-process Slack for delivery tests: chat.postMessage (with metadata),
conversations.history (metadata filter) and conversations.open, plus injectable faults.

Shared by the test_delivery_* modules; it holds no tests itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.clock import FakeClock
from bot.delivery.engine import DeliveryEngine
from bot.delivery.model import OutgoingMessage, Schedule
from bot.delivery.timing import Occurrence, period_key
from bot.store.db import Store
from tests.support.databases import open_test_store

TEAM = "T1"


def api_error(
    error: str, status: int = 200, headers: dict[str, str] | None = None
) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(f"The request to the Slack API failed: {error}", response)


class Crash(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing in the engine catches it."""


# A fault decides, per call, what happens: None = normal; an exception = raise it before
# posting; ("after", exc) = post, then raise (the message exists but the caller never knows).
Fault = Callable[[str, dict[str, Any]], Any]


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    metadata: dict[str, Any] | None
    at: float  # time.monotonic() when posted


@dataclass
class FakeSlack:
    clock: FakeClock | None = None
    latency: float = 0.0
    gone_channels: dict[str, str] = field(default_factory=dict)  # channel → error code
    faults: list[Fault] = field(default_factory=list)
    on_post: Callable[[dict[str, Any]], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: dict[str, list[Posted]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _ts: int = 0

    # -- helpers -------------------------------------------------------------------------
    def dm_channel(self, user: str) -> str:
        return "D" + user[1:]

    def posts(self, channel: str) -> list[Posted]:
        with self.lock:
            return list(self.messages.get(channel, []))

    def all_posts(self) -> list[Posted]:
        with self.lock:
            return [m for msgs in self.messages.values() for m in msgs]

    def count(self, method: str) -> int:
        with self.lock:
            return sum(1 for name, _ in self.calls if name == method)

    def _fault(self, method: str, args: dict[str, Any]) -> Any:
        for fault in list(self.faults):
            outcome = fault(method, args)
            if outcome is not None:
                return outcome
        return None

    def _now_ts(self) -> str:
        with self.lock:
            self._ts += 1
            base = (self.clock.now() if self.clock else datetime.now(UTC)).timestamp()
            return f"{int(base)}.{self._ts:06d}"

    # -- the WebClient surface the engine uses ------------------------------------------------
    def chat_postMessage(self, **args: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(("chat.postMessage", args))
        if self.latency:
            time.sleep(self.latency)
        outcome = self._fault("chat.postMessage", args)
        after = None
        if isinstance(outcome, tuple) and outcome[0] == "after":
            after = outcome[1]
        elif isinstance(outcome, BaseException):
            raise outcome
        channel = args["channel"]
        if channel in self.gone_channels:
            raise api_error(self.gone_channels[channel])
        if self.on_post is not None:
            self.on_post(args)
        conv = self.dm_channel(channel) if channel[:1] in "UW" else channel
        posted = Posted(conv, self._now_ts(), args["text"], args.get("metadata"), time.monotonic())
        with self.lock:
            self.messages.setdefault(conv, []).append(posted)
        if after is not None:
            raise after
        return {"ok": True, "channel": conv, "ts": posted.ts}

    def conversations_open(self, **args: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(("conversations.open", args))
        outcome = self._fault("conversations.open", args)
        if isinstance(outcome, BaseException):
            raise outcome
        return {"ok": True, "channel": {"id": self.dm_channel(args["users"])}}

    def conversations_history(self, **args: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(("conversations.history", args))
        outcome = self._fault("conversations.history", args)
        if isinstance(outcome, BaseException):
            raise outcome
        oldest = float(args.get("oldest") or 0)
        with_meta = bool(args.get("include_all_metadata"))
        found = []
        for m in reversed(self.posts(args["channel"])):
            if float(m.ts.split(".")[0]) >= int(oldest):
                entry: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text}
                if with_meta and m.metadata:
                    entry["metadata"] = m.metadata
                found.append(entry)
        return {"ok": True, "messages": found, "has_more": False}


def every_nth(n: int, make: Callable[[], Any], method: str = "chat.postMessage") -> Fault:
    """A fault that strikes every n-th call of `method` (deterministic storms)."""
    counter = {"n": 0}
    lock = threading.Lock()

    def fault(name: str, args: dict[str, Any]) -> Any:
        if name != method:
            return None
        with lock:
            counter["n"] += 1
            hit = counter["n"] % n == 0
        return make() if hit else None

    return fault


def once(make: Callable[[], Any], method: str = "chat.postMessage") -> Fault:
    fired = {"done": False}

    def fault(name: str, args: dict[str, Any]) -> Any:
        if name != method or fired["done"]:
            return None
        fired["done"] = True
        return make()

    return fault


def echo_composer(schedule: Schedule, occ: Occurrence) -> OutgoingMessage:
    """Posts to the schedule's target; text names the kind and local week."""
    return {
        "channel": schedule.target,
        "text": f"{schedule.kind} for {period_key(occ.local_date)}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": schedule.kind}}],
    }


def fake_sleep(clock: FakeClock) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return sleep


def make_store(tmp_path: Path) -> Store:
    return open_test_store(tmp_path)


def make_engine(store: Store, slack: FakeSlack, clock: FakeClock, **kwargs: Any) -> DeliveryEngine:
    composers = kwargs.pop(
        "composers", {k: echo_composer for k in ("checkin", "tip", "focus", "nudge")}
    )
    kwargs.setdefault("sleep", fake_sleep(clock))
    return DeliveryEngine(store, lambda team_id: slack, clock, composers, **kwargs)  # type: ignore[arg-type,return-value]


def shared(engine: DeliveryEngine) -> bool:
    """True when the engine is one of several replicas on one PostgreSQL database."""
    return bool(getattr(getattr(engine, "replicas", None), "shared", False))


def dies(engine: DeliveryEngine) -> None:
    """What SIGKILL does to the engine's process. On PostgreSQL its session ends, and with it
    the workspace locks it held (its row in `replicas` stays until the lease runs out); an
    engine that "crashed" in a test is still in memory, so its lock session is ended here.
    On SQLite nothing is held: the next process reconciles at start-up."""
    replicas = getattr(engine, "replicas", None)
    locks = getattr(replicas, "_locks", None)
    if locks is not None:
        locks.close()


def recover(engine: DeliveryEngine) -> int:
    """What a restarted process does about the claims a dead one left; returns how many it
    settled. SQLite: `recover()` at start-up. PostgreSQL: the first tick takes over the
    claims of a replica gone for its lease (the restarts in the tests come minutes later)."""
    if shared(engine):
        return engine.tick().reconciled
    return engine.recover()
