"""Fault: another process locks the database for 10 seconds (an operator's `sqlite3` or
`psql` shell in a long transaction, a backup tool). The real app runs as a subprocess against
the emulator.

While the lock is held every request is still acked within Slack's 3 seconds, with its answer
or a friendly "try again"; nothing is lost (check-ins that fall due during the lock go out
afterwards, exactly once); and once the lock is gone the app works again by itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.workspace import add_users, seed_checkins, tally, user_ids
from bot.store.location import is_postgres_url
from bot.store.postgres import NAMESPACE, WRITE_LOCK
from slack_emulator import Emulator
from slack_emulator.delivery import Delivery
from tests.support.databases import database_for
from tests.support.harness import ALICE, BOB, TEAM, AppProcess, make_emulator, start_app

LOCK_SECONDS = 120.0  # at most; the lock is released as soon as the test is done with it
HOLDER = """
import select, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
conn.execute("UPDATE schedules SET updated_at = updated_at WHERE id = -1")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))  # until told, however busy the machine
conn.execute("COMMIT")
print("released", flush=True)
"""
# PostgreSQL: a transaction holding the store's write lock (what every write queues on) and
# every table's rows (a `LOCK TABLE` in an operator's psql session)
POSTGRES_HOLDER = f"""
import select, sys
import psycopg
with psycopg.connect(sys.argv[1]) as conn:
    conn.execute("SELECT pg_advisory_xact_lock({NAMESPACE}, {WRITE_LOCK})")
    conn.execute("LOCK TABLE schedules, checkins, deliveries IN EXCLUSIVE MODE")
    print("locked", flush=True)
    select.select([sys.stdin], [], [], float(sys.argv[2]))
print("released", flush=True)
"""


@contextmanager
def database_locked(location: str, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the write lock while this block runs (at most `seconds`)."""
    script = POSTGRES_HOLDER if is_postgres_url(location) else HOLDER
    holder = subprocess.Popen(
        [sys.executable, "-c", script, location, str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.write("release\n")
        holder.stdin.close()
        holder.wait(seconds + 10)


CHECKIN_ANSWERS = {
    "hands_on": {"value": "5to10"},
    "critical_path": {"value": "no"},
    "focus_blocks": {"value": "3"},
    "energy": {"value": "70"},
}


def query(app: AppProcess, sql: str) -> list[tuple[object, ...]]:
    return app.query(sql)


def answer_text(emu: Emulator, delivery: Delivery, user: str, since: float) -> str:
    """Everything the user was shown for this request: the ack, then anything sent privately
    (response_url, ephemeral, DM) after it."""
    shown = [json.dumps(delivery.ack or {})]
    shown += [json.dumps(p.body) for p in emu.response_posts if p.time >= since]
    shown += [f"{e.text} {e.blocks}" for e in emu.ephemerals(user=user) if float(e.ts) >= since]
    shown += [f"{m.text} {m.blocks}" for m in emu.messages(user) if float(m.ts) >= since]
    return "\n".join(shown)


def healthz(app: AppProcess) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{app.port}/healthz", timeout=5) as reply:
        return dict(json.loads(reply.read()))


@pytest.fixture
def crowd() -> list[str]:
    return user_ids(30, prefix="U0DUE")


def test_a_database_locked_for_10s_by_another_process(tmp_path: Path, crowd: list[str]) -> None:
    workdir = tmp_path / "app"
    with make_emulator() as emu:
        add_users(emu, crowd)
        # 30 check-ins due next week: the clock jumps there while the lock is held
        seed_checkins(database_for(workdir), crowd, now=None)
        app = start_app(emu, workdir)
        try:
            # last week's check-ins (due a minute ago) go out first, as a baseline
            emu.wait_for(lambda: tally(emu, crowd).delivered == len(crowd), timeout=30)
            # Alice is enrolled, and has this week's check-in open in a modal
            emu.slash_command(ALICE, TEAM, "checkin on")
            emu.slash_command(ALICE, TEAM, "checkin now")
            prompt = emu.wait_for(
                lambda: [m for m in emu.messages(ALICE) if "checkin_start" in str(m.blocks)],
                timeout=10,
            )[-1]
            emu.click(ALICE, prompt, "checkin_start")
            modal = emu.wait_for(lambda: emu.modals(ALICE), timeout=10)[-1]

            requests = [
                (ALICE, "help"),
                (ALICE, "check write the migration for Friday's launch"),
                (ALICE, "history"),
                (ALICE, "checkin"),
                (ALICE, "checkin skip"),
                (BOB, "checkin on"),
                (BOB, "assess"),
                (ALICE, "privacy"),
            ]
            answered: list[tuple[str, str, Delivery, float]] = []
            with database_locked(app.db_location, LOCK_SECONDS) as holder:
                app.advance_clock(7 * 24 * 3600)  # next week's check-ins fall due now
                for user, text in requests:
                    since = time.time()
                    delivery = emu.slash_command(user, TEAM, text)
                    answered.append((user, text, delivery, since))
                    assert delivery.acked and delivery.ok, f"{text!r} not acked in 3 s"
                # submitting the modal: the answers stay on screen with a "submit again"
                submitted = emu.submit_view(ALICE, modal, CHECKIN_ANSWERS)
                assert submitted.ok, "the modal submission was not acked in 3 s"
                assert "again" in " ".join(submitted.outcome.get("errors", {}).values())
                assert emu.modals(ALICE), "the modal closed: the answers were lost"
                assert holder.poll() is None, "the lock ended before the requests did"
            # every request got its answer or a friendly "try again", none an apology
            for user, text, delivery, since in answered:

                def shown(u: str = user, d: Delivery = delivery, s: float = since) -> str:
                    return answer_text(emu, d, u, s)

                text_shown = emu.wait_for(
                    lambda: len(shown()) > 2 and shown(), timeout=15, message=f"{text!r}"
                )
                assert "went wrong" not in text_shown, (text, text_shown)
            # nothing lost: next week's check-ins went out after the lock, once each
            emu.wait_for(
                lambda: all(n == 2 for n in _per_user(emu, crowd).values()),
                timeout=60,
                interval=0.5,
                message="next week's check-ins",
            )
            # and the app works again by itself: the same modal saves now
            saved = emu.submit_view(ALICE, modal)
            assert saved.outcome.get("closed"), saved.outcome
            assert query(app, "SELECT user_id, energy FROM checkins") == [(ALICE, 70)]
            after = emu.slash_command(ALICE, TEAM, "checkin skip")
            assert after.ok and "Skipping" in json.dumps(after.ack)
            assert healthz(app)["ok"] is True
        finally:
            app.stop()
        emu.assert_no_problems()


def _per_user(emu: Emulator, users: list[str]) -> dict[str, int]:
    from bench.workspace import delivery_keys

    return {u: sum(1 for k in delivery_keys(emu, u) if ":checkin:" in k) for u in users}
