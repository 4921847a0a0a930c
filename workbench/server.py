"""The workbench's own small web server: the page (static HTML/CSS/JS, no build step, no
CDN) and a JSON API, on 127.0.0.1 only.

    GET  /                   the page
    GET  /static/<file>      its CSS and JS
    GET  /api/meta           team, users, channels, the app's commands and shortcuts
    GET  /api/state?user=U…&where=C…|dm|home&log=N
                             what that user sees there, open modal, clock, inspector log
    POST /api/act            {"type": "send"|"click"|"submit"|"close"|"home"|"shortcut", …}
    POST /api/clock          {"action": "next"} or {"action": "advance", "seconds": N}
    POST /api/start-over     {"confirm": true}: empty conversations, database and clock
    GET  /healthz, /metrics  the app's health check and metrics, as in every other mode

Requests must name this server in their Host header (no DNS rebinding) and POSTs must be
JSON (a page on another site cannot send one without a CORS preflight, which is refused).
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from workbench.core import BadRequest, Workbench

log = logging.getLogger("pendulum.workbench")

STATIC = Path(__file__).resolve().parent / "static"
HOST = "127.0.0.1"
MAX_BODY = 1024 * 1024
OPS_PATHS = frozenset({"/healthz", "/metrics"})
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*\.(css|js|html|svg)$")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Handler(BaseHTTPRequestHandler):
    server: WorkbenchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    # -- plumbing ----------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except ConnectionError:  # the tab went away before the answer: nothing to tell
            self.close_connection = True

    def _json(self, status: int, doc: Any) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"ok": False, "error": message})

    def _host_ok(self) -> bool:
        port = self.server.server_address[1]
        host = (self.headers.get("Host") or "").lower()
        return host in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _body(self) -> dict[str, Any]:
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            raise BadRequest("send JSON (Content-Type: application/json)")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise BadRequest("request too large")
        try:
            doc = json.loads(self.rfile.read(length) or b"{}")
        except ValueError as exc:
            raise BadRequest("the body is not JSON") from exc
        if not isinstance(doc, dict):
            raise BadRequest("the body must be a JSON object")
        return doc

    # -- routes ------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if not self._host_ok():
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        bench = self.server.workbench
        try:
            if url.path in ("/", "/index.html"):
                self._static("index.html")
            elif url.path.startswith("/static/"):
                self._static(url.path.removeprefix("/static/"))
            elif url.path == "/api/meta":
                self._json(HTTPStatus.OK, bench.meta())
            elif url.path == "/api/file":
                self._file(query.get("id", ""))
            elif url.path in OPS_PATHS:
                self._ops(url.path)
            elif url.path == "/api/state":
                log_after = int(query.get("log", "0") or 0)
                self._json(
                    HTTPStatus.OK, bench.state(query.get("user"), query.get("where"), log_after)
                )
            else:
                self._error(HTTPStatus.NOT_FOUND, "not found")
        except (BadRequest, ValueError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if not self._host_ok():
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
            return
        bench = self.server.workbench
        path = urlsplit(self.path).path
        try:
            if path == "/api/act":
                self._json(HTTPStatus.OK, bench.act(self._body()))
            elif path == "/api/clock":
                self._json(HTTPStatus.OK, bench.move_clock(self._body()))
            elif path == "/api/start-over":
                self._json(HTTPStatus.OK, bench.start_over(self._body()))
            else:
                self._error(HTTPStatus.NOT_FOUND, "not found")
        except BadRequest as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except Exception as exc:  # keep serving; the terminal gets the traceback
            log.exception("workbench: %s failed", path)
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(exc).__name__}: {exc}")

    def _file(self, file_id: str) -> None:
        """An image the app uploaded (an App Home chart): what Slack shows for `slack_file`."""
        data = self.server.workbench.emu.uploaded(file_id)
        if data is None or not data.startswith(b"\x89PNG"):
            self._error(HTTPStatus.NOT_FOUND, "no such image")
            return
        self._send(HTTPStatus.OK, data, "image/png")

    def _ops(self, path: str) -> None:
        """/healthz and /metrics, answered by the same WSGI app as in Socket Mode and HTTP."""
        ops = self.server.ops
        if ops is None:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "the workbench is still starting")
            return
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), dict(headers)
            return lambda _data: None

        environ = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_LENGTH": "0",
            "SERVER_NAME": HOST,
            "SERVER_PORT": str(self.server.port),
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
        }
        body = b"".join(ops(environ, start_response))
        self._send(answer["status"], body, answer["headers"].get("Content-Type", "text/plain"))

    def _static(self, name: str) -> None:
        path = STATIC / name
        if not _STATIC_NAME.match(name) or not path.is_file():
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        self._send(HTTPStatus.OK, path.read_bytes(), CONTENT_TYPES[path.suffix])


class WorkbenchServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int) -> None:
        super().__init__((HOST, port), Handler)
        self._workbench: Workbench | None = None
        self.ops: Callable[..., Iterable[bytes]] | None = None  # the app's /healthz, /metrics
        self._thread: threading.Thread | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser tab closing its keep-alive connection is normal, not an error."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        log.exception("workbench: request from %s failed", client_address[0])

    @property
    def workbench(self) -> Workbench:
        if self._workbench is None:
            raise BadRequest("the workbench is still starting")
        return self._workbench

    @workbench.setter
    def workbench(self, value: Workbench) -> None:
        self._workbench = value

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> WorkbenchServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name="workbench-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()
