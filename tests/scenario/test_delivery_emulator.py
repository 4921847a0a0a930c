"""Delivery scenarios through the local Slack emulator, with slack_sdk's real WebClient
pointed at `emu.api_url`: what lands in each conversation is what a person would see."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.clock import Clock, FakeClock, SystemClock
from bot.delivery.client import delivery_client
from bot.delivery.engine import DeliveryEngine
from bot.delivery.pacing import Rate, RateLimits
from bot.delivery.timing import utc_text, zone
from bot.store import deliveries
from bot.store import schedules as sch
from bot.store.db import Store
from slack_emulator.emulator import Emulator
from slack_emulator.models import Channel, User
from tests.support.databases import track
from tests.support.delivery_fakes import Crash, echo_composer, fake_sleep, make_store

TEAM = "T0PENDULUM"
WED = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
MON_9_BERLIN = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
MANAGERS = [f"U0EM{i:03d}" for i in range(30)]
KINDS = ("checkin", "tip", "focus", "nudge")


def workspace(clock: Clock) -> Emulator:
    users = [User("U0OWNER", "owner", tz="Europe/Berlin")]
    users += [User(u, u.lower(), tz="Europe/Berlin") for u in MANAGERS]
    users.append(User("U0GONE", "gone", deleted=True))
    channels = [
        Channel("C0ENG", "eng"),
        Channel("C0OUT", "outside", bot_member=False),
        Channel("C0OLD", "old", is_archived=True),
    ]
    return Emulator(users=users, channels=channels, clock=clock)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WED)


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    with workspace(clock) as emulator:
        yield emulator


def engine_for(
    store: Store, emu: Emulator, clock: Clock, client: WebClient | None = None, **kw: Any
) -> DeliveryEngine:
    client = client or delivery_client("xoxb-emulator", emu.api_url)
    if isinstance(clock, FakeClock):
        kw.setdefault("sleep", fake_sleep(clock))
    return DeliveryEngine(
        store, lambda team_id: client, clock, dict.fromkeys(KINDS, echo_composer), **kw
    )


def add(store: Store, clock: Clock, target: str, kind: str = "checkin", **kw: Any) -> sch.Schedule:
    args: dict[str, Any] = {
        "team_id": TEAM,
        "kind": kind,
        "owner_user_id": "U0OWNER",
        "target": target,
        "weekday": 0,
        "local_time": "09:00",
        "tz": "Europe/Berlin",
    }
    args.update(kw)
    return sch.create_schedule(store, clock, **args)


def ours(emu: Emulator, conversation: str) -> list[str]:
    """The delivery keys of the app's messages in a conversation."""
    return [
        m.metadata["event_payload"]["key"]
        for m in emu.messages(conversation)
        if m.metadata and m.metadata.get("event_type") == "pendulum_delivery"
    ]


def test_a_monday_of_check_ins_and_a_tip_under_faults(
    store: Store, emu: Emulator, clock: FakeClock
) -> None:
    emu.faults("chat.postMessage", p429=0.15, p503=0.1, p_lost=0.1, seed=4)
    emu.faults("conversations.history", p503=0.1, seed=5)
    engine = engine_for(store, emu, clock)
    for user in MANAGERS:
        add(store, clock, user)
    add(store, clock, "C0ENG", kind="tip")
    clock.set(MON_9_BERLIN)
    for _ in range(20):  # ticks every 30 s for ten minutes
        engine.tick()
        clock.advance(timedelta(seconds=30))
    for user in MANAGERS:
        assert ours(emu, user) == [f"{TEAM}:checkin:{user}:2026-W47"], user
    assert ours(emu, "C0ENG") == [f"{TEAM}:tip:C0ENG:2026-W47"]
    assert set(dict(store.db.execute("SELECT key, status FROM deliveries")).values()) == {"sent"}
    statuses = {c.status for c in emu.calls_to("chat.postMessage")}
    assert {429, 503} <= statuses  # the faults really happened …
    assert emu.calls_to("conversations.history")  # … and 503s were checked before resending
    emu.assert_no_problems()
    engine.close()


