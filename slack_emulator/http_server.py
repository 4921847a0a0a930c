"""The emulator's HTTP front door: `/api/<method>`, `/response/<token>`, `/upload/<file_id>`."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Importing the handler modules registers their methods.
from slack_emulator import (
    methods_apps,
    methods_chat,
    methods_directory,
    methods_views,
    response_posts,
)
from slack_emulator.api import HttpAnswer, dispatch
from slack_emulator.core import Core
from slack_emulator.errors import ApiError
from slack_emulator.params import parse_body

_REGISTERED = (methods_apps, methods_chat, methods_directory, methods_views)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 resets connections when an app sends with many
    # threads at once; Slack never does that, so it must not look like a network fault here.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], core: Core) -> None:
        super().__init__(address, _Handler)
        self.core = core


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the recorder keeps the log that matters."""

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        core = self.server.core
        if url.path.startswith("/api/"):
            self._send(self._api(core, url.path.removeprefix("/api/"), url.query, body))
        elif url.path.startswith("/response/"):
            token = url.path.removeprefix("/response/")
            status, answer = response_posts.post(core, core.base_url + url.path, token, body)
            self._send(HttpAnswer(status, answer))
        elif url.path.startswith("/upload/"):
            self._send_text(*self._upload(core, url.path.removeprefix("/upload/"), body))
        else:
            self._send(HttpAnswer(404, {"ok": False, "error": "not_found"}))

    def _api(self, core: Core, name: str, query: str, body: bytes) -> HttpAnswer:
        try:
            raw = parse_body(self.headers.get("Content-Type", ""), body, query)
        except ApiError as e:
            core.recorder.problem(name, e.problem or e.code)
            return HttpAnswer(200, {"ok": False, "error": e.code})
        token = raw.pop("token", None)
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
        elif authorization.startswith("Basic "):
            pair = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            raw["client_id"], _, raw["client_secret"] = pair.partition(":")
        return dispatch(core, name, raw, token)

    def _upload(self, core: Core, file_id: str, body: bytes) -> tuple[int, str]:
        with core.uploads.lock:
            if file_id not in core.uploads.pending:
                return 404, "not found"
            core.uploads.data[file_id] = body
        return 200, f"OK - {len(body)}"

    def _send(self, answer: HttpAnswer) -> None:
        payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_text(self, status: int, text: str) -> None:
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class HttpServer:
    """Serves the Web API on 127.0.0.1 in a background thread."""

    def __init__(self, core: Core, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), core)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="emulator-http",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
