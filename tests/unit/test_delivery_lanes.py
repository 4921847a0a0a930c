"""Send order under load: each workspace has its own lane (one workspace's fan-out doesn't
hold another's DM), earliest deadline first across kinds (a channel-tip drain doesn't delay
check-ins), and the scheduler keeps ticking while a long fan-out drains.

Order and interleaving are asserted, never wall time: Slack stand-ins block a post until
the event under test happened (with a bounded wait, so a regression fails instead of
hanging)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.delivery.engine import DeliveryEngine
from bot.delivery.lanes import DROPPED, Lanes
from bot.delivery.ticker import Scheduler
from bot.store.db import Store
from bot.store.schedules import create_schedule
from tests.support.delivery_fakes import FakeSlack, echo_composer, fake_sleep, make_store

WED = datetime.fromisoformat("2026-11-11T12:00:00+00:00")
DUE = datetime.fromisoformat("2026-11-16T09:00:00+00:00")  # Monday 09:00 UTC
TEAM_A, TEAM_B = "T0AAAAAA", "T0BBBBBB"
PATIENCE = 5.0  # seconds a stand-in waits for the event under test before giving up


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


def enrol(
    store: Store, clock: FakeClock, team: str, target: str, kind: str = "checkin", at: str = "09:00"
) -> None:
    create_schedule(
        store, clock, team_id=team, kind=kind, target=target, weekday=0, local_time=at, tz="UTC",
        owner_user_id="U0OWNER" if target[0] == "C" else target,
    )  # fmt: skip


def engine_for(
    store: Store, clock: FakeClock, slacks: dict[str, FakeSlack], **kw: Any
) -> DeliveryEngine:
    composers = {"checkin": echo_composer, "tip": echo_composer}
    kw.setdefault("sleep", fake_sleep(clock))
    return DeliveryEngine(store, slacks.__getitem__, clock, composers, **kw)  # type: ignore[arg-type]


def test_a_big_fan_out_in_one_workspace_does_not_hold_anothers_dm(store: Store) -> None:
    clock = FakeClock(WED)
    for i in range(40):
        enrol(store, clock, TEAM_A, f"U0A{i:04d}")
    enrol(store, clock, TEAM_B, "U0BEE")
    order: list[str] = []
    b_posted = threading.Event()

    def a_posts(args: dict[str, Any]) -> None:
        if not b_posted.wait(PATIENCE):  # B's DM should go while A's fan-out is under way
            b_posted.set()
        order.append("A")

    def b_posts(args: dict[str, Any]) -> None:
        order.append("B")
        b_posted.set()

    slacks = {TEAM_A: FakeSlack(clock, on_post=a_posts), TEAM_B: FakeSlack(clock, on_post=b_posts)}
    engine = engine_for(store, clock, slacks, workers=4)
    clock.set(DUE)
    report = engine.tick()
    engine.close()
    assert report.sent == 41
    assert order[0] == "B", f"workspace B's DM waited behind A's fan-out: {order.index('B')}"


def test_check_ins_overtake_a_channel_tip_drain(store: Store) -> None:
    clock = FakeClock(WED)
    for i in range(30):
        enrol(store, clock, TEAM_A, f"C0TIP{i:04d}", kind="tip", at="09:00")
    enrol(store, clock, TEAM_A, "U0ALICE", at="09:01")
    first = threading.Event()
    released = threading.Event()

    order: list[str] = []

    def hold_the_first(args: dict[str, Any]) -> None:
        if not first.is_set():
            first.set()
            released.wait(PATIENCE)
        order.append(args["channel"])

    slack = FakeSlack(clock, on_post=hold_the_first)
    engine = engine_for(store, clock, {TEAM_A: slack}, workers=1)
    clock.set(DUE + timedelta(minutes=2))  # both are due; the tips a minute earlier

    def release_once_all_are_queued() -> None:
        first.wait(PATIENCE)
        deadline = time.monotonic() + PATIENCE
        while engine.queued() < 30 and time.monotonic() < deadline:
            time.sleep(0.005)
        released.set()

    releaser = threading.Thread(target=release_once_all_are_queued)
    releaser.start()
    report = engine.tick()
    releaser.join()
    engine.close()
    assert report.sent == 31
    # first, or right after a tip that was already on its way; not 31st
    assert order.index("U0ALICE") <= 1


def test_lanes_serve_the_earliest_deadline_and_queue_a_key_once() -> None:
    lanes = Lanes(workers=1)
    gate, started, done = threading.Event(), threading.Event(), []

    def blocker() -> str:
        started.set()
        gate.wait(PATIENCE)
        return "blocker"

    def job(name: str) -> Any:
        return lambda: done.append(name) or name

    lanes.submit("T", "first", WED, blocker)
    assert started.wait(PATIENCE)
    late = lanes.submit("T", "late", WED + timedelta(minutes=10), job("late"))
    soon = lanes.submit("T", "soon", WED + timedelta(minutes=1), job("soon"))
    assert lanes.submit("T", "soon", WED, job("again")) is None  # already queued
    assert lanes.queued("T") == 2
    gate.set()
    assert late is not None and soon is not None
    assert (soon.result(PATIENCE), late.result(PATIENCE)) == ("soon", "late")
    assert done == ["soon", "late"]
    lanes.close()


def test_closing_drops_what_has_not_started() -> None:
    lanes = Lanes(workers=1)
    gate, started = threading.Event(), threading.Event()
    lanes.submit("T", "running", WED, lambda: (started.set(), gate.wait(PATIENCE), "ran")[-1])  # type: ignore[arg-type,return-value]
    assert started.wait(PATIENCE)
    waiting = lanes.submit("T", "waiting", WED, lambda: "ran")
    closer = threading.Thread(target=lanes.close)
    closer.start()
    gate.set()
    closer.join(PATIENCE)
    assert waiting is not None and waiting.result(PATIENCE) == DROPPED


def test_the_tick_keeps_running_while_a_fan_out_drains(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(WED)
    for i in range(10):
        enrol(store, clock, TEAM_A, f"U0A{i:04d}")
    released = threading.Event()
    slack = FakeSlack(clock, on_post=lambda args: released.wait(PATIENCE))
    engine = engine_for(store, clock, {TEAM_A: slack}, workers=1)
    beats: list[int] = []
    scheduler = Scheduler(engine, interval_s=0.05, on_tick=lambda: beats.append(1))
    clock.set(DUE)
    with caplog.at_level(logging.WARNING):
        scheduler.start()
        deadline = time.monotonic() + PATIENCE
        while scheduler.ticks < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        ticks_while_blocked = scheduler.ticks
        released.set()
        deadline = time.monotonic() + PATIENCE * 2
        while len(slack.all_posts()) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        scheduler.shutdown()
    engine.close()
    assert ticks_while_blocked >= 5 and len(beats) >= 5  # the heartbeat stayed honest
    assert len(slack.all_posts()) == 10  # each once
    assert not [
        r for r in caplog.records if "maximum number of running instances" in r.getMessage()
    ]
