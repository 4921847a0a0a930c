"""Download one calendar feed, safely.

The address comes from a user, so fetching it must not become a way into the operator's
network (SSRF). Every hop of a redirect chain is checked the same way: the scheme, then every
address the host resolves to; the connection then goes to the very address that was checked
(TLS still verifies the certificate against the host name), so a DNS answer that changes
between the check and the connect cannot swap in a private address.

With a real Slack only `https` and public addresses are allowed. Against a local emulator
(tests, the offline workbench) plain `http` and loopback/private addresses are allowed too, so
fixtures can be served locally; link-local addresses (the cloud metadata service) never are.

The feed address is a secret (anyone holding it reads the calendar): it is never logged, and
`redact_feed_url` is the only form fit for display.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

log = logging.getLogger("pendulum.calendar")

FailReason = Literal[
    "not_allowed", "unreachable", "too_big", "timeout", "not_calendar", "http_error"
]
Resolver = Callable[[str, int], list[str]]

_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Metadata services reachable at addresses that are not link-local (AWS IPv6, Alibaba Cloud).
_METADATA = frozenset(
    {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
)
_USER_AGENT = "Pendulum calendar reader (read-only iCalendar feed)"


@dataclass(frozen=True)
class FetchPolicy:
    allow_local: bool  # True only when the app talks to a local emulator
    max_bytes: int = 5 * 1024 * 1024
    timeout_s: float = 10.0  # for the whole fetch, redirects included
    max_redirects: int = 5
    tls_context: ssl.SSLContext | None = None  # None: the system's default verification


@dataclass(frozen=True)
class Fetched:
    body: bytes
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class NotModified:
    """The feed answered 304 to a conditional request: keep the figures already derived."""


@dataclass(frozen=True)
class FetchFailed:
    reason: FailReason
    detail: str = ""  # for operators; never holds the address


FetchOutcome = Fetched | NotModified | FetchFailed


class _Refused(Exception):
    def __init__(self, reason: FailReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def redact_feed_url(url: str) -> str:
    """What may be shown of a feed address: its scheme and host, never the secret path."""
    try:
        parts = urlsplit(normalize_feed_url(url))
        host = parts.hostname
    except ValueError:
        return "…"
    if not host or parts.scheme not in ("http", "https"):
        return "…"
    return f"{parts.scheme}://{host}/…"


def normalize_feed_url(url: str) -> str:
    """`webcal://` (and `webcals://`) is how calendar apps spell an https feed."""
    url = url.strip()
    lowered = url.lower()
    for prefix in ("webcals://", "webcal://"):
        if lowered.startswith(prefix):
            return "https://" + url[len(prefix) :]
    return url


def address_allowed(address: str, *, allow_local: bool) -> bool:
    """May a feed be fetched from this IP address?"""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return False
    if allow_local:
        return ip.is_loopback or ip.is_private or ip.is_global
    return ip.is_global


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def fetch_feed(
    url: str,
    policy: FetchPolicy,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    resolver: Resolver = system_resolver,
) -> FetchOutcome:
    """Fetch a feed once. Never raises for anything the network or the server does."""
    deadline = time.monotonic() + policy.timeout_s
    try:
        outcome = _fetch(normalize_feed_url(url), policy, etag, last_modified, resolver, deadline)
    except _Refused as refused:
        outcome = FetchFailed(refused.reason, refused.detail)
    except TimeoutError:
        outcome = FetchFailed("timeout", "the feed did not answer in time")
    except ssl.SSLError as exc:
        outcome = FetchFailed("unreachable", f"TLS: {type(exc).__name__}")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        outcome = FetchFailed("unreachable", type(exc).__name__)
    if isinstance(outcome, FetchFailed):
        log.info("calendar feed fetch failed: %s (%s)", outcome.reason, outcome.detail)
    return outcome


def _fetch(
    url: str,
    policy: FetchPolicy,
    etag: str | None,
    last_modified: str | None,
    resolver: Resolver,
    deadline: float,
) -> FetchOutcome:
    parts = urlsplit(url)
    auth = _basic_auth(parts)
    origin = (parts.scheme, parts.hostname, _port(parts))
    for _hop in range(policy.max_redirects + 1):
        conn = _open(parts, policy, resolver, deadline)
        try:
            headers = {"User-Agent": _USER_AGENT, "Accept": "text/calendar, */*;q=0.1"}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            if auth and (parts.scheme, parts.hostname, _port(parts)) == origin:
                headers["Authorization"] = auth  # never sent on to another host
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            conn.request("GET", path, headers=headers)
            if conn.sock is not None:
                conn.sock.settimeout(_remaining(deadline))
            response = conn.getresponse()
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise _Refused("http_error", f"HTTP {response.status} without a Location")
                parts = urlsplit(normalize_feed_url(urljoin(parts.geturl(), location)))
                continue
            if response.status == 304:
                return NotModified()
            if response.status != 200:
                raise _Refused("http_error", f"HTTP {response.status}")
            body = _read_capped(response, conn, policy.max_bytes, deadline)
            _check_calendar(response.getheader("Content-Type"), body)
            return Fetched(
                body=body,
                etag=response.getheader("ETag"),
                last_modified=response.getheader("Last-Modified"),
            )
        finally:
            conn.close()
    raise _Refused("http_error", "too many redirects")


def _port(parts: SplitResult) -> int:
    try:
        explicit = parts.port
    except ValueError:
        raise _Refused("not_allowed", "not a valid port") from None
    return explicit or (443 if parts.scheme.lower() == "https" else 80)


def _basic_auth(parts: SplitResult) -> str | None:
    """Some servers (Nextcloud, Radicale) publish feeds behind a user:password in the URL."""
    if parts.username is None:
        return None
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def _open(
    parts: SplitResult, policy: FetchPolicy, resolver: Resolver, deadline: float
) -> http.client.HTTPConnection:
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and policy.allow_local):
        raise _Refused("not_allowed", f"scheme {scheme or 'missing'}")
    host = parts.hostname
    if not host:
        raise _Refused("not_allowed", "no host")
    port = _port(parts)
    addresses = _resolve(resolver, host, port, deadline)
    if not addresses:
        raise _Refused("unreachable", "the host has no address")
    # Every address must pass, not just one: a host that also resolves to a private address
    # is refused rather than gambling on which one a retry would pick.
    if not all(address_allowed(a, allow_local=policy.allow_local) for a in addresses):
        raise _Refused("not_allowed", "the host resolves to a non-public address")
    timeout = _remaining(deadline)
    if scheme == "https":
        context = policy.tls_context or ssl.create_default_context()
        return _PinnedHTTPSConnection(host, addresses[0], port, timeout, context)
    return _PinnedHTTPConnection(host, addresses[0], port, timeout)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address chosen (and checked) beforehand."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a pre-checked address; the certificate is still verified against the host."""

    def __init__(
        self, host: str, address: str, port: int, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _resolve(resolver: Resolver, host: str, port: int, deadline: float) -> list[str]:
    """Resolve within the fetch's deadline: getaddrinfo itself has no timeout."""
    answer: list[list[str]] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(resolver(host, port))
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    worker = threading.Thread(target=run, name="calendar-dns", daemon=True)
    worker.start()
    worker.join(_remaining(deadline))
    if failure:
        raise failure[0]
    if not answer:
        raise TimeoutError
    return answer[0]


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _read_capped(
    response: http.client.HTTPResponse,
    conn: http.client.HTTPConnection,
    max_bytes: int,
    deadline: float,
) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _Refused("too_big", f"declared {declared} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        if conn.sock is not None:
            conn.sock.settimeout(_remaining(deadline))
        chunk = response.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _Refused("too_big", f"more than {max_bytes} bytes")
        chunks.append(chunk)


def _check_calendar(content_type: str | None, body: bytes) -> None:
    """Servers label feeds loosely (text/plain, octet-stream), so the body decides; the type
    only makes the reason clearer (a sign-in page instead of the feed is the usual case)."""
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    if head.startswith(b"BEGIN:VCALENDAR"):
        return
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    raise _Refused("not_calendar", "an HTML page" if kind == "text/html" else "no BEGIN:VCALENDAR")
