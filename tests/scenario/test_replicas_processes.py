"""Several `pendulum-bot run` processes on one PostgreSQL database, against the emulator.

- Two replicas started at the same moment on an empty database: one schema, no error.
- Slack's retry of a request landing on the other replica (HTTP behind a load balancer)
  does nothing twice: the seen-request keys are in the shared database.
- An OAuth install begun on one replica finishes on the other (the state is a row), and
  the workspace's token then serves requests on both.
- Two Socket Mode replicas: Slack spreads events over both connections, and a check-in
  begun on one is answered on the other.
- A 500-recipient weekly send with Slack's workspace limit enforced by the emulator (429 +
  Retry-After) and 5 % of posts failing with 503: first one replica alone (the baseline),
  then three replicas with the one pacing the workspace killed by SIGKILL a third of the
  way through. Every recipient gets exactly one DM, and the three replicas together collect
  no more 429s than the one alone did (one pacer per workspace at a time).

The app's own pacing is set just above the emulator's workspace limit, so even one replica
meets some 429s; three uncoordinated replicas would each spend the whole budget.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.observe import settle
from bench.workspace import add_users, sent_count, tally, user_ids
from bench.workspace import seed_checkins as seed
from bot.store.db import Store
from bot.store.migrations import MIGRATIONS
from slack_emulator import Emulator
from slack_emulator.delivery import Delivery
from tests.scenario.test_oauth import begin_install, finish_install
from tests.support.harness import ALICE, TEAM, AppProcess, make_emulator, start_app
from tests.support.postgres import fresh_postgres_url

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RECIPIENTS = 500
LIMITS = {
    # 20 posts a second from the app against Slack's (the emulator's) 300 a minute, which
    # starts as a full bucket of 300: some 429s for one replica, many for three uncoordinated
    "PENDULUM_DELIVERY_LIMITS": "post=20 reads=50 workers=8",
    "PENDULUM_REPLICA_LEASE_SECONDS": "3",
}


CHECKIN_ANSWERS = {
    "hands_on": {"value": "5to10"},
    "critical_path": {"value": "no"},
    "focus_blocks": {"value": "3"},
    "energy": {"value": "70"},
}


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_postgres_url() as url:
        yield url


def statuses(url: str) -> Counter[str]:
    store = Store(url)
    try:
        rows = store.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
        return Counter({str(s): int(n) for s, n in rows.fetchall()})
    finally:
        store.close()


def start_replica(emu: Emulator, workdir: Path, url: str) -> AppProcess:
    return start_app(
        emu, workdir, mode="http", extra_env={"PENDULUM_DB": url, **LIMITS}, timeout=60
    )


def slack_with_limits(users: list[str]) -> Emulator:
    emu = make_emulator()
    add_users(emu, users)
    emu.rate_limits(True, workspace_per_minute=300, tier_per_minute={3: 600, 4: 1200})
    emu.faults("chat.postMessage", p503=0.05, retry_after=1, seed=20261201)
    return emu


def wait_all_sent(emu: Emulator, users: list[str], timeout: float) -> None:
    emu.wait_for(
        lambda: sent_count(emu, users) >= len(users),
        timeout=timeout,
        interval=0.5,
        message=f"a check-in DM for each of {len(users)} managers",
    )


def count_429s(emu: Emulator) -> int:
    return sum(1 for c in emu.calls_to("chat.postMessage") if c.status == 429)


def assert_exactly_one_each(emu: Emulator, url: str, users: list[str]) -> None:
    time.sleep(1.0)  # anything still in flight lands (and would show up as a duplicate)
    result = tally(emu, users)
    assert result.lost == [], f"{len(result.lost)} manager(s) got nothing"
    assert result.duplicated == {}, f"duplicates: {result.duplicated}"
    ledger = statuses(url)
    assert ledger["sent"] == len(users) and ledger["claimed"] == 0, ledger


def test_two_replicas_starting_together_on_an_empty_database(tmp_path: Path, pg_url: str) -> None:
    with make_emulator() as emu:
        started: dict[int, AppProcess] = {}
        errors: list[BaseException] = []

        def start(n: int) -> None:
            try:
                started[n] = start_replica(emu, tmp_path / f"r{n}", pg_url)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            assert errors == []
            store = Store(pg_url)
            try:
                applied = [
                    str(r[0])
                    for r in store.db.execute("SELECT name FROM _sqlite_migrations").fetchall()
                ]
            finally:
                store.close()
            assert sorted(applied) == sorted(MIGRATIONS.names)  # each step once
            for app in started.values():
                assert "Traceback" not in app.logs()
                assert app.proc.poll() is None
        finally:
            for app in started.values():
                app.stop()


def test_a_retry_landing_on_the_other_replica_acts_once(tmp_path: Path, pg_url: str) -> None:
    with make_emulator(tmp_path / "clock") as emu:
        first = start_replica(emu, tmp_path / "a", pg_url)
        second = start_replica(emu, tmp_path / "b", pg_url)
        url_a, url_b = (f"http://127.0.0.1:{app.port}/slack/events" for app in (first, second))
        try:

            def twice(label: str, act: Callable[[], Delivery | None]) -> None:
                emu.request_url = url_a
                delivered = act()
                assert delivered is not None and delivered.acked and delivered.ok, label
                before = settle(emu, pg_url)
                emu.request_url = url_b  # the load balancer picks the other one
                again = emu.redeliver(delivered)
                assert again.acked and again.ok, f"{label}: the retry was not acked"
                changes = before.differences(settle(emu, pg_url))
                assert not changes, f"{label}: the other replica did it again: {changes}"

            say = emu.slash_command
            twice("checkin on", lambda: say(ALICE, TEAM, "checkin on monday 9:30"))
            twice("checkin now", lambda: say(ALICE, TEAM, "checkin now"))
            prompt = emu.wait_for(
                lambda: next(
                    (m for m in emu.messages(ALICE) if "checkin_start" in str(m.blocks)), None
                ),
                timeout=10,
                message="the check-in DM",
            )
            twice("click Start", lambda: emu.click(ALICE, prompt, "checkin_start"))
            modal = emu.wait_for(lambda: emu.modals(ALICE), timeout=10, message="a modal")[-1]
            twice("submit", lambda: emu.submit_view(ALICE, modal, CHECKIN_ANSWERS))
            twice("forget me", lambda: say(ALICE, TEAM, "forget me"))
            emu.assert_no_problems()
        finally:
            first.stop()
            second.stop()


def test_an_install_begun_on_one_replica_finishes_on_the_other(tmp_path: Path, pg_url: str) -> None:
    with make_emulator(tmp_path / "clock") as emu:
        first, second = (
            start_app(emu, tmp_path / name, mode="oauth", extra_env={"PENDULUM_DB": pg_url})
            for name in ("a", "b")
        )
        try:
            state, cookie, _ = begin_install(first)
            emu.register_oauth_code("code-r", ALICE)
            status, html = finish_install(second, "code-r", state, cookie)
            assert status == 200 and "Thank you" in html
            assert finish_install(first, "code-r", state, cookie)[0] == 401  # used, everywhere
            assert len(first.query("SELECT team_id FROM installations")) == 1
            for app in (first, second):  # either replica finds the token
                emu.request_url = f"http://127.0.0.1:{app.port}/slack/events"
                delivery = emu.slash_command(ALICE, TEAM, "help")
                assert delivery.ok and "Pendulum" in repr(delivery.ack)
            emu.assert_no_problems()
        finally:
            first.stop()
            second.stop()


def test_two_socket_mode_replicas_share_the_events(tmp_path: Path, pg_url: str) -> None:
    with make_emulator(tmp_path / "clock") as emu:
        first = start_app(emu, tmp_path / "a", extra_env={"PENDULUM_DB": pg_url})
        second = start_app(emu, tmp_path / "b", extra_env={"PENDULUM_DB": pg_url})
        emu.wait_connected(count=2)
        try:
            for _ in range(2):  # round robin: each replica gets one of these
                assert emu.slash_command(ALICE, TEAM, "help").ok
            assert emu.slash_command(ALICE, TEAM, "checkin on monday 9:30").ok
            assert emu.slash_command(ALICE, TEAM, "checkin now").ok
            prompt = emu.wait_for(
                lambda: next(
                    (m for m in emu.messages(ALICE) if "checkin_start" in str(m.blocks)), None
                ),
                timeout=10,
                message="the check-in DM",
            )
            assert emu.click(ALICE, prompt, "checkin_start").ok
            modal = emu.wait_for(lambda: emu.modals(ALICE), timeout=10, message="a modal")[-1]
            assert emu.submit_view(ALICE, modal, CHECKIN_ANSWERS).ok
            emu.wait_for(
                lambda: first.query("SELECT status FROM checkins") == [("answered",)],
                timeout=10,
                message="the answer stored once",
            )
            assert first.query("SELECT kind FROM schedules") == [("checkin",)]
            for app in (first, second):
                assert "command:/pendulum help" in app.logs(), "a replica got no event"
            emu.assert_no_problems()
        finally:
            first.stop()
            second.stop()


def pacer_of(apps: list[AppProcess]) -> AppProcess:
    """The replica pacing the (only) workspace now: the last one whose log says it took it
    and has not handed it over since (a replica that joins later may be assigned it)."""

    def paces(app: AppProcess) -> bool:
        log = app.logs()
        return log.rfind("now paces workspace") > log.rfind("hands workspace")

    def the_one() -> AppProcess | None:  # none for a moment during a hand-over
        pacing = [a for a in apps if paces(a)]
        assert len(pacing) <= 1, f"{len(pacing)} replicas say they pace the workspace"
        return pacing[0] if pacing else None

    deadline = time.monotonic() + 30
    while (found := the_one()) is None:
        assert time.monotonic() < deadline, "no replica paces the workspace"
        time.sleep(0.05)
    return found


@pytest.mark.timeout(900)
def test_three_replicas_one_killed_mid_send_exactly_one_each_no_extra_429s(
    tmp_path: Path,
) -> None:
    users = user_ids(RECIPIENTS)

    # the baseline: one replica alone
    with fresh_postgres_url() as url, slack_with_limits(users) as emu:
        seed(url, users)
        alone = start_replica(emu, tmp_path / "alone", url)
        started = time.monotonic()
        try:
            wait_all_sent(emu, users, timeout=300)
            assert_exactly_one_each(emu, url, users)
        finally:
            alone.stop()
        alone_seconds = time.monotonic() - started
        baseline_429s = count_429s(emu)
        emu.assert_no_problems()

    # three replicas; the pacer is killed a third of the way through
    with fresh_postgres_url() as url, slack_with_limits(users) as emu:
        seed(url, users)
        apps = [start_replica(emu, tmp_path / f"r{n}", url) for n in range(3)]
        try:
            emu.wait_for(
                lambda: sent_count(emu, users) >= RECIPIENTS // 3,
                timeout=120,
                interval=0.05,
                message="a third of the send",
            )
            victim = pacer_of(apps)
            victim.kill()  # SIGKILL: its claims and sends in flight are cut off
            at_kill = sent_count(emu, users)
            assert at_kill < RECIPIENTS, "the kill came too late to test anything"
            survivors = [a for a in apps if a is not victim]
            wait_all_sent(emu, users, timeout=240)
            assert_exactly_one_each(emu, url, users)
            assert pacer_of(survivors) in survivors  # the workspace moved to one survivor
        finally:
            for app in apps:
                if app.proc.poll() is None:
                    app.stop()
        three_429s = count_429s(emu)
        posts = emu.calls_to("chat.postMessage")
        assert Counter(c.status for c in posts)[503] > 0  # the 5xx really happened
        emu.assert_no_problems()
    print(
        f"one replica: {alone_seconds:.0f} s, {baseline_429s} 429s; "
        f"three with a kill: {three_429s} 429s"
    )
    assert baseline_429s > 0, "the limits are meant to make even one replica meet 429s"
    # one pacer at a time: three replicas collect no more 429s than one alone
    assert three_429s <= baseline_429s
