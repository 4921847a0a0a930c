"""Several delivery engines (replicas) on one PostgreSQL database: each workspace is paced by
one replica at a time, the fan-out is shared, and a dead replica's claims are taken over once.

The pure rule (rendezvous assignment) runs everywhere; the rest needs PENDULUM_TEST_POSTGRES.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.delivery.engine import DeliveryEngine
from bot.delivery.replicas import Replicas, assigned_replica
from bot.store import deliveries
from bot.store import schedules as sch
from bot.store.db import Store
from tests.support.delivery_fakes import Crash, FakeSlack, make_engine
from tests.support.postgres import fresh_postgres_url

TEAMS = [f"T{n:02d}" for n in range(20)]


# -- the pure rule -------------------------------------------------------------------------
def test_rendezvous_spreads_workspaces_and_moves_only_the_lost_replicas_share() -> None:
    three = ["a", "b", "c"]
    before = {t: assigned_replica(t, three) for t in TEAMS}
    assert set(Counter(before.values())) == set(three)  # everyone gets some
    after = {t: assigned_replica(t, ["a", "c"]) for t in TEAMS}
    moved = {t for t in TEAMS if before[t] != after[t]}
    assert moved == {t for t in TEAMS if before[t] == "b"}
    assert assigned_replica("T1", []) is None
    assert assigned_replica("T1", ["c", "a", "b"]) == assigned_replica("T1", three)


def test_on_sqlite_the_one_process_owns_every_workspace(tmp_path: Any) -> None:
    store = Store(tmp_path / "pendulum.db")
    store.migrate()
    replicas = Replicas(store, FakeClock(datetime(2026, 12, 7, 9, tzinfo=UTC)))
    assert not replicas.shared
    assert replicas.beat() == [replicas.id]
    assert all(replicas.owns(t) and replicas.should_keep(t) for t in TEAMS)
    store.close()


# -- on PostgreSQL -------------------------------------------------------------------------
@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_postgres_url() as url:
        yield url


NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday


def enrol(store: Store, clock: FakeClock, teams: list[str], per_team: int) -> list[str]:
    targets = []
    for team in teams:
        for n in range(per_team):
            user = f"U{team[1:]}{n:04d}"
            sch.create_schedule(
                store,
                clock,
                team_id=team,
                kind="checkin",
                owner_user_id=user,
                target=user,
                weekday=0,
                local_time="09:05",
                tz="UTC",
            )
            targets.append(user)
    return targets


class Replica:
    """One engine with its own store (pool), replica id and tagged Slack client."""

    def __init__(self, url: str, name: str, slack: FakeSlack, clock: FakeClock) -> None:
        self.name = name
        self.store = Store(url)
        self.posted_by: Counter[str] = Counter()
        self.replicas = Replicas(self.store, clock, name, lease=timedelta(seconds=30))
        self.engine: DeliveryEngine = make_engine(
            self.store, slack, clock, replicas=self.replicas, workers=4
        )

    def close(self) -> None:
        self.engine.close()
        self.store.close()


def tick_together(replicas: list[Replica], rounds: int) -> None:
    """Every replica ticks at once, `rounds` times (each tick waits for what it queued)."""
    for _ in range(rounds):
        threads = [threading.Thread(target=r.engine.tick) for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def assert_one_message_each(slack: FakeSlack, users: list[str]) -> None:
    per_channel = Counter(p.channel for p in slack.all_posts())
    assert len(per_channel) == len(users), "someone got nothing"
    assert set(per_channel.values()) == {1}, "a recipient got two messages"


@pytest.mark.postgres
def test_two_replicas_share_a_20_workspace_fan_out_one_pacer_each(pg_url: str) -> None:
    clock = FakeClock(NOW - timedelta(minutes=10))
    setup = Store(pg_url)
    setup.migrate()
    users = enrol(setup, clock, TEAMS, per_team=5)
    setup.close()
    slack = FakeSlack(clock=clock)
    posters: dict[str, set[str]] = {}  # workspace → replicas that posted for it
    guard = threading.Lock()
    replicas = [Replica(pg_url, name, slack, clock) for name in ("r-a", "r-b")]
    for replica in replicas:
        factory = replica.engine.client_factory

        def tagged(team_id: str, _name: str = replica.name, _f: Any = factory) -> Any:
            with guard:
                posters.setdefault(team_id, set()).add(_name)
            return _f(team_id)

        replica.engine.client_factory = tagged
    try:
        clock.set(NOW + timedelta(minutes=6))
        for r in replicas:  # both are alive before anyone plans
            r.replicas.beat()
        tick_together(replicas, rounds=6)
        assert_one_message_each(slack, users)
        assert all(len(names) == 1 for names in posters.values()), posters
        shares = Counter(next(iter(names)) for names in posters.values())
        assert set(shares) == {"r-a", "r-b"}, f"one replica did everything: {shares}"
    finally:
        for r in replicas:
            r.close()


@pytest.mark.postgres
def test_a_dead_replicas_claim_is_taken_over_once_after_the_lease(pg_url: str) -> None:
    clock = FakeClock(NOW - timedelta(minutes=10))
    setup = Store(pg_url)
    setup.migrate()
    users = enrol(setup, clock, ["T01"], per_team=3)
    setup.close()
    slack = FakeSlack(clock=clock)
    posts_before_crash = {"n": 0}

    def crash_on_second_post(method: str, args: dict[str, Any]) -> Any:
        if method != "chat.postMessage":
            return None
        posts_before_crash["n"] += 1
        return Crash() if posts_before_crash["n"] == 2 else None

    slack.faults.append(crash_on_second_post)
    doomed = Replica(pg_url, "r-doomed", slack, clock)
    clock.set(NOW + timedelta(minutes=6))
    doomed.replicas.beat()
    with pytest.raises(Crash):
        doomed.engine._lanes.workers = 1  # one send at a time: the crash leaves one claim
        doomed.engine.tick()
    # the process "dies": its lock session ends, its heartbeat stops
    assert doomed.replicas._locks is not None
    doomed.replicas._locks.close()
    slack.faults.clear()
    claimed = deliveries.open_rows(doomed.store, "claimed")
    assert len(claimed) == 1 and claimed[0].claimed_by == "r-doomed"

    heirs = [Replica(pg_url, name, slack, clock) for name in ("r-b", "r-c")]
    try:
        for _ in range(3):  # within the lease: the claim is the dead replica's still
            for h in heirs:
                h.engine.tick()
        assert deliveries.get(heirs[0].store, claimed[0].key).status == "claimed"  # type: ignore[union-attr]
        clock.advance(timedelta(seconds=31))
        tick_together(heirs, rounds=4)
        assert_one_message_each(slack, users)
        assert deliveries.open_rows(heirs[0].store, "claimed") == []
    finally:
        for h in heirs:
            h.close()
        doomed.store.close()


@pytest.mark.postgres
def test_a_replica_joining_mid_send_gets_its_share_once_the_old_owner_drains(
    pg_url: str,
) -> None:
    """The hand-over: a workspace reassigned to a newcomer is no longer queued by its old
    owner, which lets go once nothing of it is in flight; only then may the newcomer pace it."""
    clock = FakeClock(NOW)
    store = Store(pg_url)
    store.migrate()
    first = Replicas(store, clock, "r-first")
    second = Replicas(Store(pg_url), clock, "r-second")
    try:
        first.beat()
        assert all(first.owns(t) for t in TEAMS)  # alone: everything is its
        second.beat()
        first.beat()  # now both see both
        moving = [t for t in TEAMS if assigned_replica(t, ["r-first", "r-second"]) == "r-second"]
        assert moving
        assert not any(first.owns(t) for t in moving), "the old owner kept queueing them"
        assert not any(second.owns(t) for t in moving)  # still locked: the old owner drains
        busy = {moving[0]}
        first.release_idle(busy)
        assert [t for t in moving if second.owns(t)] == moving[1:]
        assert not second.owns(moving[0])
        first.release_idle(set())  # the last send of that workspace finished
        assert second.owns(moving[0])
        assert first.held() == set(TEAMS) - set(moving)
        assert second.held() == set(moving)
    finally:
        first.close()
        second.close()
        second.store.close()
        store.close()