class CrashingClient(WebClient):
    """Dies like a SIGKILL inside chat.postMessage, before or after Slack stored the message."""

    def __init__(self, *args: Any, after_post: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_post = after_post

    def chat_postMessage(self, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.after_post:
            super().chat_postMessage(**kwargs)
        raise Crash


@pytest.mark.parametrize("after_post", [True, False])
def test_crash_between_claim_and_record_recovers_exactly_once(
    store: Store, emu: Emulator, clock: FakeClock, after_post: bool
) -> None:
    crashing = CrashingClient(
        token="xoxb-emulator", base_url=emu.api_url, retry_handlers=[], after_post=after_post
    )
    doomed = engine_for(store, emu, clock, client=crashing)
    add(store, clock, "U0EM000")
    add(store, clock, "C0ENG", kind="tip")
    clock.set(MON_9_BERLIN)
    with pytest.raises(Crash):
        doomed.tick()
    doomed.close()
    assert "claimed" in dict(store.db.execute("SELECT key, status FROM deliveries")).values()
    clock.advance(timedelta(minutes=3))
    restarted = engine_for(track(Store(store.location)), emu, clock)
    restarted.recover()
    restarted.tick()
    assert ours(emu, "U0EM000") == [f"{TEAM}:checkin:U0EM000:2026-W47"]
    assert ours(emu, "C0ENG") == [f"{TEAM}:tip:C0ENG:2026-W47"]
    for key in (f"{TEAM}:checkin:U0EM000:2026-W47", f"{TEAM}:tip:C0ENG:2026-W47"):
        row = deliveries.get(store, key)
        assert row is not None and row.status == "sent" and row.ts
    history = emu.calls_to("conversations.history")
    assert history and all(c.params.get("include_all_metadata") for c in history)
    emu.assert_no_problems()
    restarted.close()


def test_undeliverable_schedules_pause_and_tell_the_owner_once(
    store: Store, emu: Emulator, clock: FakeClock
) -> None:
    engine = engine_for(store, emu, clock)
    outside = add(store, clock, "C0OUT", kind="tip")
    archived = add(store, clock, "C0OLD", kind="focus")
    gone = add(store, clock, "U0GONE", owner_user_id="U0GONE")
    for week in range(3):
        clock.set(MON_9_BERLIN + timedelta(days=7 * week))
        engine.tick()
    engine.send_now("tip", outside.id)  # still failing: no second notice
    paused = {s.id: s.paused_reason for s in sch.list_by_team(store, TEAM)}
    assert paused == {outside.id: "not_in_channel", archived.id: "is_archived"}
    assert sch.get_schedule(store, TEAM, gone.id) is None  # unenrolled
    notices = [m.text for m in emu.messages("U0OWNER")]
    assert len(notices) == 2
    assert any("<#C0OUT>" in t and "not a member" in t for t in notices)
    assert any("<#C0OLD>" in t and "archived" in t for t in notices)
    assert emu.messages("C0OUT") == [] and emu.messages("C0OLD") == []
    engine.close()


def test_fan_out_runs_at_the_workspace_cap_without_a_429(tmp_path: Path) -> None:
    n, rate = 150, 75.0
    store = make_store(tmp_path)
    with workspace(SystemClock()) as emu:
        emu.rate_limits(True, workspace_per_minute=int(rate * 60) + 60)
        users = [f"U0FAN{i:03d}" for i in range(n)]
        for user in users:
            emu.add_user(User(user, user.lower()))
        due = datetime.now(UTC) - timedelta(minutes=1)
        tz = next(z for z in ("UTC", "Asia/Tokyo", "America/New_York")
                  if 1 <= due.astimezone(zone(z)).hour <= 22)  # fmt: skip
        local = due.astimezone(zone(tz))
        clock = SystemClock()
        for user in users:
            add(store, clock, user, weekday=local.weekday(), local_time=local.strftime("%H:%M"),
                tz=tz)  # fmt: skip
        with store.write() as db:
            db.execute(
                "UPDATE schedules SET next_due_at = ?", [utc_text(due - timedelta(minutes=1))]
            )
        engine = engine_for(
            store,
            emu,
            clock,
            limits=RateLimits(per_channel=Rate(1.0, 3), workspace=Rate(rate, 1)),
            workers=4,
        )
        started = time.monotonic()
        report = engine.tick()
        elapsed = time.monotonic() - started
        engine.close()
        assert report.sent == n
        assert all(len(ours(emu, u)) == 1 for u in users)
        assert {c.status for c in emu.calls_to("chat.postMessage")} == {200}
        minimum = (n - 1) / rate
        # never faster than the limits allow; how close to them is for the benchmark to say
        # (a busy machine only makes it slower)
        assert minimum * 0.95 <= elapsed, (elapsed, minimum)
