"""Scheduled nudges end to end: the real app (`pendulum-bot run`, Socket Mode) against the
local Slack emulator, its clock moved forward to each send (the tick runs every 0.2 s).

* channel tips: subscribe → the tip at 09:30 local → "Read more" → a new tip each week →
  removed from the channel → paused, the owner told once;
* a 02:30 tip on New York's spring-forward Sunday goes out at 03:30 local;
* a manager's week: focus blocks, the Monday nudge, career milestones (once);
* SIGKILL in the middle of a fan-out, restart on the same database: one DM per person;
* a 429/503 storm with Slack's rate limits on: one message per recipient.

DST in the other zones, rotation over a whole cycle, missed sends after an outage, and every
command's edge cases are covered without a subprocess in tests/unit/test_*_handlers.py and
tests/unit/test_nudge_dst.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from blockkit.validate import message_problems
from slack_emulator import Emulator, User
from slack_emulator.models import Ephemeral, Message
from tests.support.databases import RESTART_ENV, after_a_kill
from tests.support.harness import (
    ALICE,
    BOB,
    NOBOT,
    TEAM,
    AppProcess,
    start_app,
)


def query(app: AppProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return app.query(sql, params)


def move_clock_to(app: AppProcess, instant: datetime) -> None:
    """Set the app's clock to `instant` (plus a second)."""
    app.advance_clock((instant - datetime.now(UTC)).total_seconds() - app.clock_offset + 1)


def text_of(item: Message | Ephemeral) -> str:
    return f"{item.text} {item.blocks}"


def said_privately(emu: Emulator, user: str, needle: str) -> Ephemeral:
    def found() -> Ephemeral | None:
        return next((e for e in reversed(emu.ephemerals(user=user)) if needle in text_of(e)), None)

    answer: Ephemeral | None = emu.wait_for(
        found, timeout=10, message=f"an answer to {user} with {needle!r}"
    )
    assert answer is not None
    return answer


def ours(emu: Emulator, conversation: str, kind: str | None = None) -> list[str]:
    """Delivery keys of the app's scheduled messages in a conversation (from metadata)."""
    keys = [
        str(m.metadata["event_payload"]["key"])
        for m in emu.messages(conversation)
        if m.metadata and m.metadata.get("event_type") == "pendulum_delivery"
    ]
    return [k for k in keys if kind is None or k.split(":")[1] == kind]


def wait_count(
    emu: Emulator, conversation: str, kind: str, count: int, timeout: float = 15
) -> None:
    emu.wait_for(
        lambda: len(ours(emu, conversation, kind)) >= count,
        timeout=timeout,
        message=f"{count} {kind} message(s) in {conversation}",
    )


def messages_with(emu: Emulator, conversation: str, needle: str) -> list[Message]:
    return [m for m in emu.messages(conversation) if needle in text_of(m)]


def quiet(seconds: float = 1.0) -> None:
    """Let a few ticks pass (to show that nothing more happens)."""
    time.sleep(seconds)


def assert_valid(message: Message) -> None:
    assert message_problems({"text": message.text, "blocks": message.blocks}) == []


# -- channel tips ------------------------------------------------------------------------------
def test_channel_tip_end_to_end(emu: Emulator, app: AppProcess) -> None:
    emu.slash_command(ALICE, TEAM, "remind")
    said_privately(emu, ALICE, "gets a weekly tip Mondays at 09:30, America/New_York time")
    ((weekday, local_time, tz, owner, due_text),) = query(
        app, "SELECT weekday, local_time, tz, owner_user_id, next_due_at FROM schedules"
    )
    assert (weekday, local_time, tz, owner) == (0, "09:30", "America/New_York", ALICE)
    due = datetime.fromisoformat(due_text)
    local = due.astimezone(ZoneInfo(tz))
    assert (local.weekday(), local.strftime("%H:%M")) == (0, "09:30")

    # a channel the app is not in: said at once, with the fix; nothing stored
    emu.slash_command(ALICE, TEAM, f"remind <#{NOBOT}|random>")
    said_privately(emu, ALICE, "/invite @Pendulum")
    assert query(app, "SELECT count(*) FROM schedules") == [(1,)]

    move_clock_to(app, due - timedelta(minutes=5))
    quiet()
    assert ours(emu, TEAM) == []
    move_clock_to(app, due)
    wait_count(emu, TEAM, "tip", 1)
    (tip,) = messages_with(emu, TEAM, "Tip of the week")
    assert_valid(tip)
    emu.wait_for(
        lambda: (
            query(app, "SELECT status, due_at FROM deliveries WHERE kind = 'tip'")
            == [("sent", due_text)]
        ),
        timeout=5,
        message="the tip recorded as sent, for its due time",
    )

    # "Read more" opens the topic for whoever clicks, privately
    buttons = [e for b in tip.blocks if b["type"] == "actions" for e in b["elements"]]
    if buttons:
        emu.click(BOB, tip, "topic_open", buttons[0]["value"])
        said_privately(emu, BOB, "Share in channel")

    # two more weeks, two more tips, no repeats
    for week in (1, 2):
        move_clock_to(app, due + timedelta(weeks=week))
        wait_count(emu, TEAM, "tip", week + 1)
    picks = [r[0] for r in query(app, "SELECT item_id FROM rotation_picks ORDER BY period")]
    assert len(picks) == 3 and len(set(picks)) == 3

    # removed from the channel: paused, and Alice is told once
    emu.set_bot_member(TEAM, False)
    for week in (3, 4):
        move_clock_to(app, due + timedelta(weeks=week))
        emu.wait_for(
            lambda: messages_with(emu, ALICE, "couldn't deliver"), timeout=10, message="notice"
        )
        quiet(0.6)
    assert query(app, "SELECT paused_reason, next_due_at FROM schedules") == [
        ("not_in_channel", None)
    ]
    (notice,) = messages_with(emu, ALICE, "couldn't deliver")
    assert "/invite @Pendulum" in notice.text and f"<#{TEAM}>" in notice.text
    assert len(ours(emu, TEAM, "tip")) == 3


