"""The calendar feature's wiring through its handlers: real Services (SQLite, prompts/, router)
with a stub Slack, a fake clock and the local feed server (tests/support/calendar_feeds.py).

Storage (sealed addresses, the hourly claim), the background refresh with conditional
requests, the check-in's pre-filled focus question, follow-ups from measured hours, the
person's own export, and configuration of the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from blockkit.validate import view_problems
from bot.calendar.fetch import FetchPolicy
from bot.calendar.model import WorkingHours
from bot.coaching.checkin_rules import (
    Checkin,
    questions_from,
)
from bot.coaching.focus_week import hours_text
from bot.coaching.followups import followups
from bot.config import ConfigError, load_config
from bot.features import calendar, calendar_sync, privacy
from bot.features.calendar_sync import CalendarRefresh, secret_box
from bot.store import calendars, personal
from bot.store.secret import SecretBox
from tests.support.calendar_feeds import FeedServer, feed_server
from tests.support.checkin_world import ALICE, TEAM, World, build_world

SECRET = "tok-9f8e7d6c5b4a"
LOCAL_FEEDS = FetchPolicy(allow_local=True, timeout_s=5)
UPDATES: list[dict[str, Any]] = []  # the views.update calls of the current test


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with feed_server() as server:
        yield server


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    UPDATES.clear()
    made = build_world(tmp_path, calendar_policy=LOCAL_FEEDS)
    made.slack.views_update = lambda **args: UPDATES.append(args) or {"ok": True}  # type: ignore[attr-defined]
    yield made
    UPDATES.clear()
    made.services.worker.drain(10)
    made.services.worker.shutdown()
    made.store.close()


def url(feeds: FeedServer, name: str = "manager_week.ics") -> str:
    return feeds.url(f"/feeds/{name}?key={SECRET}")


def connect(world: World, feeds: FeedServer, name: str = "manager_week.ics") -> dict[str, Any]:
    calendar.check_and_save(
        world.services,
        world.slack,  # type: ignore[arg-type]
        TEAM,
        ALICE,
        "V0CAL",
        url(feeds, name),
        WorkingHours.default(),
        8.0,
    )
    return UPDATES[-1]


# -- connecting ------------------------------------------------------------------------------
def test_connecting_saves_only_after_a_read_and_shows_the_week(
    world: World, feeds: FeedServer
) -> None:
    update = connect(world, feeds)
    assert update["view_id"] == "V0CAL"
    assert view_problems(update["view"]) == []
    shown = json.dumps(update["view"])
    assert "Focus this week: 5.5 h against your goal of 8 h" in shown
    assert SECRET not in shown
    cal = calendars.get(world.store, secret_box(world.services), TEAM, ALICE)
    assert cal is not None and cal.feed == url(feeds) and cal.fetch_outcome == "ok"
    assert cal.next_fetch_at == world.clock.now() + calendar_sync.REFRESH_EVERY


def test_a_failed_read_saves_nothing_and_puts_the_form_back(
    world: World, feeds: FeedServer
) -> None:
    update = connect(world, feeds, "not_a_calendar.html")
    assert update["view"]["callback_id"] == calendar.MODAL
    assert "doesn't lead to a calendar feed" in json.dumps(update["view"])
    assert calendars.get(world.store, secret_box(world.services), TEAM, ALICE) is None


# -- storage ---------------------------------------------------------------------------------
def test_a_sealed_address_reads_back_only_with_its_key(world: World, feeds: FeedServer) -> None:
    key = Fernet.generate_key().decode()
    world.restart(secret_key=key, calendar_policy=LOCAL_FEEDS)
    connect(world, feeds)
    ((stored, events),) = world.rows("SELECT feed, events FROM calendars")
    assert stored.startswith("fernet:") and SECRET not in stored
    assert "Weekly sync" not in events
    other = calendars.get(world.store, SecretBox(Fernet.generate_key().decode()), TEAM, ALICE)
    assert other is not None and other.feed is None and other.events == ()
    keyless = calendars.get(world.store, SecretBox(None), TEAM, ALICE)
    assert keyless is not None and keyless.feed is None


def test_a_feed_is_claimed_once_per_hour(world: World, feeds: FeedServer) -> None:
    connect(world, feeds)
    now = world.clock.now()
    assert not calendars.claim_fetch(world.store, TEAM, ALICE, now, now + timedelta(hours=1))
    later = now + timedelta(hours=1)
    assert calendars.claim_fetch(world.store, TEAM, ALICE, later, later + timedelta(hours=1))
    assert not calendars.claim_fetch(world.store, TEAM, ALICE, later, later + timedelta(hours=1))


def test_the_background_refresh_is_hourly_and_conditional(world: World, feeds: FeedServer) -> None:
    connect(world, feeds)
    refresh = CalendarRefresh(world.services)
    assert refresh() == 0  # read a moment ago
    world.clock.advance(timedelta(minutes=59))
    assert refresh() == 0
    world.clock.advance(timedelta(minutes=1))
    assert refresh() == 1
    assert refresh() == 0  # claimed: one fetch per feed per hour, however often the tick runs
    assert world.services.worker.drain(10)
    last = feeds.requests[-1]
    assert last.headers.get("If-None-Match") and last.headers.get("If-Modified-Since")
    ((outcome,),) = world.rows("SELECT fetch_outcome FROM calendars")
    assert outcome == "not_modified"
    assert len(feeds.requests) == 2


# -- the check-in ----------------------------------------------------------------------------
def test_the_check_in_pre_fills_focus_from_the_calendar(world: World, feeds: FeedServer) -> None:
    connect(world, feeds)
    world.action("checkin_start", "")
    (opened,) = world.slack.of("views.open")
    view = opened.args["view"]
    focus = next(b for b in view["blocks"] if b.get("block_id") == "focus_blocks")
    assert focus["element"]["initial_option"]["value"] == "2"  # Tuesday and Thursday stretches
    assert (
        "From your calendar: 2 stretches of 2 h or more kept free (5.5 h)" in focus["hint"]["text"]
    )
    assert view_problems(view) == []


def test_the_check_in_keeps_an_answer_already_given(world: World, feeds: FeedServer) -> None:
    connect(world, feeds)
    questions = questions_from(world.services.library.checkin)
    from bot.features.checkin_views import checkin_modal

    answered = Checkin("2026-W10", status="answered", focus_blocks=4)
    view = checkin_modal(
        questions,
        "2026-W10",
        answered,
        "Monday 2 March",
        (2, "hint"),
        strings=world.services.strings,
    )
    focus = next(b for b in view["blocks"] if b.get("block_id") == "focus_blocks")
    assert focus["element"]["initial_option"]["value"] == "4"


def test_follow_ups_use_the_measured_hours(world: World) -> None:
    rules = world.services.library.rules
    questions = questions_from(world.services.library.checkin)
    current = Checkin("2026-W10", status="answered", focus_blocks=3, energy=80)
    history = [Checkin("2026-W09", status="answered", focus_blocks=3, energy=80)]
    # the answers claim focus blocks; the calendar shows no stretch of 2 h in either week
    measured = {"2026-W10": 0.0, "2026-W09": 0.0}
    earned = [f.message_id for f in followups(current, history, rules, questions, measured, 8)]
    assert "followup-focus" in earned
    focus = next(f for f in followups(current, history, rules, questions, measured, 8))
    assert focus.extra["measured"] == "0 h" and focus.extra["goal"] == "8 h"
    # without a calendar the answers decide
    assert "followup-focus" not in [
        f.message_id for f in followups(current, history, rules, questions)
    ]


# -- privacy ---------------------------------------------------------------------------------
def test_my_own_export_shows_the_host_never_the_address(world: World, feeds: FeedServer) -> None:
    connect(world, feeds)
    document = privacy.export_document(world.services, TEAM, ALICE)
    (row,) = document["tables"]["calendars"]
    assert row["feed"] == "http://127.0.0.1/…"
    assert any(e["title"] == "Weekly sync" and e["kind"] == "meeting" for e in row["events"])
    assert SECRET not in json.dumps(document, default=str)
    assert document["tables"]["calendar_weeks"]


def test_forget_me_and_calendar_off_take_everything(world: World, feeds: FeedServer) -> None:
    connect(world, feeds)
    counts = personal.counts(world.store, TEAM, ALICE)
    assert counts["calendars"] == 1 and counts["calendar_weeks"] == 9
    personal.forget(world.store, TEAM, ALICE)
    assert world.rows("SELECT count(*) FROM calendars") == [(0,)]
    assert world.rows("SELECT count(*) FROM calendar_weeks") == [(0,)]
    connect(world, feeds)
    assert calendars.disconnect(world.store, TEAM, ALICE) == 10


# -- words and configuration -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("hours", "text"), [(6.5, "6.5 h"), (3.0, "3 h"), (0, "0 h"), (2.04, "2 h"), (7.25, "7.3 h")]
)
def test_hours_have_one_decimal_at_most(hours: float, text: str) -> None:
    assert hours_text(hours) == text


def test_a_bad_secret_key_names_the_variable_never_the_value(tmp_path: Path) -> None:
    env = {"PENDULUM_DB": str(tmp_path / "p.db"), "PENDULUM_SECRET_KEY": "not-a-key-123"}
    with pytest.raises(ConfigError) as raised:
        load_config(env)
    assert raised.value.variable == "PENDULUM_SECRET_KEY"
    assert "not-a-key-123" not in str(raised.value)
    good = Fernet.generate_key().decode()
    config = load_config({**env, "PENDULUM_SECRET_KEY": good})
    assert config.secret_key == good and good not in repr(config)


# -- App Home --------------------------------------------------------------------------------
def test_the_chart_is_uploaded_again_only_when_its_figures_change(
    world: World, feeds: FeedServer
) -> None:
    from bot.features.home_view import publish_home

    deleted: list[str] = []
    world.slack.files_delete = lambda **args: deleted.append(args["file"]) or {"ok": True}  # type: ignore[attr-defined]
    connect(world, feeds)
    publish_home(world.services, world.slack, TEAM, ALICE)  # type: ignore[arg-type]
    publish_home(world.services, world.slack, TEAM, ALICE)  # type: ignore[arg-type]
    uploads = world.slack.of("files.upload_v2")
    assert len(uploads) == 1
    assert uploads[0].args["content"].startswith(b"\x89PNG")
    assert "channel" not in uploads[0].args  # private to the app; shown by the image block
    home = world.slack.of("views.publish")[-1].args["view"]
    (image,) = [b for b in home["blocks"] if b.get("type") == "image"]
    assert image["slack_file"] == {"id": "F0EXPORT"}
    assert world.slack.problems == []
    # new figures (another goal): a new chart, and the old file goes
    with world.store.write() as db:
        db.execute("UPDATE calendars SET goal_hours = 10")
    publish_home(world.services, world.slack, TEAM, ALICE)  # type: ignore[arg-type]
    assert len(world.slack.of("files.upload_v2")) == 2
    assert deleted == ["F0EXPORT"]


# -- focus-start DMs from the calendar -------------------------------------------------------
def test_focus_events_in_the_calendar_get_a_focus_start_dm(world: World, feeds: FeedServer) -> None:
    from datetime import UTC, datetime

    connect(world, feeds, "one_on_ones.ics")
    # "Focus: design doc", Thursday 5 March 09:00-11:00 Berlin, is within 36 hours; "Deep work"
    # on Friday 16:00 is not yet
    queued = world.rows("SELECT due_at FROM deliveries WHERE kind = 'calendar_focus'")
    assert [datetime.fromisoformat(r[0]) for r in queued] == [
        datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    ]
    connect(world, feeds, "one_on_ones.ics")  # read again: nothing queued twice
    assert len(world.rows("SELECT key FROM deliveries WHERE kind = 'calendar_focus'")) == 1

    world.run_until(datetime(2026, 3, 5, 8, 10, tzinfo=UTC))
    (dm,) = world.slack.dms(ALICE, "Focus block on")
    assert "until 11:00" in dm.args["text"]
    assert world.slack.problems == []

    # an hour later the refresh reads the feed (304) and queues Friday's "Deep work"
    CalendarRefresh(world.services)()
    assert world.services.worker.drain(10)
    due = world.rows(
        "SELECT due_at FROM deliveries WHERE kind = 'calendar_focus' AND status = 'pending'"
    )
    assert [datetime.fromisoformat(r[0]) for r in due] == [datetime(2026, 3, 6, 15, 0, tzinfo=UTC)]

    # calendar off drops what is queued
    world.command("calendar off")
    assert world.rows(
        "SELECT count(*) FROM deliveries WHERE kind = 'calendar_focus' AND status = 'pending'"
    ) == [(0,)]
