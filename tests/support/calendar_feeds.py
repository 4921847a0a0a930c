"""A local calendar feed server for tests: fixtures from tests/data/calendars over plain http.

Routes:
- /feeds/<name>        a fixture file, with an ETag and Last-Modified; answers 304 to a
                       matching If-None-Match or If-Modified-Since
- /big                 a 10 MB "calendar" with no Content-Length (the cap must hold while reading)
- /big-declared        the same, declaring its Content-Length up front
- /redirect?to=<url>   302 to any address (the fetcher must check the new hop)
- /status/<code>       an empty answer with that status
- /stall               headers, then nothing until the server stops
Every request is recorded in `requests` (path and headers) so tests can see what was asked.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "calendars"
LAST_MODIFIED = "Mon, 02 Mar 2026 08:00:00 GMT"
BIG_BYTES = 10 * 1024 * 1024


def fixture(name: str) -> bytes:
    """A fixture as a feed serves it: iCalendar lines end in CRLF (RFC 5545)."""
    text = (FIXTURES / name).read_bytes()
    if name.endswith(".ics"):
        text = text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return text


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]


@dataclass
class FeedServer:
    base_url: str
    requests: list[Recorded] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return self.base_url + path


def _big_body() -> Iterator[bytes]:
    yield b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Pendulum tests//big//EN\r\n"
    line = b"X-PADDING:" + b"x" * 1000 + b"\r\n"
    sent = 0
    while sent < BIG_BYTES:
        yield line * 64
        sent += len(line) * 64
    yield b"END:VCALENDAR\r\n"


def _handler(server_state: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            return

        def do_GET(self) -> None:
            server_state.requests.append(Recorded(self.path, dict(self.headers.items())))
            parts = urlsplit(self.path)
            if parts.path.startswith("/feeds/"):
                self._feed(parts.path.removeprefix("/feeds/"))
            elif parts.path == "/big":
                self._stream(declare=False)
            elif parts.path == "/big-declared":
                self._stream(declare=True)
            elif parts.path == "/redirect":
                target = parse_qs(parts.query)["to"][0]
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts.path.startswith("/status/"):
                self.send_response(int(parts.path.removeprefix("/status/")))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts.path == "/stall":
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.write(b"BEGIN:VCALENDAR\r\n")
                self.wfile.flush()
                server_state.stop.wait(30)
            else:
                self.send_error(404)

        def _feed(self, name: str) -> None:
            path = FIXTURES / name
            if "/" in name or not path.is_file():
                self.send_error(404)
                return
            body = fixture(name)
            tag = etag_of(body)
            if (
                self.headers.get("If-None-Match") == tag
                or self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
                return
            kind = "text/html; charset=utf-8" if name.endswith(".html") else "text/calendar"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", tag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, *, declare: bool) -> None:
            chunks = list(_big_body())
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            if declare:
                self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            try:
                for chunk in chunks:
                    self.wfile.write(chunk)
            except OSError:
                pass  # the fetcher hung up once it had enough: that is the point
            self.close_connection = True

    return Handler


@contextmanager
def feed_server(tls: ssl.SSLContext | None = None) -> Iterator[FeedServer]:
    """Serve the fixtures on 127.0.0.1 (an ephemeral port) for the length of the block; over
    TLS when given a server context (see `self_signed`)."""
    state = FeedServer(base_url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    scheme = "http"
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    state.base_url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, name="feed-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def self_signed(host: str, directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for `host`: (server context, client context that trusts only it)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    start = datetime(2020, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * 50))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "feed.crt", directory / "feed.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client
