"""The weekly check-in end to end: the real app (`pendulum-bot run`, Socket Mode) against the
local Slack emulator, with the app's clock moved forward to the next send.

enrol → clock/tick → the DM arrives → Start check-in → an invalid, then a valid submit → one
row stored → the follow-up DM → App Home published; and `forget me` leaves nothing behind.
"""

from __future__ import annotations

from datetime import datetime

from blockkit.validate import message_problems, view_problems
from slack_emulator import Emulator
from slack_emulator.models import Message
from tests.support.databases import table_names
from tests.support.harness import ALICE, BOB, TEAM, AppProcess
from tests.support.steps import enrol, move_clock_to, query, text_of, wait_dm, wait_ephemeral


def answer_checkin(emu: Emulator, app: AppProcess, prompt: Message) -> None:
    """Start check-in → an invalid, then a valid submit → one row → follow-up → App Home."""
    assert message_problems({"text": prompt.text, "blocks": prompt.blocks}) == []
    emu.click(ALICE, prompt, "checkin_start")
    modal = emu.wait_for(lambda: emu.modals(ALICE), timeout=10, message="the modal")[-1]
    assert view_problems(modal.spec) == []

    # an invalid answer: no hands-on work, yet on the critical path
    answers = {
        "hands_on": {"value": "none"},
        "critical_path": {"value": "yes"},
        "focus_blocks": {"value": "0"},
        "energy": {"value": "20"},
        "note": {"value": "Long week. <!channel>"},
    }
    delivery = emu.submit_view(ALICE, modal, answers)
    assert "critical_path" in delivery.outcome.get("errors", {})
    assert query(app, "SELECT count(*) FROM checkins") == [(0,)]

    # fixed, and submitted: one row, a follow-up DM, App Home published
    delivery = emu.submit_view(ALICE, modal, {"critical_path": {"value": "no"}})
    assert delivery.outcome.get("closed")
    rows = query(app, "SELECT user_id, hands_on, critical_path, focus_blocks, energy FROM checkins")
    assert rows == [(ALICE, "none", "no", 0, 20)]
    followup = wait_dm(emu, ALICE, "tank")
    assert "<!channel>" not in text_of(followup)
    home = emu.wait_for(
        lambda: (h := emu.home(ALICE)) is not None and "latest: 20%" in str(h.spec) and h,
        timeout=10,
        message="App Home with the new check-in",
    )
    assert view_problems(home.spec) == []
    # exactly one check-in DM, now updated to say thanks; nothing of Alice's in a channel
    dms = [text_of(m) for m in emu.messages(ALICE)]
    assert len([t for t in dms if "Checked in for the week" in t]) == 1
    assert not [t for t in dms if "Start check-in" in t]
    assert all("Long week" not in text_of(m) for m in emu.messages(TEAM))


def test_weekly_check_in_end_to_end(emu: Emulator, app: AppProcess) -> None:
    # enrol: opt-in, Friday 15:00 in Alice's Slack zone (America/New_York)
    enrol(emu)
    ((weekday, local_time, tz, due),) = query(
        app, "SELECT weekday, local_time, tz, next_due_at FROM schedules WHERE kind = 'checkin'"
    )
    assert (weekday, local_time, tz) == (4, "15:00", "America/New_York")
    # the clock reaches Friday 15:00 New York time: the tick sends one DM
    move_clock_to(app, datetime.fromisoformat(due))
    answer_checkin(emu, app, wait_dm(emu, ALICE, "Start check-in"))


def test_check_in_now_answered_end_to_end(emu: Emulator, app: AppProcess) -> None:
    enrol(emu)
    emu.slash_command(ALICE, TEAM, "checkin now")
    answer_checkin(emu, app, wait_dm(emu, ALICE, "Start check-in"))


def test_forget_me_end_to_end(emu: Emulator, app: AppProcess) -> None:
    for user in (ALICE, BOB):
        emu.slash_command(user, TEAM, "checkin on")
        wait_ephemeral(emu, user, "signed up")
    emu.slash_command(ALICE, TEAM, "checkin now")
    wait_dm(emu, ALICE, "Start check-in")

    emu.slash_command(ALICE, TEAM, "forget me")
    confirm = wait_ephemeral(emu, ALICE, "forget_confirm")
    emu.click(ALICE, confirm, "forget_confirm")
    emu.wait_for(
        lambda: any("deleted everything" in str(p) for p in emu.response_posts),
        timeout=10,
        message="the deletion confirmation",
    )

    left = []
    for table in table_names(app.db_location):
        for row in app.query(f'SELECT * FROM "{table}"'):
            if any(ALICE in str(v) for v in row if v is not None):
                left.append((table, row))
    assert left == []
    assert query(app, "SELECT count(*) FROM schedules WHERE owner_user_id = ?", (BOB,)) == [(1,)]
