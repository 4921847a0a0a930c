"""One log line and one set of metrics per Slack request, in HTTP and Socket Mode alike.

`ObservedApp.dispatch` wraps Bolt's dispatch, which both modes go through: it learns what the
request was (kind, workspace, subcommand) from the parsed body and how long it took. In HTTP
mode the WSGI layer (bot/slack/http_server.py) owns the line instead, because it also sees requests
Bolt rejects (bad signature) and the full time to the response; the two meet through a
context variable holding the current `RequestInfo`.

Logged: method, path, kind, request id, workspace, status, latency, Slack's retry number.
Never logged: bodies, query strings (an OAuth redirect carries a code), headers.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.ops.metrics import Metrics
from bot.router import Router, split_command

log = logging.getLogger("pendulum.requests")

EVENTS_PATH = "/slack/events"

INTERACTIVE_KINDS = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
    }
)


@dataclass
class RequestInfo:
    request_id: str
    started: float
    method: str = ""
    path: str = ""
    kind: str = "unknown"
    detail: str = ""  # the event type, callback id or subcommand: for the log line only
    team_id: str = ""
    subcommand: str | None = None
    retry_num: str | None = None
    status: int = 0

    def latency_ms(self, now: float | None = None) -> float:
        return round(((now or time.perf_counter()) - self.started) * 1000, 1)


CURRENT: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "pendulum_request", default=None
)


_UNSAFE = re.compile(r"[^A-Za-z0-9_./:@-]")


def clean(text: str, limit: int = 64) -> str:
    """Request-supplied text made safe for a log line (no spaces, newlines or escapes)."""
    return _UNSAFE.sub("?", text[:limit])


def request_id_from_headers(headers: Mapping[str, str]) -> str:
    """Slack's timestamp plus a short digest of its signature (unique per request, and the
    same value an operator can compute from a captured request); else a random id."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if timestamp.isdigit() and len(timestamp) < 12 and signature:
        return f"{timestamp}-{hashlib.sha256(signature.encode()).hexdigest()[:10]}"
    return uuid.uuid4().hex[:16]


def classify(body: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, detail) of a parsed Slack payload. `kind` is a small fixed set (a metric label);
    `detail` is for the log line."""
    if body.get("command"):
        return "command", str(body.get("command"))
    kind = str(body.get("type") or "")
    if kind == "event_callback":
        event = body.get("event") or {}
        return "event", str(event.get("type", "")) if isinstance(event, Mapping) else ""
    if kind in ("url_verification", "ssl_check", "app_rate_limited"):
        return kind, ""
    if kind in INTERACTIVE_KINDS:
        view = body.get("view") if isinstance(body.get("view"), Mapping) else {}
        callback = body.get("callback_id") or (view or {}).get("callback_id") or ""
        if kind == "block_actions":
            actions = body.get("actions") or [{}]
            first = actions[0] if isinstance(actions, list) and actions else {}
            callback = first.get("action_id", "") if isinstance(first, Mapping) else ""
        return kind, str(callback)
    return "other", kind


def team_of(body: Mapping[str, Any]) -> str:
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    return str(body.get("team_id") or "")


def subcommand_of(router: Router, text: str) -> str:
    """The subcommand's canonical name; `other` for topics and anything unknown (so the
    label set stays small and user text never reaches the metrics)."""
    word, _rest = split_command(text)
    sub = router.resolve_command(word or "help")
    return sub.name if sub is not None else "other"


class RequestObserver:
    def __init__(self, metrics: Metrics, router: Router | None = None) -> None:
        self.metrics = metrics
        self.router = router

    def describe(self, info: RequestInfo, req: BoltRequest) -> None:
        body = req.body or {}
        kind, detail = classify(body)
        info.kind, info.detail = kind, clean(detail)
        info.team_id = clean(str(req.context.team_id or team_of(body) or ""))
        if info.kind == "command" and self.router is not None:
            info.subcommand = subcommand_of(self.router, str(body.get("text") or ""))
        retry = req.headers.get("x-slack-retry-num") if req.headers else None
        if retry:
            info.retry_num = clean(str(retry[0] if isinstance(retry, list | tuple) else retry), 4)

    def around(
        self, req: BoltRequest, dispatch: Callable[[BoltRequest], BoltResponse]
    ) -> BoltResponse:
        outer = CURRENT.get()
        info = outer or RequestInfo(
            request_id=clean(str((req.body or {}).get("event_id") or uuid.uuid4().hex[:16])),
            started=time.perf_counter(),
            method="SOCKET",
            path=req.mode,
        )
        try:
            self.describe(info, req)
        except Exception as exc:  # never let bookkeeping break a request
            log.debug("could not describe a request: %s", exc)
        response = dispatch(req)
        if outer is None:  # Socket Mode: nobody else will log this request
            info.status = response.status
            self.finish(info)
        return response

    def finish(self, info: RequestInfo) -> None:
        """Log the line and record the metrics of a finished request."""
        latency_ms = info.latency_ms(time.perf_counter())
        if info.status in (401, 403):  # refused signature: nothing in the body is trusted
            info.kind, info.detail, info.subcommand, info.team_id = "unverified", "", None, ""
        if info.method == "SOCKET" or info.path == EVENTS_PATH:
            self.metrics.observe_request(
                info.kind, info.status, latency_ms / 1000, subcommand=info.subcommand
            )
        log_line(info, latency_ms)


def log_line(info: RequestInfo, latency_ms: float) -> None:
    what = info.kind + (f":{info.detail}" if info.detail else "")
    if info.subcommand:
        what += f" {info.subcommand}"
    parts = [
        f"{info.method} {info.path}",
        what,
        f"id={info.request_id}",
    ]
    if info.team_id:
        parts.append(f"team={info.team_id}")
    if info.retry_num:
        parts.append(f"retry={info.retry_num}")
    parts.append(f"status={info.status}")
    parts.append(f"{latency_ms:.1f}ms")
    level = logging.WARNING if info.status >= 500 else logging.INFO
    log.log(
        level,
        " ".join(parts),
        extra={
            "request_id": info.request_id,
            "latency_ms": latency_ms,
            "kind": info.kind,
            "status": info.status,
            "team_id": info.team_id or None,
            "method": info.method,
            "path": info.path,
            "retry_num": info.retry_num,
        },
    )


Dispatch = Callable[[BoltRequest], BoltResponse]
Guard = Callable[[BoltRequest, Dispatch], BoltResponse]


class ObservedApp(App):
    """Bolt's App, with every dispatch observed (see the module docstring). `guards` wrap
    Bolt's dispatch inside the observer, outermost first (bot/app.py sets them)."""

    observer: RequestObserver | None = None
    guards: tuple[Guard, ...] = ()

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        handle: Dispatch = super().dispatch
        for guard in reversed(self.guards):
            handle = partial(_guarded, guard, handle)
        if self.observer is None:
            return handle(req)
        return self.observer.around(req, handle)


def _guarded(guard: Guard, inner: Dispatch, req: BoltRequest) -> BoltResponse:
    return guard(req, inner)
