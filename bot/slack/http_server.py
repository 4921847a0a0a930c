"""The HTTP side of Pendulum, served by waitress (a production WSGI server; Bolt's built-in
server is for development only).

Routes:

- `POST /slack/events`: every signed Slack request (commands, interactivity, Events API).
- `GET /slack/install`, `GET /slack/oauth_redirect`: the OAuth install (mode "oauth").
- `GET /healthz`: 200 or 503 with JSON detail (bot/ops/health.py).
- `GET /metrics`: Prometheus text (bot/ops/metrics.py).

In Socket Mode the same server runs with only `/healthz` and `/metrics`, so the container's
health check and the scrape work in both modes. Every request is logged on one line with a
request id and its latency (bot/slack/requestlog.py); health checks and scrapes at DEBUG level.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.ops.metrics import CONTENT_TYPE, Metrics
from bot.slack.http_guard import CheckedSlackHandler
from bot.slack.requestlog import (
    CURRENT,
    EVENTS_PATH,
    RequestInfo,
    RequestObserver,
    clean,
    request_id_from_headers,
)

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger("pendulum.http")

HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]
QUIET_PATHS = frozenset({"/healthz", "/metrics"})
MAX_BODY_BYTES = 5 * 1024 * 1024  # Slack's payloads are far smaller


class PendulumWsgi:
    def __init__(
        self,
        app: App | None,
        health: HealthCheck,
        metrics: Metrics | None = None,
        *,
        path: str = EVENTS_PATH,
        signing_secret: str | None = None,
    ) -> None:
        self.app = app
        # signature first, then a strict parse, then Bolt (bot/slack/http_guard.py says why)
        self.slack: CheckedSlackHandler | None = None
        if app is not None:
            if not signing_secret:
                raise ValueError("serving Slack's requests over HTTP needs the signing secret")
            self.slack = CheckedSlackHandler(app, path, signing_secret)
        self.path = path
        self.health = health
        self.metrics = metrics or Metrics()
        self.observer = RequestObserver(self.metrics)
        oauth = app.oauth_flow if app is not None else None
        self.oauth_paths = (
            frozenset({oauth.install_path, oauth.redirect_uri_path}) if oauth else frozenset()
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = clean(str(environ.get("PATH_INFO", "") or "/"), 200)
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        info = RequestInfo(
            request_id=request_id_from_headers(headers),
            started=time.perf_counter(),
            method=str(environ.get("REQUEST_METHOD", "")),
            path=path,
            retry_num=clean(headers["x-slack-retry-num"], 4)
            if "x-slack-retry-num" in headers
            else None,
        )
        if path in self.oauth_paths:
            info.kind = "oauth"

        def recording_start_response(
            status: str, response_headers: Any, exc_info: Any = None
        ) -> Any:
            try:
                info.status = int(status.split(" ", 1)[0])
            except ValueError:
                info.status = 0
            return start_response(status, response_headers, exc_info)

        token = CURRENT.set(info)
        try:
            body = list(self.route(path, info.method, environ, recording_start_response))
        except Exception:
            log.exception("request %s failed", info.request_id)
            info.status = 500
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/plain")],
                sys.exc_info(),
            )
            body = [b"internal error\n"]
        finally:
            CURRENT.reset(token)
        if path in QUIET_PATHS:
            log.debug("%s %s status=%s", info.method, path, info.status)
        else:
            self.observer.finish(info)
        return body

    def route(
        self, path: str, method: str, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok, detail = self.health()
            body = json.dumps({"ok": ok, **detail}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(
                status, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
            )
            return [body] if method == "GET" else []
        if path == "/metrics" and method == "GET":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE)])
            return [self.metrics.render().encode()]
        if self.slack is not None and (path == self.path or path in self.oauth_paths):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length > MAX_BODY_BYTES:
                start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
                return [b"payload too large\n"]
            return self.slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]


class HttpServer:
    """waitress in a background thread, stopped with `close()`."""

    def __init__(self, wsgi: PendulumWsgi, host: str, port: int, threads: int = 8) -> None:
        from waitress.server import create_server

        self.server = create_server(
            wsgi,
            host=host,
            port=port,
            threads=threads,
            ident="pendulum",
            max_request_body_size=MAX_BODY_BYTES,
            channel_timeout=60,
            clear_untrusted_proxy_headers=True,
        )
        self.thread = threading.Thread(target=self.server.run, name="http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> HttpServer:
        self.thread.start()
        return self

    def close(self) -> None:
        """Let the requests in flight finish (up to 5 s), then close the listening socket and
        every connection from inside waitress' own loop thread (closing them from this thread
        would pull file descriptors out from under its `select`), which ends the loop."""
        server = self.server
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)

        def close_everything() -> None:
            for channel in list(server._map.values()):
                with suppress(Exception):
                    channel.close()

        if self.thread.is_alive():
            server.trigger.pull_trigger(close_everything)
            self.thread.join(timeout=5)
        else:
            close_everything()
