"""Fault: requests that are not from Slack, or not as Slack sends them, reach the HTTP
endpoint. The real app runs in HTTP mode (waitress) as a subprocess.

Forged (wrong secret), replayed (a real signature, 6 minutes old), unsigned, and oddly signed
requests get 401; correctly signed bodies Slack would never send get 400; none of them does
anything — no Slack call, no response_url post, no database row — and none is a 500.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from bench.observe import settle
from slack_emulator import Emulator
from slack_emulator.signing import signature, signed_headers
from tests.support.harness import ALICE, TEAM, AppProcess, make_emulator, start_app

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, AppProcess]]:
    with make_emulator() as emulator:
        process = start_app(emulator, tmp_path_factory.mktemp("http-faults") / "app", mode="http")
        try:
            yield emulator, process
        finally:
            process.stop()


def post(app: AppProcess, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def command_body(text: str) -> bytes:
    """A `/pendulum` command that would change something if it ran (it enrols Alice)."""
    return urlencode(
        {
            "command": "/pendulum",
            "text": text,
            "user_id": ALICE,
            "user_name": "alice",
            "channel_id": TEAM,
            "team_id": "T0PENDULUM",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "response_url": "http://127.0.0.1:9/commands/T0PENDULUM/1/x",
        }
    ).encode()


def headers_for(
    secret: str, body: bytes, content_type: str = FORM, **override: str
) -> dict[str, str]:
    return {"Content-Type": content_type, **signed_headers(secret, body), **override}


def resigned(secret: str, body: bytes, timestamp: str, content_type: str = FORM) -> dict[str, str]:
    """Correctly signed for `timestamp`, whatever it is."""
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(secret, timestamp, body),
    }


def cases(secret: str) -> list[tuple[str, bytes, dict[str, str], int]]:
    enrol = command_body("checkin on")
    now = str(int(time.time()))
    event = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0PENDULUM",
            "event_id": "Ev0FORGED",
            "event": {"type": "app_home_opened", "user": ALICE, "tab": "home"},
        }
    ).encode()
    click = urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})}).encode()
    return [
        # not from Slack: 401, before anything is parsed
        ("forged", enrol, headers_for(secret + "-not-it", enrol), 401),
        ("forged event", event, headers_for("nope", event, JSON_TYPE), 401),
        (
            "replayed 6 minutes later",
            enrol,
            resigned(secret, enrol, str(int(time.time()) - 360)),
            401,
        ),
        ("from the future", enrol, resigned(secret, enrol, str(int(time.time()) + 360)), 401),
        ("unsigned", enrol, {"Content-Type": FORM}, 401),
        ("no timestamp", enrol, {"Content-Type": FORM, "X-Slack-Signature": "v0=00"}, 401),
        ("timestamp not a number", enrol, resigned(secret, enrol, "soon"), 401),
        ("timestamp with a fraction", enrol, resigned(secret, enrol, f"{time.time():.3f}"), 401),
        (
            "signature of another body",
            command_body("checkin off"),
            resigned(secret, enrol, now),
            401,
        ),
        (
            "signature not hex",
            enrol,
            headers_for(secret, enrol, **{"X-Slack-Signature": "v0=zz"}),
            401,
        ),
        ("garbage, unsigned", b"\xff\xfe%%%", {"Content-Type": FORM}, 401),
        # signed, but not something Slack sends: 400
        ("empty body", b"", resigned(secret, b"", now), 400),
        ("not UTF-8", b"text=\xff\xfe", resigned(secret, b"text=\xff\xfe", now), 400),
        ("broken JSON", b"{nope", resigned(secret, b"{nope", now, JSON_TYPE), 400),
        ("JSON list", b"[1, 2]", resigned(secret, b"[1, 2]", now, JSON_TYPE), 400),
        ("JSON without a type", b'{"a": 1}', resigned(secret, b'{"a": 1}', now, JSON_TYPE), 400),
        (
            "event_callback without an event",
            b'{"type": "event_callback"}',
            resigned(secret, b'{"type": "event_callback"}', now, JSON_TYPE),
            400,
        ),
        ("payload not JSON", b"payload=%7Bnope", resigned(secret, b"payload=%7Bnope", now), 400),
        ("payload a list", b"payload=%5B1%5D", resigned(secret, b"payload=%5B1%5D", now), 400),
        (
            "form without a command",
            b"user_id=U0ALICE",
            resigned(secret, b"user_id=U0ALICE", now),
            400,
        ),
        ("a click without actions", click, resigned(secret, click, now), 400),
        *[
            (name, body, resigned(secret, body, now, kind), 400)
            for name, body, kind in malformed_but_typed()
        ],
    ]


def as_payload(data: object) -> bytes:
    return urlencode({"payload": json.dumps(data)}).encode()


def malformed_but_typed() -> list[tuple[str, bytes, str]]:
    """Bodies with the right `type` whose insides Bolt reads unchecked (a KeyError or
    RecursionError inside Bolt was a 500)."""
    deep = "[" * 100_000 + "]" * 100_000
    return [
        ("a submission without view type or state", as_payload({"type": "view_submission",
         "user": {"id": ALICE}, "view": {"id": "V1"}}), FORM),
        ("a submission whose state is not an object", as_payload({"type": "view_submission",
         "user": {"id": ALICE}, "view": {"id": "V1", "type": "modal", "state": []}}), FORM),
        ("a closed view without a type", as_payload({"type": "view_closed",
         "user": {"id": ALICE}, "view": {"id": "V1"}}), FORM),
        ("a click whose action is not an object", as_payload({"type": "block_actions",
         "user": {"id": ALICE}, "actions": ["x"]}), FORM),
        ("a click without an action id", as_payload({"type": "block_actions",
         "user": {"id": ALICE}, "actions": [{"type": "button"}]}), FORM),
        ("a shortcut without a callback id", as_payload({"type": "shortcut",
         "user": {"id": ALICE}}), FORM),
        ("an event without a type", json.dumps({"type": "event_callback",
         "team_id": "T0PENDULUM", "event_id": "Ev0NOTYPE", "event": {}}).encode(), JSON_TYPE),
        ("a submission whose values are not an object", as_payload({"type": "view_submission",
         "user": {"id": ALICE}, "view": {"id": "V1", "type": "modal",
         "callback_id": "checkin_modal", "state": {"values": []}}}), FORM),
        ("a submission whose callback id is a number", as_payload({"type": "view_submission",
         "user": {"id": ALICE}, "view": {"id": "V1", "type": "modal", "callback_id": 5,
         "state": {"values": {}}}}), FORM),
        ("a message event without a channel", json.dumps({"type": "event_callback",
         "team_id": "T0PENDULUM", "event_id": "Ev0NOCHAN", "event": {"type": "message",
         "user": ALICE, "channel_type": "im", "text": "hi"}}).encode(), JSON_TYPE),
        ("JSON nested 100k deep", deep.encode(), JSON_TYPE),
        ("a payload nested 100k deep", urlencode({"payload": deep}).encode(), FORM),
        ("an event nested 100k deep", ('{"type": "event_callback", "event": ' + deep + "}")
         .encode(), JSON_TYPE),
    ]  # fmt: skip


def test_forged_replayed_and_malformed_requests_do_nothing(
    live: tuple[Emulator, AppProcess],
) -> None:
    emu, app = live
    before = settle(emu, app.db_location)
    answers = {}
    for name, body, headers, _ in cases(emu.auth.signing_secret):
        answers[name] = post(app, body, headers)
    after = settle(emu, app.db_location)
    expected = {name: status for name, _, _, status in cases(emu.auth.signing_secret)}
    assert answers == expected
    assert before.differences(after) == []
    assert "Traceback" not in app.logs()


def test_oversized_body_is_refused(live: tuple[Emulator, AppProcess]) -> None:
    emu, app = live
    body = command_body("checkin on " + "x" * (6 * 1024 * 1024))
    before = settle(emu, app.db_location)
    try:
        status = post(app, body, headers_for(emu.auth.signing_secret, body))
    except (ConnectionError, http.client.HTTPException):
        status = 413  # waitress may close the connection while the body is still coming
    assert status in (401, 413)
    assert before.differences(settle(emu, app.db_location)) == []


def test_a_command_mentioning_payload_is_not_lost(live: tuple[Emulator, AppProcess]) -> None:
    """Bolt reads any form body containing "payload" as an interactivity payload; Pendulum
    parses it itself, so this command is answered like any other."""
    emu, _ = live
    delivery = emu.slash_command(ALICE, TEAM, "check migrate the payload service by Friday")
    assert delivery.status == 200 and delivery.ok and delivery.ack is not None
    verdict = delivery.ack["blocks"][0]["text"]["text"]
    assert verdict[0] in "✅⛔❓", verdict
    assert "payload service" in json.dumps(delivery.ack)
    emu.assert_no_problems()


def test_the_real_thing_still_works(live: tuple[Emulator, AppProcess]) -> None:
    emu, _ = live
    delivery = emu.slash_command(ALICE, TEAM, "help")
    assert delivery.status == 200 and delivery.ok and "/pendulum check" in json.dumps(delivery.ack)
    with emu.signing("forged"):
        assert emu.slash_command(ALICE, TEAM, "checkin on").status == 401
    with emu.signing("stale"):
        assert emu.slash_command(ALICE, TEAM, "checkin on").status == 401
    with emu.signing("missing"):
        assert emu.slash_command(ALICE, TEAM, "checkin on").status == 401
    emu.clear_problems()  # the emulator notes each refused request: that was the point
    assert emu.ephemerals(user=ALICE) and not emu.response_posts
