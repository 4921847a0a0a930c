"""Faults during a 500-recipient weekly send, with the real app as a subprocess against the
emulator: Slack answering 30 % of `chat.postMessage` calls with 429 + Retry-After and 10 %
with 503, and the app killed with SIGKILL half-way and started again. Either way every
recipient gets exactly one check-in DM.

The 500 managers are enrolled by writing their schedules into the app's database before it
starts (what `/pendulum checkin on` stores), due a minute ago, so the first tick sends. The
emulator's own rate limits are off (these tests are about faults, not limits), and the app's
pacing is raised through PENDULUM_DELIVERY_LIMITS (emulator only) so a run takes seconds, not
the minutes Slack's real limits would take; its retry and reconciliation logic is unchanged.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from bench.workspace import add_users, sent_count, tally, user_ids
from bench.workspace import seed_checkins as seed
from slack_emulator import Emulator
from tests.support.databases import RESTART_ENV, after_a_kill, database_for, query
from tests.support.harness import AppProcess, make_emulator, start_app

RECIPIENTS = 500


def statuses(location: str | Path) -> Counter[str]:
    rows = query(location, "SELECT status, count(*) FROM deliveries GROUP BY status")
    return Counter({str(status): int(n) for status, n in rows})


def wait_all_sent(emu: Emulator, users: list[str], timeout: float) -> None:
    emu.wait_for(
        lambda: sent_count(emu, users) >= len(users),
        timeout=timeout,
        interval=0.5,
        message=f"a check-in DM for each of {len(users)} managers",
    )


def assert_exactly_one_each(
    emu: Emulator, app: AppProcess, users: list[str], *, killed: bool = False
) -> None:
    time.sleep(1.0)  # anything still in flight lands (and would show up as a duplicate)
    result = tally(emu, users)
    assert result.lost == [], f"{len(result.lost)} manager(s) got nothing"
    assert result.duplicated == {}, f"duplicates: {result.duplicated}"

    def recorded() -> bool:  # every send recorded, nothing else left claimed
        now = statuses(app.db_location)
        return now["sent"] >= len(users) and now["claimed"] == 0

    emu.wait_for(
        recorded,
        timeout=after_a_kill(0) if killed else 0.1,
        interval=0.5,
        message=f"every send recorded: {dict(statuses(app.db_location))}",
    )


def test_500_recipients_under_429s_and_503s_each_get_exactly_one(tmp_path: Path) -> None:
    users = user_ids(RECIPIENTS)
    with make_emulator() as emu:
        add_users(emu, users)
        seed(database_for(tmp_path / "app"), users)
        emu.faults("chat.postMessage", p429=0.3, p503=0.1, retry_after=1, seed=20261122)
        app = start_app(
            emu,
            tmp_path / "app",
            extra_env={"PENDULUM_DELIVERY_LIMITS": "post=500 reads=200 workers=64"},
        )
        try:
            wait_all_sent(emu, users, timeout=150)
            assert_exactly_one_each(emu, app, users)
        finally:
            app.stop()
        posts = emu.calls_to("chat.postMessage")
        by_status = Counter(c.status for c in posts)
        # the faults really happened, and were retried until each message went out
        assert by_status[429] > 0.2 * RECIPIENTS and by_status[503] > 0.05 * RECIPIENTS
        assert by_status[200] == RECIPIENTS
        # a 503 may have posted: the app looked in the conversation before sending again
        assert emu.calls_to("conversations.history")
        emu.assert_no_problems()


def test_sigkill_in_the_middle_of_a_500_recipient_send_then_restart(tmp_path: Path) -> None:
    users = user_ids(RECIPIENTS)
    workdir = tmp_path / "app"
    limits = {"PENDULUM_DELIVERY_LIMITS": "post=60 workers=8"}
    with make_emulator() as emu:
        add_users(emu, users)
        seed(database_for(workdir), users)
        first = start_app(emu, workdir, extra_env=limits)
        try:
            emu.wait_for(
                lambda: sent_count(emu, users) >= RECIPIENTS // 3,
                timeout=60,
                interval=0.05,
                message="a third of the send",
            )
        finally:
            first.kill()  # SIGKILL: no shutdown, claims and sends in flight are cut off
        at_kill = statuses(first.db_location)
        delivered_at_kill = sent_count(emu, users)
        assert at_kill["pending"] > 0, f"the kill came too late to test anything: {at_kill}"
        assert delivered_at_kill < RECIPIENTS
        print(f"at the kill: {delivered_at_kill} delivered, ledger {dict(at_kill)}")

        second = start_app(emu, workdir, extra_env={**limits, **RESTART_ENV})
        try:
            wait_all_sent(emu, users, timeout=after_a_kill(90))
            assert_exactly_one_each(emu, second, users, killed=True)
        finally:
            second.stop()
        # the messages Slack took before the kill were kept, not sent again
        posted = [c for c in emu.calls_to("chat.postMessage") if c.status == 200]
        assert len(posted) == RECIPIENTS
        emu.assert_no_problems()


@pytest.mark.parametrize("when", ["claimed", "posted"])
def test_sigkill_between_claim_and_record(tmp_path: Path, when: str) -> None:
    """The narrowest windows, forced: Slack is slow to answer `chat.postMessage` (so the kill
    lands while the call is in flight), and the message either never reached Slack
    (`claimed`) or reached it without the app hearing back (`posted`)."""
    users = user_ids(40)
    workdir = tmp_path / "app"
    with make_emulator() as emu:
        add_users(emu, users)
        seed(database_for(workdir), users)
        if when == "claimed":
            # every post fails as a 503 that did nothing: rows stay claimed, then the kill
            emu.faults("chat.postMessage", p503=1.0, retry_after=1)
        else:
            # every post takes effect but the answer is lost: Slack has them, the app doesn't know
            emu.faults("chat.postMessage", p_lost=1.0, retry_after=1)
        first = start_app(emu, workdir, extra_env={"PENDULUM_DELIVERY_LIMITS": "workers=8"})
        try:
            emu.wait_for(
                lambda: statuses(database_for(workdir))["claimed"] >= 4,
                timeout=20,
                message="claims in flight",
            )
        finally:
            first.kill()
        at_kill = statuses(database_for(workdir))
        print(f"at the kill ({when}): ledger {dict(at_kill)}")
        emu.clear_faults()
        restart = {"PENDULUM_DELIVERY_LIMITS": "post=40 reads=50", **RESTART_ENV}
        second = start_app(emu, workdir, extra_env=restart)
        try:
            wait_all_sent(emu, users, timeout=after_a_kill(60))
            assert_exactly_one_each(emu, second, users, killed=True)
        finally:
            second.stop()
        emu.assert_no_problems()
