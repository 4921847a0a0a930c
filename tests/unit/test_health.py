"""/healthz: 200 while the database answers and the scheduler ticks, 503 once the last tick is
older than allowed, the scheduler stops, or the database is gone."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.ops.health import Health, Heartbeat, stale_after_for
from bot.ops.metrics import Metrics, heartbeat_collector
from bot.slack.http_server import HttpServer, PendulumWsgi
from bot.store import Store
from bot.store.admin import record_tick

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "p.db")
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def served(store: Store, clock: FakeClock) -> Iterator[tuple[str, Heartbeat]]:
    """/healthz on a real waitress server, with a heartbeat the test controls."""
    heartbeat = Heartbeat(clock.now())
    health = Health(store, heartbeat, clock, stale_after=90)
    server = HttpServer(PendulumWsgi(None, health, Metrics()), "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{server.port}/healthz", heartbeat
    server.close()


def test_healthz_is_200_while_ticking_and_503_when_the_tick_goes_stale(
    served: tuple[str, Heartbeat], clock: FakeClock
) -> None:
    url, heartbeat = served
    alive = True
    heartbeat.attach(lambda: alive)

    heartbeat.beat(clock.now())
    status, body = get(url)
    assert status == 200 and body["ok"] is True
    assert body["database"] == "ok" and body["scheduler"] == "running"
    assert body["last_tick_at"] == START.isoformat(timespec="seconds")
    assert body["last_tick_age_seconds"] == 0

    clock.advance(timedelta(seconds=60))  # one slow tick: still healthy
    status, body = get(url)
    assert status == 200 and body["last_tick_age_seconds"] == 60

    clock.advance(timedelta(seconds=31))  # the scheduler stopped ticking
    status, body = get(url)
    assert status == 503 and body["ok"] is False
    assert body["last_tick_age_seconds"] == 91
    assert any("last tick 91 s ago" in p for p in body["problems"])

    heartbeat.beat(clock.now())  # ticking again: healthy again
    assert get(url)[0] == 200

    alive = False  # the scheduler object says it stopped, even before the tick is stale
    status, body = get(url)
    assert status == 503 and body["scheduler"] == "stopped"
    assert "scheduler stopped" in body["problems"]


def test_no_tick_since_start_up_counts_from_start(
    served: tuple[str, Heartbeat], clock: FakeClock
) -> None:
    url, _heartbeat = served
    assert get(url)[0] == 200  # just started
    clock.advance(timedelta(seconds=120))
    status, body = get(url)
    assert status == 503 and body["last_tick_at"] is None
    assert "no tick in 120 s since start-up" in body["problems"]


def test_an_unreachable_database_is_503(tmp_path: Path, clock: FakeClock) -> None:
    class Broken(Store):
        @property
        def db(self) -> Any:
            raise OSError("disk gone")

    heartbeat = Heartbeat(clock.now())
    heartbeat.beat(clock.now())
    ok, detail = Health(Broken(tmp_path / "x.db"), heartbeat, clock)()
    assert not ok and detail["database"] == "error: OSError"
    assert "database unreachable" in detail["problems"]


def test_head_request_and_no_caching(served: tuple[str, Heartbeat]) -> None:
    url, heartbeat = served
    heartbeat.beat(datetime.now(UTC))
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status in (200, 503)
        assert response.headers["Cache-Control"] == "no-store"


def test_stale_threshold_follows_the_tick_interval() -> None:
    assert stale_after_for(30) == 180  # never under three minutes
    assert stale_after_for(60) == 180
    assert stale_after_for(0.2) == 180


def test_a_beat_is_recorded_in_the_database_and_survives_a_failing_recorder(
    store: Store, clock: FakeClock
) -> None:
    heartbeat = Heartbeat(clock.now(), on_beat=lambda now: record_tick(store, now))
    heartbeat.beat(clock.now())
    row = store.db.execute("SELECT value FROM app_state WHERE key = 'last_tick_at'").fetchone()
    assert row[0] == START.isoformat(timespec="seconds")

    def explode(_now: datetime) -> None:
        raise RuntimeError("database is locked")

    heartbeat.on_beat = explode
    heartbeat.beat(clock.now() + timedelta(seconds=1))  # logged, not raised
    assert heartbeat.beats == 2


def test_metrics_expose_the_tick_age(clock: FakeClock) -> None:
    heartbeat = Heartbeat(clock.now())
    heartbeat.beat(clock.now())
    clock.advance(timedelta(seconds=42))
    metrics = Metrics()
    metrics.add_collector(heartbeat_collector(heartbeat, clock))
    text = metrics.render()
    assert "pendulum_scheduler_last_tick_age_seconds 42" in text
    assert "# TYPE pendulum_scheduler_ticks_total counter" in text
    assert "pendulum_scheduler_ticks_total 1" in text
    stamp = [v for v in text.splitlines() if v.startswith("pendulum_scheduler_last_tick_timestamp")]
    assert [float(line.split()[1]) for line in stamp] == [START.timestamp()]
    assert "pendulum_scheduler_running" not in text  # no scheduler attached: unknown
    heartbeat.attach(lambda: True)
    assert "pendulum_scheduler_running 1" in metrics.render()
