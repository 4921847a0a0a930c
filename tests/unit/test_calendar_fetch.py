"""Fetching a calendar feed: SSRF guards on every hop, size cap, timeout, conditional requests."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from bot.calendar import fetch as fetch_module
from bot.calendar.fetch import (
    Fetched,
    FetchFailed,
    FetchPolicy,
    NotModified,
    address_allowed,
    fetch_feed,
    normalize_feed_url,
    redact_feed_url,
)
from tests.support.calendar_feeds import (
    LAST_MODIFIED,
    FeedServer,
    etag_of,
    feed_server,
    fixture,
    self_signed,
)

LOCAL = FetchPolicy(allow_local=True)
REAL = FetchPolicy(allow_local=False)


@pytest.fixture(scope="module")
def feeds() -> Iterator[FeedServer]:
    with feed_server() as server:
        yield server


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the fetcher opens a socket to."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "create_connection", recording)
    return opened


def only_localhost(host: str, port: int) -> list[str]:
    return ["127.0.0.1"] if host in ("127.0.0.1", "localhost") else []


def test_a_feed_is_fetched_with_its_validators(feeds: FeedServer) -> None:
    outcome = fetch_feed(feeds.url("/feeds/one_on_ones.ics"), LOCAL)

    assert isinstance(outcome, Fetched)
    assert outcome.body == fixture("one_on_ones.ics")
    assert outcome.etag == etag_of(fixture("one_on_ones.ics"))
    assert outcome.last_modified == LAST_MODIFIED


def test_a_conditional_request_gets_not_modified(feeds: FeedServer) -> None:
    url = feeds.url("/feeds/newyork_dst.ics")
    first = fetch_feed(url, LOCAL)
    assert isinstance(first, Fetched)

    by_etag = fetch_feed(url, LOCAL, etag=first.etag)
    by_date = fetch_feed(url, LOCAL, last_modified=first.last_modified)

    assert by_etag == NotModified()
    assert by_date == NotModified()
    asked = [r.headers for r in feeds.requests if r.path == "/feeds/newyork_dst.ics"][-2:]
    assert asked[0].get("If-None-Match") == first.etag
    assert asked[1].get("If-Modified-Since") == LAST_MODIFIED


def test_an_html_page_is_not_a_calendar(feeds: FeedServer) -> None:
    outcome = fetch_feed(feeds.url("/feeds/not_a_calendar.html"), LOCAL)

    assert isinstance(outcome, FetchFailed)
    assert outcome.reason == "not_calendar"


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_a_ten_megabyte_feed_is_too_big(feeds: FeedServer, path: str) -> None:
    outcome = fetch_feed(feeds.url(path), LOCAL)

    assert isinstance(outcome, FetchFailed)
    assert outcome.reason == "too_big"


@pytest.mark.parametrize("status", [401, 404, 500])
def test_an_error_status_is_an_http_error(feeds: FeedServer, status: int) -> None:
    outcome = fetch_feed(feeds.url(f"/status/{status}"), LOCAL)

    assert outcome == FetchFailed("http_error", f"HTTP {status}")


def test_a_feed_that_stalls_times_out(feeds: FeedServer) -> None:
    outcome = fetch_feed(feeds.url("/stall"), FetchPolicy(allow_local=True, timeout_s=0.5))

    assert isinstance(outcome, FetchFailed)
    assert outcome.reason == "timeout"


def test_a_closed_port_is_unreachable() -> None:
    with socket.socket() as probe:  # a port nobody listens on: bind, then close
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = fetch_feed(f"http://127.0.0.1:{port}/feed.ics", LOCAL)

    assert isinstance(outcome, FetchFailed)
    assert outcome.reason == "unreachable"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata: link-local
        "http://[fe80::1]/feed.ics",
        "http://[::ffff:169.254.169.254]/feed.ics",  # the same, IPv4-mapped
        "http://metadata.internal/feed.ics",  # a name that resolves to link-local
    ],
)
def test_a_redirect_to_link_local_is_refused_before_connecting(
    feeds: FeedServer, connections: list[tuple[str, int]], target: str
) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["169.254.169.254"] if host == "metadata.internal" else [host]

    url = feeds.url("/redirect?to=" + quote(target, safe=""))
    outcome = fetch_feed(url, LOCAL, resolver=resolver)

    assert isinstance(outcome, FetchFailed)
    assert outcome.reason == "not_allowed"
    port = int(feeds.base_url.rsplit(":", 1)[1])
    assert connections == [("127.0.0.1", port)]  # the feed server only, never the target


@pytest.mark.parametrize(
    "url",
    [
        "http://calendar.example/feed.ics",  # plain http
        "ftp://calendar.example/feed.ics",
        "https://127.0.0.1/feed.ics",
        "https://[::1]/feed.ics",
        "https://10.1.2.3/feed.ics",
        "https://192.168.1.10/feed.ics",
        "https://172.16.0.1/feed.ics",
        "https://100.64.0.1/feed.ics",  # carrier-grade NAT
        "https://169.254.169.254/feed.ics",
        "https://[fd00:ec2::254]/feed.ics",
        "https://224.0.0.1/feed.ics",
        "https://0.0.0.0/feed.ics",
        "https://[::ffff:10.0.0.1]/feed.ics",
        "https://intranet.example/feed.ics",  # resolves to a private address
        "https://mixed.example/feed.ics",  # one public, one private address
        "https://calendar.example:99999/feed.ics",  # no such port
    ],
)
def test_with_a_real_slack_only_public_https_is_fetched(
    connections: list[tuple[str, int]], url: str
) -> None:
    names = {"intranet.example": ["10.0.0.7"], "mixed.example": ["93.184.216.34", "10.0.0.7"]}

    def resolver(host: str, port: int) -> list[str]:
        return names.get(host, [host])

    outcome = fetch_feed(url, REAL, resolver=resolver)

    assert isinstance(outcome, FetchFailed)
    assert outcome.reason == "not_allowed"
    assert connections == []


def test_against_the_emulator_loopback_and_private_are_allowed_but_link_local_never() -> None:
    for address in ("127.0.0.1", "::1", "10.0.0.7", "192.168.1.10"):
        assert address_allowed(address, allow_local=True)
        assert not address_allowed(address, allow_local=False)
    for address in ("169.254.169.254", "fe80::1", "::ffff:169.254.169.254", "fd00:ec2::254"):
        assert not address_allowed(address, allow_local=True)
        assert not address_allowed(address, allow_local=False)
    assert address_allowed("93.184.216.34", allow_local=False)
    assert address_allowed("2606:2800:220:1:248:1893:25c8:1946", allow_local=False)


def test_too_many_redirects_is_an_http_error(feeds: FeedServer) -> None:
    inner = feeds.url("/redirect?to=" + quote(feeds.url("/feeds/one_on_ones.ics"), safe=""))
    outer = feeds.url("/redirect?to=" + quote(inner, safe=""))

    assert isinstance(fetch_feed(outer, FetchPolicy(allow_local=True)), Fetched)
    outcome = fetch_feed(outer, FetchPolicy(allow_local=True, max_redirects=1))

    assert outcome == FetchFailed("http_error", "too many redirects")


def test_credentials_in_the_address_go_to_its_own_host_only(feeds: FeedServer) -> None:
    port = feeds.base_url.rsplit(":", 1)[1]
    elsewhere = f"http://localhost:{port}/feeds/berlin_dst.ics"
    url = f"http://bob:s3cret@127.0.0.1:{port}/redirect?to=" + quote(elsewhere, safe="")

    outcome = fetch_feed(url, LOCAL, resolver=only_localhost)

    assert isinstance(outcome, Fetched)
    first, second = feeds.requests[-2:]
    assert first.headers.get("Authorization") == "Basic Ym9iOnMzY3JldA=="
    assert "Authorization" not in second.headers


def test_webcal_means_https() -> None:
    assert normalize_feed_url(" webcal://p01-caldav.icloud.com/published/2/abc ") == (
        "https://p01-caldav.icloud.com/published/2/abc"
    )
    assert normalize_feed_url("WEBCALS://x.example/a") == "https://x.example/a"


def test_the_address_is_shown_without_its_secret() -> None:
    secret = (
        "https://calendar.google.com/calendar/ical/bob%40example.com/private-0123abcd/basic.ics"
    )

    assert redact_feed_url(secret) == "https://calendar.google.com/…"
    assert redact_feed_url("webcal://user:pw@cal.example:8443/x") == "https://cal.example/…"
    assert redact_feed_url("not a url") == "…"


def test_the_address_is_never_logged(feeds: FeedServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for path in ("/feeds/not_a_calendar.html", "/status/404", "/big"):
        fetch_feed(feeds.url(path + "?token=private-0123abcd"), LOCAL)
    fetch_feed("https://10.0.0.1/private-0123abcd.ics", REAL)

    assert caplog.records  # failures are logged...
    assert "private-0123abcd" not in caplog.text  # ...without the address


def test_the_connection_goes_to_the_address_that_was_checked(
    feeds: FeedServer, connections: list[tuple[str, int]]
) -> None:
    """DNS is asked once per hop; the socket opens to that answer (no second lookup to swap)."""
    port = int(feeds.base_url.rsplit(":", 1)[1])
    answers: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        answers.append(host)
        return ["127.0.0.1"]

    outcome = fetch_feed(f"http://feeds.test:{port}/feeds/berlin_dst.ics", LOCAL, resolver=resolver)

    assert isinstance(outcome, Fetched)
    assert answers == ["feeds.test"]
    assert connections == [("127.0.0.1", port)]
    assert feeds.requests[-1].headers.get("Host") == f"feeds.test:{port}"


def test_a_name_that_never_resolves_times_out() -> None:
    release = threading.Event()

    def hanging(host: str, port: int) -> list[str]:
        release.wait(30)
        return ["93.184.216.34"]

    try:
        outcome = fetch_feed(
            "https://slow-dns.example/feed.ics",
            FetchPolicy(allow_local=False, timeout_s=0.3),
            resolver=hanging,
        )
    finally:
        release.set()

    assert outcome == FetchFailed("timeout", "the feed did not answer in time")


@pytest.fixture(scope="module")
def tls_feeds(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FeedServer, ssl.SSLContext]]:
    """An https feed server whose certificate names `feeds.test`, and a client context
    trusting it."""
    server_side, client_side = self_signed("feeds.test", tmp_path_factory.mktemp("tls"))
    with feed_server(tls=server_side) as server:
        yield server, client_side


class TestWithARealSlack:
    """Real-Slack rules over real TLS: a local https server whose certificate names
    `feeds.test`. Loopback counts as public here (only the rule's verdict on 127.0.0.1 is
    patched), so redirects can be followed hop by hop as they would be on the internet."""

    @pytest.fixture(autouse=True)
    def loopback_as_public(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = fetch_module.address_allowed

        def rule(address: str, *, allow_local: bool) -> bool:
            return address == "127.0.0.1" or real(address, allow_local=allow_local)

        monkeypatch.setattr(fetch_module, "address_allowed", rule)

    @staticmethod
    def resolver(host: str, port: int) -> list[str]:
        return {"feeds.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]}.get(host, ["10.0.0.7"])

    def test_a_public_https_feed_is_fetched(
        self, tls_feeds: tuple[FeedServer, ssl.SSLContext]
    ) -> None:
        server, trust = tls_feeds
        port = server.base_url.rsplit(":", 1)[1]
        policy = FetchPolicy(allow_local=False, tls_context=trust)

        outcome = fetch_feed(
            f"webcal://feeds.test:{port}/feeds/one_on_ones.ics", policy, resolver=self.resolver
        )

        assert isinstance(outcome, Fetched)
        assert outcome.body == fixture("one_on_ones.ics")

    @pytest.mark.parametrize(
        "target",
        [
            "https://intranet.test/feed.ics",  # resolves to 10.0.0.7
            "https://192.168.0.1/feed.ics",
            "https://169.254.169.254/latest/meta-data/",
            "http://feeds.test/feed.ics",  # a downgrade to plain http
        ],
    )
    def test_a_redirect_to_a_private_address_is_refused_before_connecting(
        self,
        tls_feeds: tuple[FeedServer, ssl.SSLContext],
        connections: list[tuple[str, int]],
        target: str,
    ) -> None:
        server, trust = tls_feeds
        port = int(server.base_url.rsplit(":", 1)[1])
        url = f"https://feeds.test:{port}/redirect?to=" + quote(target, safe="")

        outcome = fetch_feed(
            url, FetchPolicy(allow_local=False, tls_context=trust), resolver=self.resolver
        )

        assert isinstance(outcome, FetchFailed)
        assert outcome.reason == "not_allowed"
        assert connections == [("127.0.0.1", port)]

    def test_the_certificate_is_still_checked_against_the_host_name(
        self, tls_feeds: tuple[FeedServer, ssl.SSLContext]
    ) -> None:
        """Connecting to the checked address must not skip name verification."""
        server, trust = tls_feeds
        port = server.base_url.rsplit(":", 1)[1]

        outcome = fetch_feed(
            f"https://other.test:{port}/feeds/one_on_ones.ics",
            FetchPolicy(allow_local=False, tls_context=trust),
            resolver=self.resolver,
        )

        assert isinstance(outcome, FetchFailed)
        assert outcome.reason == "unreachable"
