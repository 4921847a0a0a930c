"""The check-in feature through its handlers: real Services (SQLite, prompts/, router,
delivery engine) and a stub Slack. Every message and view sent is checked for Block Kit
problems by the stub (`world.slack.problems`)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from blockkit.validate import view_problems
from bot.features import checkin_sends as sends
from bot.store import schedules as sch
from tests.support.checkin_world import (
    ALICE,
    BOB,
    TEAM,
    TEXT_INPUTS,
    World,
    build_world,
    local,
    valid_answers,
    world_fixture,
)

# Friday 6 March 2026 15:00 in Berlin (UTC+1) is 14:00 UTC.
FRIDAY_1500_BERLIN = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)


world = world_fixture(build_world)


def enrol(world: World, text: str = "checkin on", user: str = ALICE) -> sch.Schedule:
    world.command(text, user)
    schedule = sends.checkin_schedule(world.services, TEAM, user)
    assert schedule is not None
    return schedule


def kind_of(call: object) -> str:
    """The delivery kind from the ledger key the engine puts in the message metadata."""
    metadata = call.args.get("metadata") or {}  # type: ignore[attr-defined]
    return str(metadata.get("event_payload", {}).get("key", "::")).split(":")[1]


def checkin_dms(world: World, user: str = ALICE) -> list[object]:
    """Check-in DMs (weekly, ad hoc or asked for later), not the reminder."""
    return [c for c in world.slack.dms(user, "Start check-in") if kind_of(c) != "checkin_reminder"]


def last_text(world: World, method: str = "chat.postEphemeral") -> str:
    return repr(world.slack.of(method)[-1].args)


# -- enrolment -------------------------------------------------------------------------------
def test_status_for_someone_not_enrolled_is_opt_in_only(world: World) -> None:
    reply = world.command("checkin")
    assert reply.message is not None and "not signed up" in repr(reply.message)
    assert sch.list_by_team(world.store, TEAM) == []
    assert world.rows("SELECT * FROM people") == []  # nothing stored about a mere visitor
    assert world.slack.of("users.info") == []


def test_checkin_on_defaults_to_friday_1500_in_the_slack_time_zone(world: World) -> None:
    reply = world.command("checkin on", run_later=False)
    assert reply.message is None and reply.later is not None  # users.info happens after the ack
    reply.later()
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None
    assert (schedule.weekday, schedule.local_time, schedule.tz) == (4, "15:00", "Europe/Berlin")
    assert schedule.next_due_at == FRIDAY_1500_BERLIN
    shown = last_text(world)
    assert "Fridays at 15:00" in shown and "Friday 6 March at 15:00 (CET)" in shown
    assert world.rows("SELECT tz FROM people WHERE user_id = ?", [ALICE]) == [("Europe/Berlin",)]
    assert world.slack.of("views.publish")  # App Home shows the change


def test_checkin_on_with_a_day_and_time_and_changing_it_later(world: World) -> None:
    schedule = enrol(world, "checkin on monday 9:30", BOB)
    assert (schedule.weekday, schedule.local_time, schedule.tz) == (0, "09:30", "America/New_York")
    enrol(world, "checkin on 17:00", BOB)
    schedules = sch.list_by_owner(world.store, TEAM, BOB)
    assert [(s.weekday, s.local_time) for s in schedules] == [(0, "17:00")]  # updated, not added
    assert "Updated" in last_text(world)


def test_checkin_on_with_nonsense_answers_at_once_and_stores_nothing(world: World) -> None:
    reply = world.command("checkin on blursday")
    assert reply.later is None and reply.message is not None
    assert "blursday" in repr(reply.message)
    assert sch.list_by_team(world.store, TEAM) == []


def test_checkin_status_shows_the_next_send_in_local_time(world: World) -> None:
    enrol(world)
    reply = world.command("checkin")
    text = repr(reply.message)
    assert "Fridays at 15:00, Europe/Berlin time" in text
    assert "Next: Friday 6 March at 15:00 (CET)" in text


def test_checkin_off_unenrols(world: World) -> None:
    enrol(world)
    reply = world.command("checkin off")
    assert "off" in repr(reply.message)
    assert sends.checkin_schedule(world.services, TEAM, ALICE) is None
    reply = world.command("checkin off")
    assert "not signed up" in repr(reply.message)


def test_checkin_skip_skips_the_next_one_and_then_the_one_after(world: World) -> None:
    enrol(world)
    reply = world.command("checkin skip")
    assert "Skipping your check-in on Friday 6 March" in repr(reply.message)
    assert "Next: Friday 13 March at 15:00" in repr(reply.message)
    reply = world.command("checkin skip")
    assert "Skipping your check-in on Friday 13 March" in repr(reply.message)
    world.run_until(datetime(2026, 3, 14, tzinfo=UTC))
    assert checkin_dms(world) == []
    world.run_until(datetime(2026, 3, 21, tzinfo=UTC))
    assert len(checkin_dms(world)) == 1


def test_checkin_pause_until_a_date_then_resume(world: World) -> None:
    enrol(world)
    reply = world.command("checkin pause until 2026-03-20")
    text = repr(reply.message)
    assert "Paused until Friday 20 March 2026" in text
    assert "Next: Friday 20 March at 15:00" in text
    world.run_until(datetime(2026, 3, 19, tzinfo=UTC))
    assert checkin_dms(world) == []
    world.run_until(datetime(2026, 3, 21, tzinfo=UTC))
    assert len(checkin_dms(world)) == 1
    expected = {
        "checkin pause": "pause until 2026-08-31",
        "checkin pause until 2026-02-01": "isn't in the future",
        "checkin pause until soon": "YYYY-MM-DD",
    }
    for bad, hint in expected.items():
        reply = world.command(bad)
        assert hint in repr(reply.message) and "Paused until" not in repr(reply.message)
    world.command("checkin pause until 2026-06-01")
    reply = world.command("checkin resume")
    assert "back on" in repr(reply.message) and "Next: Friday 27 March" in repr(reply.message)


def test_unknown_checkin_word_shows_usage(world: World) -> None:
    reply = world.command("checkin sometimes")
    assert "checkin on [day] [HH:MM]" in repr(reply.message)


def test_a_time_zone_change_is_picked_up_when_running_a_checkin_command(world: World) -> None:
    enrol(world)
    world.slack.users[ALICE]["tz"] = "Asia/Tokyo"
    world.command("checkin")
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None and schedule.tz == "Asia/Tokyo"
    assert "Asia/Tokyo" in last_text(world)
    # Friday 15:00 in Tokyo is 06:00 UTC
    assert schedule.next_due_at == datetime(2026, 3, 6, 6, 0, tzinfo=UTC)


def test_user_change_events_refresh_known_people_only(world: World) -> None:
    enrol(world)
    world.event({"type": "user_change", "user": {"id": ALICE, "tz": "America/Chicago"}})
    schedule = sends.checkin_schedule(world.services, TEAM, ALICE)
    assert schedule is not None and schedule.tz == "America/Chicago"
    world.event({"type": "user_change", "user": {"id": BOB, "tz": "Asia/Tokyo"}})
    assert world.rows("SELECT * FROM people WHERE user_id = ?", [BOB]) == []
    world.event({"type": "user_change", "user": {"id": ALICE, "tz": "Not/AZone"}})
    assert sends.checkin_schedule(world.services, TEAM, ALICE).tz == "America/Chicago"  # type: ignore[union-attr]
    world.event({"type": "user_change", "user": {"id": ALICE, "deleted": True}})
    assert sends.checkin_schedule(world.services, TEAM, ALICE) is None


# -- the weekly DM and its reminder ------------------------------------------------------------
def test_one_dm_at_local_time_then_one_reminder_after_24h_and_never_more(world: World) -> None:
    enrol(world)
    world.run_until(FRIDAY_1500_BERLIN - timedelta(minutes=30))
    assert checkin_dms(world) == []
    world.run_until(FRIDAY_1500_BERLIN)
    (dm,) = checkin_dms(world)
    assert dm.at == FRIDAY_1500_BERLIN  # type: ignore[attr-defined]
    blocks = repr(dm.args["blocks"])  # type: ignore[attr-defined]
    assert "checkin_start" in blocks and "checkin_skip" in blocks and "checkin_later" in blocks
    assert "2026-W10" in blocks
    world.run_until(FRIDAY_1500_BERLIN + timedelta(hours=23, minutes=30))
    assert world.slack.dms(ALICE, "still open") == []
    world.run_until(FRIDAY_1500_BERLIN + timedelta(hours=24))
    (reminder,) = world.slack.dms(ALICE, "still open")
    assert "checkin_start" in repr(reminder.args["blocks"])
    world.run_until(FRIDAY_1500_BERLIN + timedelta(days=6))
    assert len(world.slack.dms(ALICE)) == 2  # the check-in and one reminder, nothing else


def test_answering_before_the_reminder_cancels_it(world: World) -> None:
    enrol(world)
    world.run_until(FRIDAY_1500_BERLIN)
    world.action("checkin_start", "2026-W10")
    world.submit(
        "checkin_modal",
        valid_answers(),
        private_metadata=json.dumps({"period": "2026-W10"}),
        kinds=TEXT_INPUTS,
    )
    world.run_until(FRIDAY_1500_BERLIN + timedelta(days=2))
    assert world.slack.dms(ALICE, "still open") == []


def test_away_status_skips_the_week_without_a_dm(world: World) -> None:
    enrol(world)
    world.slack.users[ALICE]["profile"] = {"status_emoji": ":palm_tree:", "status_text": "Hols"}
    world.run_until(FRIDAY_1500_BERLIN + timedelta(days=2))
    assert checkin_dms(world) == []
    assert world.rows("SELECT period, status FROM checkins") == [("2026-W10", "away")]
    assert world.rows("SELECT status FROM deliveries WHERE kind = 'checkin'") == [("skipped",)]
    world.slack.users[ALICE]["profile"] = {}
    world.run_until(FRIDAY_1500_BERLIN + timedelta(days=7))
    assert len(checkin_dms(world)) == 1


def test_someone_who_left_is_unenrolled_not_retried(world: World) -> None:
    enrol(world)
    enrol(world, user=BOB)
    world.slack.gone[ALICE] = "user_not_found"  # users.info at send time
    world.slack.post_errors[BOB] = "account_inactive"  # chat.postMessage at send time
    world.run_until(datetime(2026, 3, 7, tzinfo=UTC))
    assert sends.checkin_schedule(world.services, TEAM, ALICE) is None
    assert sends.checkin_schedule(world.services, TEAM, BOB) is None
    world.run_until(datetime(2026, 3, 28, tzinfo=UTC))
    assert checkin_dms(world) == []
    # Bob: the check-in failed once; the reminder queued with it is dropped, not tried
    assert [c.args["metadata"]["event_payload"]["key"] for c in world.slack.dms(BOB)] == [
        "T0ACME:checkin:U0BOB:2026-W10",
    ]
    assert world.rows("SELECT key FROM deliveries WHERE status = 'pending'") == []


def test_exactly_one_dm_a_week_at_1500_local_across_dst_and_restarts(world: World) -> None:
    """Berlin moves to summer time on 29 March 2026; the app restarts twice on the way."""
    enrol(world)
    world.run_until(datetime(2026, 3, 20, tzinfo=UTC))
    world.restart()
    world.run_until(datetime(2026, 3, 27, 14, 0, tzinfo=UTC))  # exactly at the send
    world.restart()
    world.run_until(datetime(2026, 4, 18, tzinfo=UTC), step=timedelta(minutes=20))
    dms = checkin_dms(world)
    sent_at = [local(d.at, "Europe/Berlin") for d in dms]  # type: ignore[attr-defined]
    assert [(t.date(), t.hour, t.minute) for t in sent_at] == [
        (date(2026, 3, 6), 15, 0),
        (date(2026, 3, 13), 15, 0),
        (date(2026, 3, 20), 15, 0),
        (date(2026, 3, 27), 15, 0),
        (date(2026, 4, 3), 15, 0),  # summer time: 13:00 UTC
        (date(2026, 4, 10), 15, 0),
        (date(2026, 4, 17), 15, 0),
    ]
    weeks = [t.isocalendar().week for t in sent_at]
    assert len(weeks) == len(set(weeks))


def test_dst_fall_back_sends_once(tmp_path: Path) -> None:
    """New York falls back on Sunday 1 November 2026: a 01:30 Sunday check-in (a time that
    happens twice) goes out once."""
    world = build_world(tmp_path, clock=None)
    world.clock.set(datetime(2026, 10, 20, tzinfo=UTC))
    enrol(world, "checkin on sunday 1:30", BOB)
    world.run_until(datetime(2026, 11, 10, tzinfo=UTC), step=timedelta(minutes=15))
    sent = [local(d.at, "America/New_York") for d in checkin_dms(world, BOB)]  # type: ignore[attr-defined]
    assert [(t.date(), t.hour, t.minute) for t in sent] == [
        (date(2026, 10, 25), 1, 30),
        (date(2026, 11, 1), 1, 30),
        (date(2026, 11, 8), 1, 30),
    ]
    world.engine.close()


# -- buttons -------------------------------------------------------------------------------------
def test_start_opens_a_valid_modal_prefilled_when_answered(world: World) -> None:
    world.action("checkin_start", "2026-W10")
    (opened,) = world.slack.of("views.open")
    view = opened.args["view"]
    assert view_problems(view) == []
    assert view["callback_id"] == "checkin_modal"
    assert json.loads(view["private_metadata"]) == {"period": "2026-W10"}
    ids = [b.get("block_id") for b in view["blocks"]]
    for block in (
        "hands_on",
        "critical_path",
        "critical_path_what",
        "focus_blocks",
        "energy",
        "note",
    ):
        assert block in ids
    note = next(b for b in view["blocks"] if b.get("block_id") == "note")
    assert note["element"]["max_length"] == 1000 and note["optional"] is True

    world.submit(
        "checkin_modal",
        valid_answers(energy="40"),
        private_metadata=json.dumps({"period": "2026-W10"}),
        kinds=TEXT_INPUTS,
    )
    world.action("checkin_start", "2026-W10")
    view = world.slack.of("views.open")[-1].args["view"]
    energy = next(b for b in view["blocks"] if b.get("block_id") == "energy")
    assert energy["element"]["initial_option"]["value"] == "40"


def test_skip_this_week(world: World) -> None:
    enrol(world)
    world.run_until(FRIDAY_1500_BERLIN)
    reply = world.action("checkin_skip", "2026-W10")
    assert reply.message is not None and reply.message.get("replace_original") is True
    assert world.rows("SELECT period, status FROM checkins") == [("2026-W10", "skipped")]
    world.run_until(FRIDAY_1500_BERLIN + timedelta(days=3))
    assert world.slack.dms(ALICE, "still open") == []
    # a later answer that same week still counts
    world.submit(
        "checkin_modal",
        valid_answers(),
        private_metadata=json.dumps({"period": "2026-W10"}),
        kinds=TEXT_INPUTS,
    )
    assert world.rows("SELECT status FROM checkins") == [("answered",)]
    reply = world.action("checkin_skip", "2026-W10")
    assert "already checked in" in repr(reply.message)
    assert world.rows("SELECT status FROM checkins") == [("answered",)]


@pytest.mark.parametrize(
    ("choice", "due"),
    [
        ("2h", FRIDAY_1500_BERLIN + timedelta(hours=2)),
        ("tomorrow", datetime(2026, 3, 7, 8, 0, tzinfo=UTC)),  # 09:00 Berlin
    ],
)
def test_remind_me_later(world: World, choice: str, due: datetime) -> None:
    enrol(world)
    world.run_until(FRIDAY_1500_BERLIN)
    reply = world.action("checkin_later", f"{choice}|2026-W10", selected=True)
    assert reply.message is not None and reply.message.get("replace_original") is True
    world.run_until(due - timedelta(minutes=10), step=timedelta(minutes=10))
    assert len(checkin_dms(world)) == 1
    world.run_until(due + timedelta(minutes=1))
    assert len(checkin_dms(world)) == 2
    world.run_until(FRIDAY_1500_BERLIN + timedelta(days=3))
    assert len(checkin_dms(world)) == 2
    assert world.slack.dms(ALICE, "still open") == []  # no automatic reminder on top


# -- the modal -----------------------------------------------------------------------------------
def test_invalid_answers_get_inline_errors_and_nothing_is_stored(world: World) -> None:
    reply = world.submit(
        "checkin_modal",
        valid_answers(hands_on="none", critical_path="yes", note="x" * 1001),
        private_metadata=json.dumps({"period": "2026-W10"}),
        kinds=TEXT_INPUTS,
    )
    assert reply.ack is not None and reply.ack["response_action"] == "errors"
    assert set(reply.ack["errors"]) == {"critical_path", "note"}
    assert reply.later is None
    assert world.rows("SELECT * FROM checkins") == []


def test_a_submit_is_stored_once_and_earns_one_follow_up(world: World) -> None:
    enrol(world)
    world.run_until(FRIDAY_1500_BERLIN)
    meta = json.dumps({"period": "2026-W10"})
    values = valid_answers(energy="20", note="Tired. <!channel> & all")
    for _ in range(3):  # a double submit and a Slack retry of the same view
        reply = world.submit("checkin_modal", values, private_metadata=meta, kinds=TEXT_INPUTS)
        assert reply.ack is None
    rows = world.rows("SELECT period, status, hands_on, energy, note FROM checkins")
    assert rows == [("2026-W10", "answered", "lt2", 20, "Tired. <!channel> & all")]
    (followup,) = world.slack.dms(ALICE, "tank")
    assert "20%" in repr(followup.args)
    # the check-in DM now says thanks instead of showing buttons
    (updated,) = world.slack.of("chat.update")
    assert "Checked in" in repr(updated.args) and "checkin_start" not in repr(updated.args)
    home = world.slack.of("views.publish")[-1]
    assert home.args["user_id"] == ALICE


def test_answering_again_the_same_week_replaces_the_answers(world: World) -> None:
    meta = json.dumps({"period": "2026-W10"})
    world.submit(
        "checkin_modal",
        valid_answers(energy="20"),
        private_metadata=meta,
        kinds=TEXT_INPUTS,
        view_id="V1",
    )
    world.submit(
        "checkin_modal",
        valid_answers(energy="80"),
        private_metadata=meta,
        kinds=TEXT_INPUTS,
        view_id="V2",
    )
    assert world.rows("SELECT energy FROM checkins") == [(80,)]


def test_follow_up_after_four_weeks_without_hands_on_work(world: World) -> None:
    for week in range(10, 14):
        world.submit(
            "checkin_modal",
            valid_answers(hands_on="none"),
            private_metadata=json.dumps({"period": f"2026-W{week}"}),
            kinds=TEXT_INPUTS,
            view_id=f"V{week}",
        )
    titles = [repr(c.args["blocks"][0]) for c in world.slack.dms(ALICE)]
    assert sum("warm your hands" in t for t in titles) == 1
    assert "warm your hands" in titles[-1]


def test_answers_never_reach_a_channel_or_the_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    enrol(world)
    world.run_until(FRIDAY_1500_BERLIN)
    secret = "my-very-private-note-4711"
    world.submit(
        "checkin_modal",
        valid_answers(note=secret, critical_path="yes", critical_path_what="secret-project-x"),
        private_metadata=json.dumps({"period": "2026-W10"}),
        kinds=TEXT_INPUTS,
    )
    world.command("history")
    assert secret not in caplog.text and "secret-project-x" not in caplog.text
    for call in world.slack.of("chat.postMessage"):
        assert call.args["channel"] in (ALICE, "D0ALICE")
    assert all(secret not in repr(c.args) for c in world.slack.calls)


# -- checkin now and history -------------------------------------------------------------------
def test_checkin_now_for_someone_not_enrolled_sends_once(world: World) -> None:
    reply = world.command("checkin now", run_later=False)
    assert reply.later is not None
    reply.later()
    assert len(checkin_dms(world)) == 1
    assert "in our DM" in last_text(world)
    assert sch.list_by_team(world.store, TEAM) == []  # still not enrolled
    world.command("checkin now")
    assert len(checkin_dms(world)) == 1
    assert "already in our DM" in last_text(world)


def test_checkin_now_is_this_weeks_send_for_someone_enrolled(world: World) -> None:
    enrol(world)
    world.command("checkin now")
    assert len(checkin_dms(world)) == 1
    world.run_until(FRIDAY_1500_BERLIN + timedelta(hours=1))
    assert len(checkin_dms(world)) == 1  # Friday's was this week's, already sent
    world.submit(
        "checkin_modal",
        valid_answers(),
        private_metadata=json.dumps({"period": "2026-W10"}),
        kinds=TEXT_INPUTS,
    )
    world.command("checkin now")
    assert "already checked in" in last_text(world)
    world.run_until(FRIDAY_1500_BERLIN + timedelta(days=7, hours=1))
    assert len(checkin_dms(world)) == 2


def test_history_is_a_compact_table_of_12_weeks(world: World) -> None:
    reply = world.command("history")
    assert "no check-ins yet" in repr(reply.message)
    for week, energy in ((8, "30"), (10, "90")):
        world.submit(
            "checkin_modal",
            valid_answers(energy=energy),
            private_metadata=json.dumps({"period": f"2026-W{week:02d}"}),
            kinds=TEXT_INPUTS,
            view_id=f"V{week}",
        )
    reply = world.command("history")
    assert reply.message is not None
    table = next(b["text"]["text"] for b in reply.message["blocks"] if "```" in repr(b))
    assert table.count("\n") == 12
    assert "2026-W10" in table and "90%" in table and "2025-W51" in table
