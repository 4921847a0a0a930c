"""The workbench keeps its conversations beside the database, so a restart shows what the
database remembers; "Start over" empties conversations, database and clock together."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.config import Config
from tests.support.harness import free_port
from tests.support.workbench_steps import call, send, state, wait_for
from workbench import start_workbench
from workbench.conversations import conversations_path
from workbench.sample import ALICE


def texts(bench: object, user: str, where: str) -> str:
    return str(state(bench, user, where)["messages"])  # type: ignore[arg-type]


def test_conversations_survive_a_restart_and_start_over_empties_everything(
    tmp_path: Path,
) -> None:
    db = tmp_path / "pendulum.db"
    config = Config(port=free_port(), db_path=db)
    bench = start_workbench(config)
    try:
        send(bench, ALICE, "dm", "/pendulum checkin on")
        wait_for(bench, lambda: "signed up" in texts(bench, ALICE, "dm"))
        # the check-in goes out (Alice's sample calendar may have focus-start DMs before it;
        # each jump stops at the next send)
        for _ in range(10):
            status, jumped = call(bench, "/api/clock", {"action": "next"})
            assert status == 200, jumped
            if ("checkin", "sent") in {(o["kind"], o["status"]) for o in jumped["outcomes"]}:
                break
        else:
            raise AssertionError("the check-in was never sent")
        wait_for(bench, lambda: "Start check-in" in texts(bench, ALICE, "dm"))
        dm_id = bench.emu.dm_channel(ALICE)
    finally:
        bench.stop()
    assert conversations_path(db).is_file()

    bench = start_workbench(Config(port=free_port(), db_path=db))
    try:
        seen = texts(bench, ALICE, "dm")  # not "No messages yet"
        assert "signed up" in seen and "Start check-in" in seen
        assert bench.emu.dm_channel(ALICE) == dm_id
        assert bench.workbench.clock.offset > timedelta(0)  # resumed where the database was

        status, refused = call(bench, "/api/start-over", {})
        assert status == 400 and "confirm" in refused["error"]
        status, done = call(bench, "/api/start-over", {"confirm": True})
        assert status == 200 and done["ok"] is True, done
        assert state(bench, ALICE, "dm")["messages"] == []
        assert bench.workbench.clock.offset == timedelta(0)
        # the database is empty too: only what a first start seeds (the sample calendars'
        # focus DMs) is queued, and Alice's check-in is gone
        upcoming = state(bench, ALICE, "dm")["upcoming"]
        assert {u["kind"] for u in upcoming} <= {"calendar_focus"}, upcoming
        # and the app works on the fresh database
        send(bench, ALICE, "dm", "/pendulum checkin on")
        wait_for(bench, lambda: "signed up" in texts(bench, ALICE, "dm"))
        checkins = [u for u in state(bench, ALICE, "dm")["upcoming"] if u["kind"] == "checkin"]
        assert len(checkins) == 1
    finally:
        bench.stop()
