"""Fault: Slack delivers every request twice (the retry carries `retry_attempt` 1 in Socket
Mode, `X-Slack-Retry-Num: 1` over HTTP). The real app runs as a subprocess against the
emulator; after each first delivery has settled, the same envelope comes again, and nothing
may change: no Slack write, no response_url post, no database row.

Reads (users.info, conversations.history) are not side effects; everything else the app can
do to Slack is.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bench.observe import settle
from bot.clock import FakeClock
from bot.slack import redelivery
from bot.slack.redelivery import DurableKeys, Redeliveries, request_key
from slack_emulator import Emulator
from slack_emulator.delivery import Delivery
from slack_emulator.models import Ephemeral, Message, View
from slack_emulator.signing import signed_headers
from tests.support.databases import open_test_store
from tests.support.harness import ALICE, BOB, TEAM, AppProcess, make_emulator, start_app

CHECKIN_ANSWERS = {
    "hands_on": {"value": "5to10"},
    "critical_path": {"value": "no"},
    "focus_blocks": {"value": "3"},
    "energy": {"value": "70"},
}
ASSESS_ANSWERS = {
    "assess_role": {"value": "em"},
    "assess_years_engineering": {"value": "8"},
    "assess_years_managing": {"value": "3"},
    "assess_months_hands_on": {"value": "12"},
    "assess_goal": {"value": "stay"},
}


@pytest.fixture(scope="module", params=["socket", "http"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Emulator, AppProcess]]:
    with make_emulator() as emulator:
        process = start_app(
            emulator, tmp_path_factory.mktemp(f"twice-{request.param}") / "app", mode=request.param
        )
        try:
            yield emulator, process
        finally:
            process.stop()


class Twice:
    """Deliver something, let it settle, deliver the very same envelope again."""

    def __init__(self, emu: Emulator, app: AppProcess) -> None:
        self.emu, self.app = emu, app
        self.checked: list[str] = []

    def __call__(self, label: str, act: Callable[[], Delivery | None]) -> Delivery:
        first = act()
        assert first is not None, label
        assert first.acked and first.ok, f"{label}: first delivery not acked in time"
        before = settle(self.emu, self.app.db_location)
        again = self.emu.redeliver(first)
        assert again.acked and again.ok, f"{label}: the retry was not acked in time"
        if first.ack and again.ack is not None:
            assert again.ack == first.ack, f"{label}: the retry got a different answer"
        after = settle(self.emu, self.app.db_location)
        changes = before.differences(after)
        assert not changes, f"{label}: the retry did it again: {changes}"
        self.checked.append(label)
        return first


def newest_ephemeral(emu: Emulator, user: str, channel: str, needle: str = "") -> Ephemeral:
    def found() -> Ephemeral | None:
        for item in reversed(emu.ephemerals(channel=channel, user=user)):
            if needle in f"{item.text} {item.blocks}":
                return item
        return None

    return emu.wait_for(found, timeout=10, message=f"an ephemeral with {needle!r}")


def newest_dm(emu: Emulator, user: str, needle: str) -> Message:
    def found() -> Message | None:
        hits = [m for m in emu.messages(user) if needle in f"{m.text} {m.blocks}"]
        return hits[-1] if hits else None

    return emu.wait_for(found, timeout=10, message=f"a DM with {needle!r}")


def front_modal(emu: Emulator, user: str) -> View:
    stack = emu.wait_for(lambda: emu.modals(user), timeout=10, message="a modal")
    return stack[-1]


def test_every_request_delivered_twice_acts_once(live: tuple[Emulator, AppProcess]) -> None:
    emu, app = live
    emu.clear_problems()
    twice = Twice(emu, app)
    say = emu.slash_command

    # commands: answers only, then the ones that store or send something
    twice("help", lambda: say(ALICE, TEAM, "help"))
    twice("check <task>", lambda: say(ALICE, TEAM, "check write the migration for the launch"))
    twice("checkin on", lambda: say(ALICE, TEAM, "checkin on monday 9:30"))
    twice("checkin skip", lambda: say(ALICE, TEAM, "checkin skip"))
    twice("checkin now", lambda: say(ALICE, TEAM, "checkin now"))
    twice("history", lambda: say(ALICE, TEAM, "history"))
    twice("privacy", lambda: say(ALICE, TEAM, "privacy"))

    # the check-in DM: Start → modal → submit
    prompt = newest_dm(emu, ALICE, "Start check-in")
    twice("click checkin_start", lambda: emu.click(ALICE, prompt, "checkin_start"))
    modal = front_modal(emu, ALICE)
    twice("submit check-in", lambda: emu.submit_view(ALICE, modal, CHECKIN_ANSWERS))

    # the assess modal
    twice("assess", lambda: say(BOB, TEAM, "assess"))
    assess = front_modal(emu, BOB)
    twice("submit assess", lambda: emu.submit_view(BOB, assess, ASSESS_ANSWERS))

    # buttons on ephemeral answers, and the checklist
    say(BOB, TEAM, "ladder")
    twice(
        "click topic_share",
        lambda: emu.click(BOB, newest_ephemeral(emu, BOB, TEAM, "topic_share"), "topic_share"),
    )
    say(BOB, TEAM, "check")
    step = newest_ephemeral(emu, BOB, TEAM, "cp_answer")
    twice("click cp_answer", lambda: emu.click(BOB, step, "cp_answer:no"))

    # the message shortcut
    emu.post_as_user(BOB, TEAM, "Can you write the migration for Friday's launch?")
    ts = emu.messages(TEAM)[-1].ts
    twice("shortcut", lambda: emu.message_shortcut(ALICE, TEAM, ts, "critical_path_check"))

    # events: App Home opened, a profile change
    twice("app_home_opened", lambda: emu.open_home(ALICE))
    twice("user_change", lambda: emu.update_user(ALICE, tz="Europe/Lisbon"))

    # forgetting: the confirmation button deletes and says so once
    twice("forget me", lambda: say(BOB, TEAM, "forget me"))
    confirm = newest_ephemeral(emu, BOB, TEAM, "forget_confirm")
    twice("click forget_confirm", lambda: emu.click(BOB, confirm, "forget_confirm"))

    assert len(twice.checked) == 18
    emu.assert_no_problems()


# -- the guard on its own ---------------------------------------------------------------------


def _request(body: dict[str, object], *, signed_with: str | None = None) -> BoltRequest:
    if signed_with is None:
        return BoltRequest(mode="socket_mode", body=body)
    raw = urlencode({k: str(v) for k, v in body.items()})
    return BoltRequest(
        body=raw,
        headers=signed_headers(signed_with, raw.encode()),
        mode="http",
    )


def test_the_key_is_what_slack_keeps_across_retries() -> None:
    assert request_key({"type": "event_callback", "event_id": "Ev1"}) == "event:Ev1"
    assert request_key({"command": "/pendulum", "trigger_id": "1.2"}) == "command:1.2"
    assert request_key({"type": "block_actions", "trigger_id": "3.4"}) == "block_actions:3.4"
    assert request_key({"type": "view_closed", "view": {"id": "V1"}}) == "view_closed:V1"
    assert request_key({"type": "url_verification", "challenge": "x"}) is None


def test_a_repeat_gets_the_first_answer_without_running_again() -> None:
    once = Redeliveries(None)
    runs: list[str] = []

    def dispatch(req: BoltRequest) -> BoltResponse:
        runs.append(str(req.body["text"]))
        return BoltResponse(status=200, body=f"answer {len(runs)}")

    body = {"command": "/pendulum", "trigger_id": "1.2", "text": "help"}
    first = once.around(_request(body), dispatch)
    again = once.around(_request(body), dispatch)
    assert runs == ["help"] and again.body == first.body == "answer 1"


def test_a_repeat_while_the_first_still_runs_waits_for_it() -> None:
    once = Redeliveries(None, wait=5.0)
    started, release = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow(req: BoltRequest) -> BoltResponse:
        runs.append(1)
        started.set()
        release.wait(5)
        return BoltResponse(status=200, body="done")

    body = {"type": "event_callback", "event_id": "Ev9"}
    answers: list[BoltResponse] = []
    first = threading.Thread(target=lambda: answers.append(once.around(_request(body), slow)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: answers.append(once.around(_request(body), slow)))
    second.start()
    time.sleep(0.1)
    release.set()
    first.join(5)
    second.join(5)
    assert runs == [1] and [a.body for a in answers] == ["done", "done"]


def test_a_failed_first_lets_the_retry_run() -> None:
    once = Redeliveries(None)
    statuses = iter([500, 200])

    def flaky(req: BoltRequest) -> BoltResponse:
        return BoltResponse(status=next(statuses), body="")

    body = {"command": "/pendulum", "trigger_id": "5.6", "text": "help"}
    assert once.around(_request(body), flaky).status == 500
    assert once.around(_request(body), flaky).status == 200


def test_a_forged_copy_of_a_real_request_learns_nothing() -> None:
    secret = "emulator-secret"
    once = Redeliveries(secret)
    body = {"command": "/pendulum", "trigger_id": "7.8", "text": "history"}

    def bolt(req: BoltRequest) -> BoltResponse:  # Bolt refuses a bad signature itself
        good = (
            req.headers.get("x-slack-signature", [""])[0]
            == signed_headers(
                secret,
                req.raw_body.encode(),
                now=float(req.headers["x-slack-request-timestamp"][0]),
            )["X-Slack-Signature"]
        )
        return (
            BoltResponse(status=200, body="your history")
            if good
            else BoltResponse(status=401, body="")
        )

    assert once.around(_request(body, signed_with=secret), bolt).body == "your history"
    forged = once.around(_request(body, signed_with="not-the-secret"), bolt)
    assert forged.status == 401 and forged.body != "your history"


def test_a_repeat_after_a_restart_is_acked_without_running(tmp_path: Path) -> None:
    store = open_test_store(tmp_path, "p.db")
    clock = FakeClock(datetime(2026, 11, 22, 9, tzinfo=UTC))
    runs: list[int] = []

    def dispatch(req: BoltRequest) -> BoltResponse:
        runs.append(1)
        return BoltResponse(status=200, body="exported")

    body = {"command": "/pendulum", "trigger_id": "9.9", "text": "export", "team_id": "T1"}
    before = Redeliveries(None, durable=DurableKeys(store, clock))
    assert before.around(_request(body), dispatch).body == "exported"
    after = Redeliveries(None, durable=DurableKeys(store, clock))  # a new process: no memory
    again = after.around(_request(body), dispatch)
    assert runs == [1] and again.status == 200 and again.body == ""
    keys = [r[0] for r in store.db.execute("SELECT key FROM processed_requests").fetchall()]
    assert keys == ["slack:command:9.9"]
    store.close()


def test_a_failed_first_leaves_no_durable_key(tmp_path: Path) -> None:
    store = open_test_store(tmp_path, "p.db")
    clock = FakeClock(datetime(2026, 11, 22, 9, tzinfo=UTC))
    statuses = iter([500, 200])

    def flaky(req: BoltRequest) -> BoltResponse:
        return BoltResponse(status=next(statuses), body="")

    body = {"command": "/pendulum", "trigger_id": "5.7", "text": "help", "team_id": "T1"}
    assert (
        Redeliveries(None, durable=DurableKeys(store, clock)).around(_request(body), flaky).status
        == 500
    )
    assert (
        Redeliveries(None, durable=DurableKeys(store, clock)).around(_request(body), flaky).status
        == 200
    )
    store.close()


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database is locked"),
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
    ],
    ids=["sqlite", "postgresql"],
)
def test_a_key_the_database_cannot_take_leaves_the_guard_to_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """Either backend's "busy" (SQLite's lock, PostgreSQL's lock timeout) must not fail the
    request: Slack would see no ack. Memory still guards the retries."""
    store = open_test_store(tmp_path, "p.db")
    clock = FakeClock(datetime(2026, 11, 22, 9, tzinfo=UTC))

    def busy(*args: object) -> bool:
        raise error

    monkeypatch.setattr(redelivery.request_keys, "first_time", busy)
    guard = Redeliveries(None, durable=DurableKeys(store, clock))
    body = {"command": "/pendulum", "trigger_id": "4.2", "text": "help", "team_id": "T1"}
    runs: list[int] = []

    def dispatch(req: BoltRequest) -> BoltResponse:
        runs.append(1)
        return BoltResponse(status=200, body="help")

    assert guard.around(_request(body), dispatch).body == "help"
    assert guard.around(_request(body), dispatch).status == 200  # the retry: acked, not run
    assert runs == [1]
