"""HTTP serving: the real app on waitress behind the emulator's signed delivery, the request
log (one line per Slack request, with an id and latency, never a secret), JSON logs, and the
Prometheus metrics. Unit tests of the metrics text and the WSGI routing come first."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import Histogram

from bot.ops.metrics import CONTENT_TYPE, Metrics
from bot.slack.http_server import PendulumWsgi
from bot.slack.requestlog import classify, request_id_from_headers
from slack_emulator import Emulator
from tests.support.harness import ALICE, TEAM, AppProcess, start_app


# -- metrics text --------------------------------------------------------------------------
def parse_exposition(text: str) -> dict[str, float]:
    """sample line → value, checking every line is valid exposition format."""
    samples: dict[str, float] = {}
    typed: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind in ("counter", "gauge", "histogram"), line
            typed.add(name)
            continue
        if line.startswith("# HELP "):
            continue
        match = re.fullmatch(r"([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (\S+)", line)
        assert match, f"not exposition format: {line!r}"
        base = re.sub(r"_(bucket|sum|count)$", "", match.group(1))
        assert match.group(1) in typed or base in typed, f"no TYPE for {line!r}"
        samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def test_histogram_buckets_are_cumulative_and_labels_escaped() -> None:
    metrics = Metrics()
    histogram = Histogram(
        "t_seconds", "test", ["kind"], buckets=(0.1, 1.0), registry=metrics.registry
    )
    for value in (0.05, 0.5, 0.5, 7.0):
        histogram.labels(kind='say "hi"\\').observe(value)
    samples = parse_exposition(metrics.render())
    label = 'kind="say \\"hi\\"\\\\"'
    assert samples[f't_seconds_bucket{{{label},le="0.1"}}'] == 1
    assert samples[f't_seconds_bucket{{{label},le="1.0"}}'] == 3
    assert samples[f't_seconds_bucket{{{label},le="+Inf"}}'] == 4
    assert samples[f"t_seconds_count{{{label}}}"] == 4
    assert samples[f"t_seconds_sum{{{label}}}"] == pytest.approx(8.05)


def test_counters_are_thread_safe_and_only_go_up() -> None:
    metrics = Metrics()
    counter = metrics.requests

    def bump() -> None:
        for _ in range(10_000):
            metrics.observe_request("x", 200, 0.001)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (
        parse_exposition(metrics.render())['pendulum_slack_requests_total{kind="x",status="200"}']
        == 80_000
    )
    with pytest.raises(ValueError):
        counter.labels("x", "200").inc(-1)


def test_tick_outcomes_feed_delivery_counters() -> None:
    class Report:
        def __init__(self) -> None:
            self.outcomes = {"sent": 3, "failed": 1, "deferred": 2, "unsure": 1, "skipped": 0}

    metrics = Metrics()
    metrics.observe_tick(Report())
    samples = parse_exposition(metrics.render())
    assert samples['pendulum_deliveries_total{outcome="sent"}'] == 3
    assert samples['pendulum_deliveries_total{outcome="failed"}'] == 1
    assert samples["pendulum_delivery_retries_total"] == 3  # deferred + unsure


def test_a_failing_collector_does_not_break_the_scrape() -> None:
    metrics = Metrics()

    def broken() -> list[object]:
        raise RuntimeError("database is locked")

    metrics.add_collector(broken)  # type: ignore[arg-type]
    samples = parse_exposition(metrics.render())
    assert samples["pendulum_metrics_collector_errors"] == 1


# -- request ids and kinds -----------------------------------------------------------------
def test_request_id_comes_from_slacks_headers_without_exposing_the_signature() -> None:
    rid = request_id_from_headers(
        {"x-slack-request-timestamp": "1700000000", "x-slack-signature": "v0=abcdef"}
    )
    assert rid.startswith("1700000000-") and "abcdef" not in rid
    assert rid == request_id_from_headers(
        {"x-slack-request-timestamp": "1700000000", "x-slack-signature": "v0=abcdef"}
    )
    assert request_id_from_headers({}) != request_id_from_headers({})


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"command": "/pendulum", "text": "help"}, "command"),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, "event"),
        ({"type": "block_actions", "actions": [{"action_id": "x"}]}, "block_actions"),
        ({"type": "view_submission", "view": {"callback_id": "assess"}}, "view_submission"),
        ({"type": "url_verification", "challenge": "c"}, "url_verification"),
        ({"type": "something_new"}, "other"),
    ],
)
def test_request_kinds(body: dict[str, object], kind: str) -> None:
    assert classify(body)[0] == kind


# -- the WSGI app without Slack ------------------------------------------------------------
def call(wsgi: PendulumWsgi, method: str, path: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc: object = None) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.url_scheme": "http"}
    body = b"".join(wsgi(environ, start_response))  # type: ignore[arg-type]
    return str(seen["status"]), seen["headers"], body  # type: ignore[return-value]


def test_routes_without_a_slack_app() -> None:
    wsgi = PendulumWsgi(None, lambda: (True, {"database": "ok"}), Metrics())
    status, headers, body = call(wsgi, "GET", "/metrics")
    assert status == "200 OK" and headers["Content-Type"] == CONTENT_TYPE
    parse_exposition(body.decode())
    assert call(wsgi, "GET", "/healthz")[0] == "200 OK"
    assert call(wsgi, "POST", "/slack/events")[0].startswith("404")
    assert call(wsgi, "GET", "/nope")[0].startswith("404")
    wsgi.health = lambda: (False, {"problems": ["x"]})
    status, _, body = call(wsgi, "GET", "/healthz")
    assert status.startswith("503") and json.loads(body)["ok"] is False


def test_health_checks_and_scrapes_are_not_logged_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wsgi = PendulumWsgi(None, lambda: (True, {}), Metrics())
    with caplog.at_level(logging.INFO, logger="pendulum"):
        call(wsgi, "GET", "/healthz")
        call(wsgi, "GET", "/metrics")
        call(wsgi, "GET", "/elsewhere")
    lines = [r.getMessage() for r in caplog.records if r.name == "pendulum.requests"]
    assert len(lines) == 1 and lines[0].startswith("GET /elsewhere")


# -- end to end: the real app in HTTP mode, through the emulator's signed delivery ---------
def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def base(app: AppProcess) -> str:
    return f"http://127.0.0.1:{app.port}"


def request_lines(app: AppProcess, expected: int) -> list[str]:
    """The request log lines, once `expected` of them are out: they are written in batches
    (bot/ops/logs.py), up to 50 ms after the request."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in app.logs().splitlines() if "pendulum.requests" in line]
        if len(lines) >= expected or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def test_http_mode_end_to_end(emu: Emulator, http_app: AppProcess) -> None:
    # Slack checks the Request URL first: the challenge must be echoed
    verified = emu.url_verification("challenge-42")
    assert verified.status == 200 and verified.ack is not None
    assert "challenge-42" in (verified.ack.get("challenge"), verified.ack.get("text"))

    command = emu.slash_command(ALICE, TEAM, "help")
    assert command.status == 200 and command.ok
    again = emu.redeliver(command)  # Slack's retry after a slow ack carries X-Slack-Retry-Num
    assert again.status == 200
    emu.assert_no_problems()

    status, text = fetch(base(http_app) + "/healthz")
    health = json.loads(text)
    assert status == 200 and health["ok"] is True and health["database"] == "ok"
    assert health["mode"] == "http" and "last_tick_age_seconds" in health

    status, text = fetch(base(http_app) + "/metrics")
    samples = parse_exposition(text)
    assert status == 200
    assert samples['pendulum_commands_total{subcommand="help"}'] == 2
    assert samples['pendulum_slack_requests_total{kind="command",status="200"}'] == 2
    assert samples['pendulum_slack_requests_total{kind="url_verification",status="200"}'] == 1
    assert samples['pendulum_ack_latency_seconds_count{kind="command"}'] == 2
    assert samples['pendulum_ack_latency_seconds_bucket{kind="command",le="3.0"}'] == 2
    assert samples["pendulum_workspaces"] == 1
    assert "pendulum_pending_sends" in text

    lines = request_lines(http_app, 3)
    assert len(lines) == 3, lines  # one per Slack request; none for /healthz or /metrics
    for line in lines:
        assert re.search(r"POST /slack/events .* id=\d+-[0-9a-f]{10} .*status=200 \d+\.\dms$", line)
    assert "url_verification" in lines[0]
    assert "command:/pendulum help" in lines[1] and f"team={emu.bot and 'T0PENDULUM'}" in lines[1]
    assert "retry=1" in lines[2] and "retry=" not in lines[1]

    logs = http_app.logs()
    assert emu.auth.signing_secret not in logs and emu.auth.bot_token not in logs
    assert "xoxb-" not in logs and "challenge-42" not in logs and "text=" not in logs


