"""The people cache end to end: the real app against the emulator, which only delivers the
events deploy/manifest.yml subscribes to. Someone who went on vacation before their check-in
is skipped because Slack told the app by event, not because the app asked at send time."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_emulator import Emulator, User
from tests.support.harness import ALICE, AppProcess
from tests.support.steps import enrol, move_clock_to, query, wait_dm


def due_of(app: AppProcess, user: str) -> datetime:
    ((due,),) = query(
        app, "SELECT next_due_at FROM schedules WHERE kind = 'checkin' AND target = ?", (user,)
    )
    return datetime.fromisoformat(due)


def wait_settled(emu: Emulator, app: AppProcess, user: str) -> str:
    def status() -> str | None:
        rows = query(
            app, "SELECT status FROM deliveries WHERE kind = 'checkin' AND target = ?", (user,)
        )
        return rows[0][0] if rows and rows[0][0] in ("sent", "skipped") else None

    return emu.wait_for(status, timeout=15, message="the week's check-in settled")


def test_a_status_set_before_the_send_skips_the_week_without_asking_slack(
    emu: Emulator, app: AppProcess
) -> None:
    enrol(emu)
    due = due_of(app, ALICE)
    move_clock_to(app, due - timedelta(minutes=30))
    emu.set_status(ALICE, "On vacation", ":palm_tree:")
    emu.wait_for(
        lambda: query(app, "SELECT away FROM people_cache WHERE user_id = ?", (ALICE,)) == [(1,)],
        timeout=10,
        message="the status event reached the people cache",
    )
    calls = len(emu.calls)
    move_clock_to(app, due)
    assert wait_settled(emu, app, ALICE) == "skipped"
    assert not [m for m in emu.messages(ALICE) if "Start check-in" in f"{m.text} {m.blocks}"]
    assert [c.method for c in emu.calls[calls:] if c.method.startswith("users.")] == []
    assert query(app, "SELECT status FROM checkins WHERE user_id = ?", (ALICE,)) == [("away",)]


def test_back_from_vacation_gets_the_next_check_in(emu: Emulator, app: AppProcess) -> None:
    enrol(emu)
    emu.set_status(ALICE, "On vacation", ":palm_tree:")
    emu.wait_for(
        lambda: query(app, "SELECT away FROM people_cache WHERE user_id = ?", (ALICE,)) == [(1,)],
        timeout=10,
        message="the status event reached the people cache",
    )
    emu.set_status(ALICE, "")
    emu.wait_for(
        lambda: query(app, "SELECT away FROM people_cache WHERE user_id = ?", (ALICE,)) == [(0,)],
        timeout=10,
        message="the cleared status reached the people cache",
    )
    move_clock_to(app, due_of(app, ALICE))
    wait_dm(emu, ALICE, "Start check-in")


def test_a_new_member_is_not_stored(emu: Emulator, app: AppProcess) -> None:
    delivery = emu.join(User("U0NEWHIRE", "newhire", tz="Europe/Paris"))
    assert delivery is not None and delivery.acked
    enrol(emu)  # a later request is handled after the event
    assert query(app, "SELECT count(*) FROM people_cache WHERE user_id = 'U0NEWHIRE'") == [(0,)]
