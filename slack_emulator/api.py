"""Web API dispatch: faults, auth, rate limits, scopes, then the method's handler.

Handlers register themselves with `@method(...)` and return the success body; they raise
`ApiError` for Slack's error answers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_emulator.auth import TokenKind
from slack_emulator.core import Core
from slack_emulator.errors import ApiError
from slack_emulator.params import Params

log = logging.getLogger("slack_emulator")
JSON = dict[str, Any]
Handler = Callable[[Core, Params], JSON]


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    token: TokenKind
    scope: str | None


REGISTRY: dict[str, Method] = {}


def method(
    name: str, *, token: TokenKind = "bot", scope: str | None = None
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Method(name, handler, token, scope)
        return handler

    return register


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return json.dumps(self.body).encode()


def dispatch(core: Core, name: str, raw: JSON, token: str | None) -> HttpAnswer:
    """Answer one Web API call exactly as Slack would, and record it."""
    try:
        answer = _answer(core, name, raw, token)
    except Exception as e:  # an emulator bug or an argument shape it did not expect
        log.exception("emulator failed on %s", name)
        core.recorder.problem(name, f"emulator could not handle the call: {e!r}")
        answer = HttpAnswer(500, {"ok": False, "error": "internal_error"})
    core.recorder.call(name, _redacted(raw), answer.status, answer.body)
    return answer


def _answer(core: Core, name: str, raw: JSON, token: str | None) -> HttpAnswer:
    found = REGISTRY.get(name)
    if found is None:
        core.recorder.problem(
            name, "unknown_method (the emulator does not implement it, or Slack has no such method)"
        )
        return HttpAnswer(200, {"ok": False, "error": "unknown_method"})
    fault = core.faults.draw(name)
    if fault is not None and fault[0] == "429":
        return _rate_limited(fault[1])
    if fault is not None and fault[0] == "503":
        return HttpAnswer(503, {"ok": False, "error": "service_unavailable"})
    params = Params(raw)
    try:
        core.auth.check(token, found.token)
        retry_after = core.limits.check(name, _rate_key(core, params.opt_text("channel")))
        if retry_after is not None:
            return _rate_limited(retry_after)
        core.auth.need_scope(found.scope)
        body = {"ok": True, **found.handler(core, params)}
    except ApiError as e:
        if e.problem:
            core.recorder.problem(name, e.problem)
        body = {"ok": False, "error": e.code, **e.extra}
    if fault is not None and fault[0] == "lost":
        return HttpAnswer(503, {"ok": False, "error": "service_unavailable"})
    return HttpAnswer(200, body)


def _rate_key(core: Core, channel: str | None) -> str | None:
    """A user id and their DM id share one per-channel budget."""
    directory = core.workspace.directory
    if channel and channel in directory.users and directory.has_im(channel):
        return directory.im_for(channel)
    return channel


def _rate_limited(retry_after: int) -> HttpAnswer:
    return HttpAnswer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})


def _redacted(raw: JSON) -> JSON:
    return {k: ("(redacted)" if k in ("token", "client_secret") else v) for k, v in raw.items()}