def test_forged_requests_are_counted_as_unverified(emu: Emulator, http_app: AppProcess) -> None:
    with emu.signing("forged"):
        assert emu.slash_command(ALICE, TEAM, "help").status == 401
    emu.clear_problems()
    samples = parse_exposition(fetch(base(http_app) + "/metrics")[1])
    assert samples['pendulum_slack_requests_total{kind="unverified",status="401"}'] == 1
    assert "status=401" in request_lines(http_app, 1)[-1]


@pytest.fixture
def json_app(emu: Emulator, tmp_path: Path) -> Iterator[AppProcess]:
    process = start_app(emu, tmp_path / "app", mode="http", extra_env={"LOG_FORMAT": "json"})
    yield process
    process.stop()


def test_json_logs_are_one_object_per_line_with_request_fields(
    emu: Emulator, json_app: AppProcess
) -> None:
    assert emu.slash_command(ALICE, TEAM, "help").ok
    json_app.stop()
    records = [json.loads(line) for line in json_app.logs().splitlines() if line.strip()]
    requests = [r for r in records if r["logger"] == "pendulum.requests"]
    assert len(requests) == 1
    (line,) = requests
    assert line["kind"] == "command" and line["status"] == 200 and line["method"] == "POST"
    assert line["path"] == "/slack/events" and line["team_id"] == "T0PENDULUM"
    assert re.fullmatch(r"\d+-[0-9a-f]{10}", line["request_id"])
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] < 3000
    assert any("Pendulum connected" in r["message"] for r in records)
    assert emu.auth.signing_secret not in json_app.logs()


def test_socket_mode_serves_health_and_metrics_too(emu: Emulator, app: AppProcess) -> None:
    assert emu.slash_command(ALICE, TEAM, "help").ok
    status, text = fetch(base(app) + "/healthz")
    assert status == 200 and json.loads(text)["mode"] == "socket"
    samples = parse_exposition(fetch(base(app) + "/metrics")[1])
    assert samples['pendulum_commands_total{subcommand="help"}'] == 1
    assert samples['pendulum_ack_latency_seconds_count{kind="command"}'] == 1
    (line,) = request_lines(app, 1)
    assert "SOCKET socket_mode command:/pendulum help" in line and "status=200" in line
    assert fetch(base(app) + "/slack/events")[0] == 404  # no HTTP door into Socket Mode
