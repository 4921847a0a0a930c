"""Pacing math (bot.delivery.pacing) and error classification, on a fake clock."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta
from urllib.error import URLError

import pytest

from bot.clock import FakeClock
from bot.delivery.pacing import HISTORY, Backoff, Pacer, Rate, RateLimits, retry_after_seconds
from bot.delivery.slack_errors import Kind, classify
from tests.support.delivery_fakes import api_error

T0 = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


def take(pacer: Pacer, clock: FakeClock, team: str, channel: str) -> float:
    """Reserve, then sleep (advance the fake clock) until the slot; returns when it fires,
    in seconds since T0."""
    wait = pacer.reserve_post(team, channel)
    clock.advance(timedelta(seconds=wait))
    return (clock.now() - T0).total_seconds()


def test_channel_allows_a_burst_then_one_per_second() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock, RateLimits(per_channel=Rate(1.0, 3), workspace=Rate(100.0, 100)))
    assert [pacer.reserve_post("T", "C1") for _ in range(6)] == [0, 0, 0, 1, 2, 3]


def test_fire_times_with_sleeping_caller() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock, RateLimits(per_channel=Rate(1.0, 3), workspace=Rate(100.0, 100)))
    assert [take(pacer, clock, "T", "C1") for _ in range(6)] == [0, 0, 0, 1, 2, 3]


def test_burst_refills_after_idle_time() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock, RateLimits(per_channel=Rate(1.0, 3), workspace=Rate(100.0, 100)))
    for _ in range(3):
        pacer.reserve_post("T", "C1")
    clock.advance(timedelta(seconds=10))
    assert [pacer.reserve_post("T", "C1") for _ in range(4)] == [0, 0, 0, 1]


def test_distinct_channels_are_bound_by_the_workspace_cap() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock, RateLimits(per_channel=Rate(1.0, 3), workspace=Rate(5.0, 10)))
    waits = [pacer.reserve_post("T", f"D{i}") for i in range(20)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([0.2 * k for k in range(1, 11)])
    # a 20-message fan-out at 5/s with a burst of 10 takes 2 s: (20 - 10) / 5
    assert max(waits) == pytest.approx(2.0)


def test_workspaces_are_independent() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock, RateLimits(per_channel=Rate(1.0, 1), workspace=Rate(1.0, 1)))
    assert pacer.reserve_post("T1", "C") == 0
    assert pacer.reserve_post("T2", "C") == 0
    assert pacer.reserve_post("T1", "C") == 1


def test_retry_after_pauses_the_workspace_then_resumes_without_burst() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock, RateLimits(per_channel=Rate(1.0, 3), workspace=Rate(5.0, 10)))
    pacer.pause("T", 30)
    assert pacer.paused_for("T") == 30
    assert pacer.paused_for("OTHER") == 0
    waits = [pacer.reserve_post("T", f"D{i}") for i in range(3)]
    assert waits == pytest.approx([30.0, 30.2, 30.4])
    clock.advance(timedelta(seconds=31))
    assert pacer.paused_for("T") == 0


def test_a_shorter_retry_after_never_shortens_a_pause() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock)
    pacer.pause("T", 30)
    pacer.pause("T", 5)
    assert pacer.paused_for("T") == 30


def test_history_calls_have_their_own_tier3_bucket() -> None:
    clock = FakeClock(T0)
    pacer = Pacer(clock, RateLimits(methods={HISTORY: Rate(1.0, 2)}))
    assert [pacer.reserve_call("T", HISTORY) for _ in range(4)] == [0, 0, 1, 2]
    assert pacer.reserve_post("T", "C") == 0  # posting is not slowed by history reads
    pacer.pause("T", 10, HISTORY)
    assert pacer.paused_for("T") == 0
    assert pacer.reserve_call("T", HISTORY) >= 10


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(7)
    backoff = Backoff(base=1.0, cap=8.0)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (12, 8)]:
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not constant


def test_retry_after_header_parsing() -> None:
    assert retry_after_seconds({"Retry-After": "7"}) == 7
    assert retry_after_seconds({"retry-after": ["3"]}) == 3
    assert retry_after_seconds({"Retry-After": "soon"}) == 1
    assert retry_after_seconds(None, default=2) == 2


def test_rate_validation() -> None:
    with pytest.raises(ValueError):
        Rate(0)
    with pytest.raises(ValueError):
        Rate(1.0, 0)


# -- what an error means ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exc", "kind", "code"),
    [
        (api_error("ratelimited", 429, {"Retry-After": "12"}), Kind.RATE_LIMITED, "ratelimited"),
        (api_error("channel_not_found"), Kind.PERMANENT, "channel_not_found"),
        (api_error("not_in_channel"), Kind.PERMANENT, "not_in_channel"),
        (api_error("is_archived"), Kind.PERMANENT, "is_archived"),
        (api_error("account_inactive"), Kind.PERMANENT, "account_inactive"),
        (api_error("user_not_found"), Kind.PERMANENT, "user_not_found"),
        (api_error("missing_scope"), Kind.PERMANENT, "missing_scope"),
        (api_error("invalid_auth"), Kind.PERMANENT, "invalid_auth"),
        (api_error("service_unavailable", 503), Kind.AMBIGUOUS, "service_unavailable"),
        (api_error("Received HTML <html>…</html>" * 10, 502), Kind.AMBIGUOUS, "http_502"),
        (api_error("internal_error"), Kind.AMBIGUOUS, "internal_error"),
        (api_error("x", 500), Kind.AMBIGUOUS, "x"),
        (api_error("invalid_blocks"), Kind.REJECTED, "invalid_blocks"),
        (URLError(ConnectionRefusedError()), Kind.RETRY, "connection_refused"),
        (URLError(socket.gaierror()), Kind.RETRY, "connection_refused"),
        (TimeoutError(), Kind.AMBIGUOUS, "TimeoutError"),
        (ConnectionResetError(), Kind.AMBIGUOUS, "ConnectionResetError"),
        (ValueError("bug"), Kind.REJECTED, "ValueError"),
    ],
)
def test_classify(exc: BaseException, kind: Kind, code: str) -> None:
    failure = classify(exc)
    assert (failure.kind, failure.code) == (kind, code)


def test_classify_reads_retry_after() -> None:
    assert classify(api_error("ratelimited", 429, {"Retry-After": "12"})).retry_after == 12
