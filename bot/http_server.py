"""HTTP mode: Slack's signed requests at /slack/events, plus health, served by waitress
(a production WSGI server; Bolt's built-in server is for development only)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]


class PendulumWsgi:
    def __init__(self, app: App, health: HealthCheck, path: str = "/slack/events") -> None:
        self.slack = SlackRequestHandler(app, path=path)
        self.path = path
        self.health = health

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        route = environ.get("PATH_INFO", "")
        if route == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            ok, detail = self.health()
            body = json.dumps({"ok": ok, **detail}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        if route == self.path:
            result: Iterable[bytes] = self.slack(environ, start_response)
            return result
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
