"""The emulator's Web API, Socket Mode and signed HTTP delivery, driven by slack_sdk and Bolt
exactly as the real app would use them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from slack_emulator import Channel, Emulator, NotConnectedError, User, signed_headers
from tests.support.emulator_bolt import app, client, close_in_background  # noqa: F401

ALICE, BOB, GONE = "U0ALICE", "U0BOB", "U0GONE"
SECRET = "emulator-secret"
MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Check-in"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


def make_emulator() -> Emulator:
    return Emulator(
        users=[
            User(ALICE, "alice", tz="America/New_York"),
            User(BOB, "bob"),
            User(GONE, "gone", deleted=True),
        ],
        channels=[
            Channel("C0TEAM", "team", members=[ALICE, BOB]),
            Channel("C0QUIET", "quiet", members=[ALICE], bot_member=False),
            Channel("G0SECRET", "secret", members=[ALICE], is_private=True, bot_member=False),
            Channel("C0OLD", "old", members=[ALICE], is_archived=True),
        ],
    )


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with make_emulator() as emulator:
        yield emulator


def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


# -- Web API ---------------------------------------------------------------------------


def test_auth_test_answers_like_slack(emu: Emulator, client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["ok"] and answer["user_id"] == emu.bot.user_id
    assert answer["team_id"] == "T0PENDULUM" and answer["bot_id"] == emu.bot.bot_id
    assert emu.calls_to("auth.test")[0].status == 200
    assert emu.problems == []


def test_bad_and_wrong_kind_tokens_are_rejected(emu: Emulator) -> None:
    bad = WebClient(token="xoxb-nope", base_url=emu.api_url)
    assert api_error(bad.auth_test).response["error"] == "invalid_auth"
    app_token = WebClient(token="xapp-emulator", base_url=emu.api_url)
    error = api_error(lambda: app_token.chat_postMessage(channel="C0TEAM", text="x"))
    assert error.response["error"] == "not_allowed_token_type"
    assert [p.where for p in emu.problems] == ["auth.test", "chat.postMessage"]


def test_posting_invalid_blocks_fails_and_is_recorded(emu: Emulator, client: WebClient) -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    error = api_error(lambda: client.chat_postMessage(channel="C0TEAM", text="t", blocks=[header]))
    assert error.response["error"] == "invalid_blocks"
    assert error.response["errors"] == ["blocks[0].text.text: 151 chars > 150"]
    assert emu.messages("C0TEAM") == []
    assert [str(p) for p in emu.problems] == [
        "chat.postMessage: blocks[0].text.text: 151 chars > 150"
    ]


def test_a_special_mention_is_caught(emu: Emulator, client: WebClient) -> None:
    error = api_error(lambda: client.chat_postMessage(channel="C0TEAM", text="hey <!channel>"))
    assert error.response["error"] == "invalid_blocks"
    assert "special mention <!channel>" in str(emu.problems[0])


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_too_long_and_empty_messages(emu: Emulator, client: WebClient) -> None:
    too_long = api_error(lambda: client.chat_postMessage(channel="C0TEAM", text="x" * 40_001))
    assert too_long.response["error"] == "msg_too_long"
    empty = api_error(lambda: client.chat_postMessage(channel="C0TEAM", text=""))
    assert empty.response["error"] == "no_text"
    assert len(emu.problems) == 2


def test_post_to_a_user_id_lands_in_the_dm_with_metadata(emu: Emulator, client: WebClient) -> None:
    metadata = {"event_type": "checkin_sent", "event_payload": {"week": "2025-W10"}}
    sent = client.chat_postMessage(channel=ALICE, text="How was your week?", metadata=metadata)
    dm = emu.dm_channel(ALICE)
    assert sent["channel"] == dm and sent["message"]["text"] == "How was your week?"
    [message] = emu.messages(ALICE)
    assert message.ts == sent["ts"] and message.metadata == metadata
    assert client.conversations_open(users=ALICE)["channel"]["id"] == dm
    history = client.conversations_history(channel=dm, include_all_metadata=True)
    assert history["messages"][0]["metadata"] == metadata
    assert emu.problems == []


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("C0NOPE", "channel_not_found"),
        ("G0SECRET", "channel_not_found"),
        ("C0QUIET", "not_in_channel"),
        ("C0OLD", "is_archived"),
        (GONE, "account_inactive"),
    ],
)
def test_permanent_post_errors(emu: Emulator, client: WebClient, channel: str, error: str) -> None:
    answer = api_error(lambda: client.chat_postMessage(channel=channel, text="hi"))
    assert answer.response["error"] == error
    assert emu.problems == []


def test_user_and_scope_errors(emu: Emulator, client: WebClient) -> None:
    assert api_error(lambda: client.users_info(user="U0WHO")).response["error"] == (
        "user_not_found"
    )
    emu.scopes.discard("users:read")
    missing = api_error(lambda: client.users_info(user=ALICE)).response
    assert missing["error"] == "missing_scope" and missing["needed"] == "users:read"
    emu.scopes.add("chat:write.public")
    client.chat_postMessage(channel="C0QUIET", text="public channels are fine now")
    assert emu.problems == []


def test_users_info_reports_zone_and_status(emu: Emulator, client: WebClient) -> None:
    user = client.users_info(user=ALICE)["user"]
    assert user["tz"] == "America/New_York" and user["tz_offset"] in (-18000, -14400)
    assert user["tz_label"] in ("Eastern Standard Time", "Eastern Daylight Time")
    assert client.users_info(user=GONE)["user"]["deleted"] is True
    assert {"status_text", "status_emoji", "status_expiration"} <= set(user["profile"])


def test_unknown_methods_are_problems(emu: Emulator, client: WebClient) -> None:
    assert api_error(lambda: client.api_call("chat.scheduleMessage")).response["error"] == (
        "unknown_method"
    )
    assert emu.problems[0].where == "chat.scheduleMessage"


def test_update_and_delete_own_messages(emu: Emulator, client: WebClient) -> None:
    sent = client.chat_postMessage(channel="C0TEAM", text="v1")
    client.chat_update(channel=sent["channel"], ts=sent["ts"], text="v2")
    assert [m.text for m in emu.messages("C0TEAM")] == ["v2"]
    assert emu.messages("C0TEAM")[0].edited_ts is not None
    client.chat_delete(channel=sent["channel"], ts=sent["ts"])
    assert emu.messages("C0TEAM") == []
    gone = api_error(lambda: client.chat_update(channel="C0TEAM", ts=sent["ts"], text="v3"))
    assert gone.response["error"] == "message_not_found"


def test_ephemeral_needs_a_member(emu: Emulator, client: WebClient) -> None:
    client.chat_postEphemeral(channel="C0TEAM", user=BOB, text="only bob")
    assert [e.text for e in emu.ephemerals("C0TEAM", BOB)] == ["only bob"]
    error = api_error(lambda: client.chat_postEphemeral(channel=ALICE, user=BOB, text="x"))
    assert error.response["error"] == "user_not_in_channel"


# -- rate limits and faults ------------------------------------------------------------


def test_rate_limit_429_with_retry_after_under_load(emu: Emulator, client: WebClient) -> None:
    emu.rate_limits(post_per_second=1, post_burst=2)
    client.chat_postMessage(channel="C0TEAM", text="1")
    client.chat_postMessage(channel="C0TEAM", text="2")
    limited = api_error(lambda: client.chat_postMessage(channel="C0TEAM", text="3"))
    assert limited.response.status_code == 429
    assert limited.response["error"] == "ratelimited"
    assert int(limited.response.headers["Retry-After"]) >= 1
    client.chat_postMessage(channel=ALICE, text="another channel has its own budget")
    emu.rate_limits(enabled=False)
    client.chat_postMessage(channel="C0TEAM", text="4")
    assert len(emu.messages("C0TEAM")) == 3


def test_tier_1_allows_one_connection_url_per_minute(emu: Emulator) -> None:
    emu.rate_limits()
    apps = WebClient(token="xapp-emulator", base_url=emu.api_url)
    apps.apps_connections_open(app_token="xapp-emulator")
    limited = api_error(lambda: apps.apps_connections_open(app_token="xapp-emulator"))
    assert limited.response.status_code == 429


def test_injected_faults(emu: Emulator, client: WebClient) -> None:
    emu.faults("chat.postMessage", p429=1.0, retry_after=7, times=1)
    first = api_error(lambda: client.chat_postMessage(channel="C0TEAM", text="a"))
    assert first.response.status_code == 429 and first.response.headers["Retry-After"] == "7"
    client.chat_postMessage(channel="C0TEAM", text="a")
    emu.faults("chat.postMessage", p_lost=1.0, times=1)
    lost = api_error(lambda: client.chat_postMessage(channel="C0TEAM", text="b"))
    assert lost.response.status_code == 503
    assert [m.text for m in emu.messages("C0TEAM")] == ["a", "b"]
    emu.faults(p503=0.5, seed=7)
    outcomes = []
    for _ in range(20):
        try:
            outcomes.append(client.auth_test().status_code)
        except SlackApiError as e:
            outcomes.append(e.response.status_code)
    assert set(outcomes) == {200, 503}
    emu.clear_faults()
    assert client.auth_test()["ok"]


# -- Socket Mode -----------------------------------------------------------------------


def test_socket_mode_slash_command_round_trip(emu: Emulator, app: App) -> None:
    seen: list[dict[str, Any]] = []

    @app.command("/pendulum")
    def pendulum(ack: Any, command: dict[str, Any]) -> None:
        seen.append(command)
        ack(text=f"You said {command['text']}")

    delivery = emu.slash_command(ALICE, "C0TEAM", text="help")
    assert delivery.ok and delivery.transport == "socket"
    assert delivery.ack == {"text": "You said help"}
    assert delivery.latency is not None and delivery.latency < 1.0
    assert seen[0]["user_id"] == ALICE and seen[0]["channel_name"] == "team"
    assert seen[0]["response_url"].startswith(emu.api_url.removesuffix("api/"))
    assert [e.text for e in emu.ephemerals("C0TEAM", ALICE)] == ["You said help"]
    assert emu.problems == []


def test_in_channel_ack_becomes_a_channel_message(emu: Emulator, app: App) -> None:
    @app.command("/pendulum")
    def pendulum(ack: Any) -> None:
        ack(response_type="in_channel", text="Tip of the week")

    emu.slash_command(ALICE, "C0TEAM", text="tip")
    assert [m.text for m in emu.messages("C0TEAM")] == ["Tip of the week"]


def test_invalid_ack_payload_is_a_problem(emu: Emulator, app: App) -> None:
    @app.command("/pendulum")
    def pendulum(ack: Any) -> None:
        ack(blocks=[{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}], text="x")

    emu.slash_command(ALICE, "C0TEAM")
    assert "must be plain_text" in str(emu.problems[0])
    assert emu.problems[0].where == "ack:slash_commands"


def test_late_ack_is_a_problem(emu: Emulator, app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slack_emulator.delivery.ACK_DEADLINE", 0.2)

    @app.command("/pendulum")
    def slow(ack: Any) -> None:
        time.sleep(0.4)
        ack()

    delivery = emu.slash_command(ALICE, text="slow")
    assert not delivery.acked
    emu.wait_for(lambda: delivery.latency is not None)
    assert "not acknowledged within 0.2 s" in str(emu.problems[0])


def test_disconnect_refresh_requested_reconnects(emu: Emulator, app: App) -> None:
    @app.command("/pendulum")
    def pendulum(ack: Any) -> None:
        ack(text="still here")

    opened = emu.connections_opened
    assert emu.disconnect(close_after=0.3) == 1
    emu.wait_for(lambda: emu.connections_opened > opened and emu.connection_count == 1)
    assert emu.slash_command(ALICE, text="x").ack == {"text": "still here"}
    assert emu.problems == []


def test_dropped_connection_reconnects(emu: Emulator, client: WebClient) -> None:
    # slack_sdk notices a dropped socket on its next health check (every ping_interval).
    handler = SocketModeHandler(
        App(client=client), app_token="xapp-emulator", web_client=client, ping_interval=0.2
    )
    handler.connect()
    emu.wait_connected()
    assert emu.drop_connections() == 1
    emu.wait_for(lambda: emu.connections_opened == 2 and emu.connection_count == 1)
    close_in_background(handler)


def test_nothing_to_deliver_to(emu: Emulator) -> None:
    with pytest.raises(NotConnectedError):
        emu.slash_command(ALICE, text="help")


# -- signed HTTP -----------------------------------------------------------------------


class _AppServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Any) -> None:
        super().__init__(("127.0.0.1", 0), _AppHandler)
        self.answer = answer
        self.requests: list[tuple[dict[str, str], bytes]] = []


class _AppHandler(BaseHTTPRequestHandler):
    server: _AppServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append((headers, body))
        status, content_type, payload = self.server.answer(headers, body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def http_app(emu: Emulator, client: WebClient) -> Iterator[tuple[App, _AppServer]]:
    """A Bolt app in HTTP mode (Bolt verifies signatures itself) behind a tiny server."""
    bolt = App(client=client, signing_secret=SECRET)

    def answer(headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        response = bolt.dispatch(BoltRequest(body=body.decode(), headers=headers))
        return (
            response.status,
            response.headers.get("content-type", ["text/plain"])[0],
            response.body.encode(),
        )

    server = _AppServer(answer)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    emu.request_url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield bolt, server
    server.shutdown()
    server.server_close()


def test_http_delivery_is_signed_like_slack(
    emu: Emulator, http_app: tuple[App, _AppServer]
) -> None:
    bolt, server = http_app

    @bolt.command("/pendulum")
    def pendulum(ack: Any) -> None:
        ack(text="over http")

    delivery = emu.slash_command(ALICE, "C0TEAM", text="help")
    assert delivery.transport == "http" and delivery.status == 200 and delivery.ok
    assert delivery.ack == {"text": "over http"}
    headers, body = server.requests[0]
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert emu.problems == []


@pytest.mark.parametrize("mode", ["forged", "stale", "missing"])
def test_bolt_rejects_bad_signatures(
    emu: Emulator, http_app: tuple[App, _AppServer], mode: Any
) -> None:
    with emu.signing(mode):
        delivery = emu.slash_command(ALICE, text="help")
    assert delivery.status == 401 and not delivery.acked
    assert emu.problems == []


def test_an_app_that_accepts_forged_requests_is_a_problem(emu: Emulator) -> None:
    server = _AppServer(lambda headers, body: (200, "text/plain", b""))
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    emu.request_url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with emu.signing("forged"):
            emu.slash_command(ALICE, text="x")
        assert "accepted a request with a forged signature" in str(emu.problems[0])
    finally:
        server.shutdown()
        server.server_close()


def test_events_and_retries_over_http(emu: Emulator, http_app: tuple[App, _AppServer]) -> None:
    bolt, server = http_app
    seen: list[str] = []

    @bolt.event("app_home_opened")
    def opened(event: dict[str, Any]) -> None:
        seen.append(event["user"])

    first = emu.open_home(ALICE)
    retry = emu.redeliver(first)
    headers, body = server.requests[-1]
    assert headers["x-slack-retry-num"] == "1" and headers["x-slack-retry-reason"]
    assert json.loads(body)["event_id"] == first.payload["event_id"]
    assert first.ok and retry.ok
    emu.wait_for(lambda: len(seen) == 2)


def test_url_verification(emu: Emulator, http_app: tuple[App, _AppServer]) -> None:
    assert emu.url_verification("abc123").ok
    assert emu.problems == []


def test_signed_headers_match_slack_sdk() -> None:
    body = b"token=x&text=hi"
    assert SignatureVerifier(SECRET).is_valid_request(body, signed_headers(SECRET, body))
    assert not SignatureVerifier(SECRET).is_valid_request(
        body, signed_headers(SECRET, body, "stale")
    )


# -- response_url and triggers ---------------------------------------------------------


def test_response_url_capture_and_limits(emu: Emulator, app: App) -> None:
    @app.command("/pendulum")
    def pendulum(ack: Any) -> None:
        ack()

    url = emu.slash_command(ALICE, "C0TEAM", text="x").payload["response_url"]
    webhook = WebhookClient(url)
    assert webhook.send(text="just for you").status_code == 200
    assert webhook.send(text="for everyone", response_type="in_channel").status_code == 200
    assert webhook.send(text="replaced", replace_original=True).status_code == 200
    assert [e.text for e in emu.ephemerals("C0TEAM", ALICE)] == ["replaced"]
    assert [m.text for m in emu.messages("C0TEAM")] == ["for everyone"]
    webhook.send(text="4")
    webhook.send(text="5")
    assert webhook.send(text="6").status_code == 404
    assert [p.status for p in emu.response_posts] == [200] * 5 + [404]
    assert "used more than 5x" in str(emu.problems[0])


def test_views_open_with_an_expired_trigger_fails(
    emu: Emulator, app: App, client: WebClient
) -> None:
    @app.command("/pendulum")
    def pendulum(ack: Any) -> None:
        ack()

    trigger = emu.slash_command(ALICE, text="x").payload["trigger_id"]
    emu.expire_trigger(trigger)
    error = api_error(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert error.response["error"] == "expired_trigger_id"
    assert "trigger_id used after" in str(emu.problems[0])
    fresh = emu.slash_command(ALICE, text="x").payload["trigger_id"]
    assert client.views_open(trigger_id=fresh, view=MODAL)["view"]["id"]
    reused = api_error(lambda: client.views_open(trigger_id=fresh, view=MODAL))
    assert reused.response["error"] == "exchanged_trigger_id"


def test_unacked_events_are_retried_like_slack(
    emu: Emulator, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raw slack_sdk SocketModeClient that ignores the first attempt of every event."""
    monkeypatch.setattr("slack_emulator.delivery.ACK_DEADLINE", 0.2)
    attempts: list[int] = []

    def listener(socket: SocketModeClient, request: SocketModeRequest) -> None:
        attempts.append(request.retry_attempt or 0)
        if request.retry_attempt:
            socket.send_socket_mode_response(SocketModeResponse(request.envelope_id))

    socket = SocketModeClient(app_token="xapp-emulator", web_client=client)
    socket.socket_mode_request_listeners.append(listener)
    socket.connect()
    try:
        emu.wait_connected()
        emu.retry_unacked_events = True
        first = emu.event("team_join", user={"id": "U0NEW"})
        assert not first.acked
        retried = emu.wait_for(lambda: [d for d in emu.deliveries if d.acked])
        assert retried[0].retry_attempt == 1 and retried[0].retry_reason == "timeout"
        assert retried[0].payload["event_id"] == first.payload["event_id"]
        assert attempts == [0, 1]
        assert [str(p) for p in emu.problems] == ["ack:events_api: not acknowledged within 0.2 s"]
    finally:
        close_in_background(socket)