def next_spring_forward(tz: str, after: datetime) -> datetime:
    """The first instant (UTC) after `after` when the zone's UTC offset jumps forward."""
    zone = ZoneInfo(tz)
    hour = after.replace(minute=0, second=0, microsecond=0)
    while True:
        later = hour + timedelta(hours=1)
        before, then = hour.astimezone(zone).utcoffset(), later.astimezone(zone).utcoffset()
        if before is not None and then is not None and then > before:
            return later
        hour = later


def test_a_0230_tip_on_spring_forward_goes_out_at_0330(emu: Emulator, app: AppProcess) -> None:
    tz = "America/New_York"  # Alice's zone
    jump = next_spring_forward(tz, datetime.now(UTC))  # 02:00 local becomes 03:00
    sunday = jump.astimezone(ZoneInfo(tz)).date()
    move_clock_to(app, jump - timedelta(days=4))
    emu.slash_command(ALICE, TEAM, "remind sunday 02:30")
    said_privately(emu, ALICE, "Sundays at 02:30")
    expected = datetime.combine(sunday, datetime.min.time(), ZoneInfo(tz)).replace(
        hour=3, minute=30
    )
    ((due_text,),) = query(app, "SELECT next_due_at FROM schedules")
    assert datetime.fromisoformat(due_text) == expected.astimezone(UTC)

    move_clock_to(app, expected - timedelta(minutes=2))
    quiet()
    assert ours(emu, TEAM) == []
    move_clock_to(app, expected)
    wait_count(emu, TEAM, "tip", 1)
    quiet()
    assert len(ours(emu, TEAM, "tip")) == 1


# -- a manager's week --------------------------------------------------------------------------
def test_focus_blocks_monday_nudge_and_milestones(emu: Emulator, app: AppProcess) -> None:
    emu.slash_command(BOB, TEAM, "focus set tue,thu 09:00-11:00")
    said_privately(emu, BOB, "Tuesdays and Thursdays, 09:00–11:00")
    # Bob (Berlin) was assessed 200 days ago: 1.5 years managing, 30 months since hands-on
    # work. By now he has passed two years of managing and three years away from hands-on.
    ((team_id,),) = query(app, "SELECT DISTINCT team_id FROM schedules")
    assessed = datetime.now(UTC) - timedelta(days=200)
    app.execute(
        "INSERT INTO assessments (team_id, user_id, role, years_engineering, years_managing,"
        " months_since_hands_on, goal, created_at) VALUES (?, ?, 'em', 8, 1.5, 30, 'stay', ?)",
        (team_id, BOB, assessed.isoformat()),
    )
    emu.slash_command(BOB, TEAM, "nudge on")
    said_privately(emu, BOB, "one-time note when you pass a milestone")
    ((monday_text,),) = query(app, "SELECT next_due_at FROM schedules WHERE kind = 'nudge'")
    monday = datetime.fromisoformat(monday_text)
    berlin = monday.astimezone(ZoneInfo("Europe/Berlin"))
    assert (berlin.weekday(), berlin.strftime("%H:%M")) == (0, "09:00")

    move_clock_to(app, monday)
    wait_count(emu, BOB, "nudge", 1)
    wait_count(emu, BOB, "milestone", 2)
    (nudge,) = messages_with(emu, BOB, "keep your hands warm")
    assert_valid(nudge)
    assert "Book 2 of them" not in text_of(nudge)  # he has focus blocks
    tour = messages_with(emu, BOB, "tour of duty")
    fading = messages_with(emu, BOB, "A hands-off milestone")
    assert len(tour) == 1 and len(fading) == 1
    for message in (*tour, *fading):
        assert_valid(message)
    emu.click(BOB, tour[0], "topic_open", "tour")
    said_privately(emu, BOB, "Share in channel")

    tuesday = monday + timedelta(days=1)
    move_clock_to(app, tuesday)
    emu.wait_for(lambda: messages_with(emu, BOB, "Focus block on"), timeout=10, message="focus")
    (block,) = messages_with(emu, BOB, "Focus block on")
    assert "until 11:00" in block.text and "Leave for later" in text_of(block)
    assert_valid(block)

    move_clock_to(app, monday + timedelta(weeks=1))
    wait_count(emu, BOB, "nudge", 2)
    quiet()
    assert len(ours(emu, BOB, "milestone")) == 2  # milestones are once only


