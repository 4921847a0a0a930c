"""A manager's calendar end to end: the real app (`pendulum-bot run`, Socket Mode) against the
local Slack emulator and a local feed server (tests/support/calendar_feeds.py).

connect via the form → "checking…" in the ack → the figures in the modal → `focus` shows
them → the Monday nudge names the real open stretches at 09:00 Berlin time → App Home has
the chart (an uploaded PNG) and the same figures as text → `calendar off` / `forget me`
leave nothing behind (the raw database file) → the operator export and the app's log never
hold the address. Bad feeds give the reason in the modal, with the form back to fix it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from blockkit.validate import message_problems, view_problems
from bot.store.sql import quote
from slack_emulator import Emulator
from slack_emulator.models import View
from tests.support.calendar_feeds import FeedServer, feed_server
from tests.support.databases import on_postgres, table_names
from tests.support.harness import BOB, TEAM, AppProcess, console_script

FEED_SECRET = "s3cr3t-private-token-0123456789"


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with feed_server() as server:
        yield server


def query(app: AppProcess, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return app.query(sql, params)


def text_of(item: Any) -> str:
    return f"{getattr(item, 'text', '')} {getattr(item, 'blocks', '')}"


def feed_url(feeds: FeedServer, name: str) -> str:
    # a secret-looking query string, as Google's and Outlook's private addresses carry
    return feeds.url(f"/feeds/{name}?token={FEED_SECRET}")


def open_form(emu: Emulator, user: str = BOB) -> View:
    before = len(emu.modals(user))
    delivery = emu.slash_command(user, TEAM, "calendar")
    assert delivery.acked and delivery.latency is not None and delivery.latency < 3.0
    modal: View = emu.wait_for(
        lambda: len(emu.modals(user)) > before and emu.modals(user)[-1],
        timeout=10,
        message="the calendar form",
    )
    assert view_problems(modal.spec) == []
    return modal


def submit(emu: Emulator, modal: View, address: str, goal: str = "8") -> Any:
    return emu.submit_view(
        BOB, modal, {"calendar_feed": {"value": address}, "calendar_goal": {"value": goal}}
    )


def wait_view(emu: Emulator, view_id: str, needle: str) -> View:
    def found() -> View | None:
        view = emu.view(view_id)
        return view if needle in str(view.spec) else None

    view: View = emu.wait_for(found, timeout=20, message=f"the modal showing {needle!r}")
    assert view_problems(view.spec) == []
    return view


def connect(emu: Emulator, feeds: FeedServer, name: str = "manager_week.ics") -> View:
    modal = open_form(emu)
    delivery = submit(emu, modal, feed_url(feeds, name))
    assert delivery.latency is not None and delivery.latency < 3.0
    updated = delivery.outcome.get("updated")
    assert updated == modal.id
    return wait_view(emu, modal.id, "Your calendar is connected")


def move_clock_to(app: AppProcess, instant: datetime) -> None:
    app.advance_clock((instant - datetime.now(UTC)).total_seconds() - app.clock_offset + 1)


def next_monday_9_berlin(app: AppProcess) -> datetime:
    berlin = ZoneInfo("Europe/Berlin")
    now = (datetime.now(UTC) + timedelta(seconds=app.clock_offset)).astimezone(berlin)
    today = datetime.combine(now.date(), datetime.min.time().replace(hour=9), tzinfo=berlin)
    if now.weekday() == 0 and now < today:
        return today
    monday = (now + timedelta(days=7 - now.weekday())).date()
    return datetime.combine(monday, datetime.min.time().replace(hour=9), tzinfo=berlin)


def said_privately(emu: Emulator, user: str, needle: str) -> Any:
    def found() -> Any:
        return next((e for e in reversed(emu.ephemerals(user=user)) if needle in text_of(e)), None)

    return emu.wait_for(
        found,
        timeout=10,
        message=f"an answer with {needle!r}",
    )


def raw_database(app: AppProcess) -> bytes:
    """Every byte of the database, its WAL included (deleted rows may linger in either), once
    SQLite has checkpointed the WAL (as it does on its own). PostgreSQL's files are the
    server's: there, every row of every table."""
    if on_postgres():
        rows = [app.query(f"SELECT * FROM {quote(t)}") for t in table_names(app.db_location)]
        return repr(rows).encode()
    query(app, "PRAGMA wal_checkpoint(TRUNCATE)")
    data = b""
    for suffix in ("", "-wal"):
        path = Path(str(app.db_path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data


# -- connecting ------------------------------------------------------------------------------
def test_connect_shows_the_week_and_focus_repeats_it(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    done = connect(emu, feeds)
    text = str(done.spec)
    assert "Focus this week" in text and "against your goal of 8 h" in text
    assert "Meetings:" in text and "Fragmented:" in text
    assert FEED_SECRET not in text
    ((tz, days, start, end, goal, outcome),) = query(
        app,
        "SELECT tz, work_days, work_start, work_end, goal_hours, fetch_outcome FROM calendars",
    )
    assert (tz, days, start, end, goal, outcome) == (
        "Europe/Berlin",
        "0,1,2,3,4",
        "09:00",
        "17:00",
        8.0,
        "ok",
    )
    # eight weeks of history and next week, measured
    assert query(app, "SELECT count(*) FROM calendar_weeks") == [(9,)]

    # App Home: the chart as an uploaded PNG, and the same figures as text
    home = emu.wait_for(
        lambda: (
            (h := emu.home(BOB)) is not None and "Focus and meetings, last" in str(h.spec) and h
        ),
        timeout=15,
        message="App Home with the calendar",
    )
    assert view_problems(home.spec) == []
    (image,) = [b for b in home.spec["blocks"] if b.get("type") == "image"]
    png = emu.uploaded(image["slack_file"]["id"])
    assert png is not None and png.startswith(b"\x89PNG")
    assert "meetings 32.5 h" in image["alt_text"]
    assert "meetings 32.5 h" in str(home.spec)  # as text for screen readers, too

    emu.slash_command(BOB, TEAM, "focus")
    answer = said_privately(emu, BOB, "Focus this week")
    assert "32.5 h" in text_of(answer)  # the week's meetings, whatever day it is
    assert message_problems({"text": answer.text, "blocks": answer.blocks}) == []
    assert FEED_SECRET not in app.logs()


def test_a_page_that_is_not_a_calendar_gives_the_reason_in_the_form(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    modal = open_form(emu)
    delivery = submit(emu, modal, feed_url(feeds, "not_a_calendar.html"))
    assert delivery.outcome.get("updated") == modal.id
    again = wait_view(emu, modal.id, "doesn't lead to a calendar feed")
    assert again.spec.get("callback_id") == "calendar_modal"  # the form, to fix the address
    assert "submit" in again.spec
    assert FEED_SECRET not in str(again.spec)
    assert query(app, "SELECT count(*) FROM calendars") == [(0,)]  # nothing saved
    # fixed: the same modal connects
    delivery = submit(emu, again, feed_url(feeds, "manager_week.ics"))
    wait_view(emu, modal.id, "Your calendar is connected")
    assert FEED_SECRET not in app.logs()


def test_a_bad_address_is_an_inline_error_before_any_fetch(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    modal = open_form(emu)
    delivery = submit(emu, modal, "ftp://example.com/calendar.ics")
    assert "calendar_feed" in delivery.outcome.get("errors", {})
    assert feeds.requests == []


def test_a_slow_feed_answers_checking_then_updates(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    modal = open_form(emu)
    delivery = submit(emu, modal, feeds.url(f"/stall?token={FEED_SECRET}"))
    assert delivery.latency is not None and delivery.latency < 3.0
    assert delivery.outcome.get("updated") == modal.id
    assert "Checking" in str(emu.view(modal.id).spec)
    wait_view(emu, modal.id, "took too long")
    assert query(app, "SELECT count(*) FROM calendars") == [(0,)]
    assert FEED_SECRET not in app.logs()


# -- coaching with it ------------------------------------------------------------------------
def test_monday_nudge_names_the_open_stretches_at_nine_berlin_time(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    connect(emu, feeds)
    emu.slash_command(BOB, TEAM, "nudge on")
    said_privately(emu, BOB, "The Monday nudge is on")
    monday = next_monday_9_berlin(app)
    ((due,),) = query(app, "SELECT next_due_at FROM schedules WHERE kind = 'nudge'")
    assert datetime.fromisoformat(due) == monday.astimezone(UTC)
    move_clock_to(app, monday)
    nudge = emu.wait_for(
        lambda: next((m for m in emu.messages(BOB) if "Your week:" in text_of(m)), None),
        timeout=20,
        message="the Monday nudge",
    )
    text = text_of(nudge)
    assert "5.5 h of focus ahead, goal 8 h" in text
    assert "Tuesday 13:00–16:00 and Thursday 09:00–11:30 are still open" in text
    assert message_problems({"text": nudge.text, "blocks": nudge.blocks}) == []


def test_a_week_without_a_long_stretch_questions_the_heaviest_recurring_meeting(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    connect(emu, feeds, "packed_week.ics")
    emu.slash_command(BOB, TEAM, "nudge on")
    said_privately(emu, BOB, "The Monday nudge is on")
    move_clock_to(app, next_monday_9_berlin(app))
    nudge = emu.wait_for(
        lambda: next((m for m in emu.messages(BOB) if "Your week:" in text_of(m)), None),
        timeout=20,
        message="the Monday nudge",
    )
    text = text_of(nudge)
    assert "not one free stretch of 2 h" in text
    assert "*Office hours* (7.5 h)" in text


# -- forgetting ------------------------------------------------------------------------------
def test_calendar_off_forgets_the_feed_and_its_figures(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    connect(emu, feeds)
    emu.slash_command(BOB, TEAM, "calendar off")
    said_privately(emu, BOB, "Your calendar is disconnected")
    assert query(app, "SELECT count(*) FROM calendars") == [(0,)]
    assert query(app, "SELECT count(*) FROM calendar_weeks") == [(0,)]
    emu.slash_command(BOB, TEAM, "focus")
    answer = said_privately(emu, BOB, "focus blocks")
    assert "Focus this week" not in text_of(answer)


def test_forget_me_removes_the_feed_from_the_database_file(
    emu: Emulator, app: AppProcess, feeds: FeedServer
) -> None:
    connect(emu, feeds)
    emu.slash_command(BOB, TEAM, "privacy")
    listed = said_privately(emu, BOB, "`calendars`")
    assert "calendar feed address" in text_of(listed) and "`calendar_weeks`" in text_of(listed)
    assert FEED_SECRET.encode() in raw_database(app)  # stored plainly without a key

    emu.slash_command(BOB, TEAM, "forget me")
    confirm = said_privately(emu, BOB, "Delete everything")
    emu.click(BOB, confirm, "forget_confirm")
    emu.wait_for(
        lambda: any("deleted everything" in str(p) for p in emu.response_posts),
        timeout=10,
        message="the forget answer",
    )
    assert query(app, "SELECT count(*) FROM calendars") == [(0,)]
    assert query(app, "SELECT count(*) FROM calendar_weeks") == [(0,)]
    # deleted rows are overwritten (secure_delete), not left in free pages; once the WAL is
    # checkpointed (as SQLite does on its own), no byte of the address is left in the files
    assert FEED_SECRET.encode() not in raw_database(app)
    assert FEED_SECRET not in app.logs()


def test_the_operator_export_never_holds_the_feed(
    emu: Emulator, app: AppProcess, feeds: FeedServer, tmp_path: Path
) -> None:
    connect(emu, feeds)
    out = subprocess.run(
        [*console_script(), "export"],
        env={"PENDULUM_DB": app.db_location, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout.decode()
    document = json.loads(out)
    assert FEED_SECRET not in out
    (team,) = document["teams"].values()
    (row,) = team["calendars"]
    assert row["feed"] == "[redacted]" and row["events"] == "[redacted]"
    assert all(w["focus_hours"] == "[redacted]" for w in team["calendar_weeks"])


def test_with_a_key_the_address_is_encrypted_at_rest(
    emu: Emulator, feeds: FeedServer, tmp_path: Path
) -> None:
    from cryptography.fernet import Fernet

    from tests.support.harness import start_app

    key = Fernet.generate_key().decode()
    app = start_app(emu, tmp_path / "keyed", extra_env={"PENDULUM_SECRET_KEY": key})
    try:
        connect(emu, feeds)
        ((stored,),) = query(app, "SELECT feed FROM calendars")
        assert stored.startswith("fernet:")
        assert FEED_SECRET.encode() not in raw_database(app)
        assert b"Weekly sync" not in raw_database(app)  # the events are sealed too
        assert key not in app.logs()
    finally:
        app.stop()


def test_connecting_and_the_home_chart_work_in_http_mode(
    emu: Emulator, http_app: AppProcess, feeds: FeedServer
) -> None:
    done = connect(emu, feeds)
    assert "Focus this week" in str(done.spec)
    home = emu.wait_for(
        lambda: (h := emu.home(BOB)) is not None and "slack_file" in str(h.spec) and h,
        timeout=15,
        message="App Home with the chart",
    )
    (image,) = [b for b in home.spec["blocks"] if b.get("type") == "image"]
    assert (emu.uploaded(image["slack_file"]["id"]) or b"").startswith(b"\x89PNG")
    assert FEED_SECRET not in http_app.logs()