# -- crashes and storms ------------------------------------------------------------------------
def add_managers(emu: Emulator, count: int, tz: str = "Europe/Berlin") -> list[str]:
    users = [f"U0MGR{i:03d}" for i in range(count)]
    for user in users:
        emu.add_user(User(id=user, name=user.lower(), real_name=user, tz=tz))
    return users


def enrol_nudges(emu: Emulator, app: AppProcess, users: list[str]) -> datetime:
    for user in users:
        delivery = emu.slash_command(user, None, "nudge on")
        assert delivery.acked
    emu.wait_for(
        lambda: (
            query(app, "SELECT count(*) FROM schedules WHERE kind = 'nudge'") == [(len(users),)]
        ),
        timeout=15,
        message="every nudge schedule",
    )
    ((due_text,),) = query(app, "SELECT DISTINCT next_due_at FROM schedules WHERE kind = 'nudge'")
    return datetime.fromisoformat(due_text)


def test_kill_during_a_fan_out_then_restart_one_dm_each(
    emu: Emulator, app: AppProcess, tmp_path: Path
) -> None:
    users = add_managers(emu, 24)
    due = enrol_nudges(emu, app, users)
    move_clock_to(app, due)
    # the engine paces DMs at the workspace cap (a burst of 10, then 5/s): kill mid-way
    emu.wait_for(
        lambda: sum(len(ours(emu, u)) for u in users) >= 11,
        timeout=15,
        interval=0.005,
        message="the fan-out under way",
    )
    app.kill()
    delivered = sum(len(ours(emu, u)) for u in users)
    assert delivered < len(users), "the fan-out finished before the kill"

    restarted = start_app(emu, app.workdir, clock_offset=app.clock_offset, extra_env=RESTART_ENV)
    try:
        emu.wait_for(
            lambda: all(ours(emu, u) for u in users),
            timeout=after_a_kill(20),
            message="a nudge for everyone",
        )
        quiet()
        for user in users:
            assert len(ours(emu, user)) == 1, user
        statuses = query(app, "SELECT DISTINCT status FROM deliveries WHERE kind = 'nudge'")
        assert statuses == [("sent",)]
    finally:
        restarted.stop()


def test_429_and_503_storm_everyone_gets_exactly_one(emu: Emulator, app: AppProcess) -> None:
    users = add_managers(emu, 8)
    emu.slash_command(ALICE, TEAM, "remind monday 09:00 Europe/Berlin")
    said_privately(emu, ALICE, "Mondays at 09:00, Europe/Berlin time")
    due = enrol_nudges(emu, app, users)
    emu.rate_limits(True, post_per_second=1, post_burst=2, workspace_per_minute=120)
    # seed 4: the first draws are 429, 429, 503, 429, 429, lost (posted, but answered 503)
    emu.faults("chat.postMessage", p429=0.3, p503=0.1, p_lost=0.1, retry_after=1, seed=4)
    move_clock_to(app, due)
    emu.wait_for(
        lambda: all(ours(emu, u) for u in users) and ours(emu, TEAM),
        timeout=40,
        message="every nudge and the tip through the storm",
    )
    quiet()
    for user in users:
        assert len(ours(emu, user)) == 1, user
    assert len(ours(emu, TEAM)) == 1
    assert query(app, "SELECT DISTINCT status FROM deliveries") == [("sent",)]
    statuses = {c.status for c in emu.calls_to("chat.postMessage")}
    assert {429, 503} <= statuses  # the storm really happened
    assert emu.calls_to("conversations.history")  # a 503 is checked before sending again
