"""Privacy: what is stored (the real tables), export as a JSON file in the DM, and forget me
(nothing about the person left in ANY table; everyone else untouched)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest

from blockkit.validate import message_problems
from bot.store import personal
from tests.support.checkin_world import (
    ALICE,
    BOB,
    TEAM,
    TEXT_INPUTS,
    World,
    add_channel_tip,
    api_error,
    build_world,
    valid_answers,
    world_fixture,
)
from tests.support.databases import insert

OTHER_TEAM = "T0OTHER"


world = world_fixture(build_world)


def busy_person(world: World, user: str) -> None:
    """Someone with a bit of everything: assessment, check-ins, schedules, deliveries."""
    with world.store.write() as db:
        insert(
            db,
            "assessments",
            {
                "team_id": TEAM,
                "user_id": user,
                "role": "em",
                "years_engineering": 9,
                "years_managing": 3,
                "months_since_hands_on": 12,
                "goal": "stay",
                "created_at": world.clock.now().isoformat(),
            },
        )
    world.command("checkin on", user)
    world.command("checkin skip", user)
    world.command("checkin now", user)  # a delivery, and a reminder queued for tomorrow
    world.submit(
        "checkin_modal",
        valid_answers(note=f"note of {user}"),
        user=user,
        private_metadata=json.dumps({"period": "2026-W09"}),
        kinds=TEXT_INPUTS,
        view_id=f"V{len(user)}{user[-1]}",  # Slack's view ids never contain a user id
    )
    add_channel_tip(world, user, "UTC")


def everything(world: World) -> dict[str, list[dict[str, object]]]:
    db = world.store.db
    out = {}
    for table in db.table_names():
        cursor = db.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cursor.description]
        out[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return out


def mentions(rows: dict[str, list[dict[str, object]]], needle: str) -> list[str]:
    return [
        f"{table}.{column}"
        for table, table_rows in rows.items()
        for row in table_rows
        for column, value in row.items()
        if value is not None and needle in str(value)
    ]


def test_personal_tables_are_discovered_from_the_schema(world: World) -> None:
    tables = personal.personal_tables(world.store.db)
    for table in ("people", "assessments", "checkins", "schedules", "deliveries"):
        assert table in tables
    assert tables["deliveries"] == ["target"]
    assert "bot_user_id" not in repr(tables)
    # every table that can name a person is described to them in plain words
    undescribed = [t for t in tables if t not in personal.DESCRIPTIONS]
    assert undescribed == [], f"describe these in bot/store/personal.py: {undescribed}"


def test_privacy_lists_exactly_what_is_stored(world: World) -> None:
    busy_person(world, ALICE)
    reply = world.command("privacy")
    assert reply.message is not None and message_problems(reply.message) == []
    text = json.dumps(reply.message)
    counts = personal.counts(world.store, TEAM, ALICE)
    assert counts["checkins"] == 1 and counts["assessments"] == 1 and counts["people"] == 1
    for table, count in counts.items():
        assert f"`{table}` ({count} row" in text
    assert "only you" in text and "admins" in text
    assert "note of" not in text  # what is stored is described, not shown


def test_export_is_a_json_file_in_the_dm_with_my_rows_only(world: World) -> None:
    busy_person(world, ALICE)
    busy_person(world, BOB)
    reply = world.command("export", run_later=False)
    assert reply.message is not None and reply.later is not None
    reply.later()
    (upload,) = world.slack.of("files.upload_v2")
    assert upload.args["channel"] == "D0ALICE"  # the DM id Slack gave for the first post
    assert upload.args["filename"] == "pendulum-export-2026-03-04.json"
    document = json.loads(upload.args["content"])
    assert document["user_id"] == ALICE
    tables = document["tables"]
    assert [r["note"] for r in tables["checkins"] if r["note"]] == [f"note of {ALICE}"]
    assert len(tables["assessments"]) == 1 and tables["people"][0]["tz"] == "Europe/Berlin"
    assert {r["kind"] for r in tables["schedules"]} == {"checkin", "tip"}
    assert BOB not in upload.args["content"]


def test_export_announces_the_file_in_the_upload_itself(world: World) -> None:
    world.command("export", run_later=False).later()  # type: ignore[misc]
    (upload,) = world.slack.of("files.upload_v2")
    assert "everything Pendulum stores about you" in upload.args["initial_comment"]
    assert world.slack.dms(ALICE) == []  # one message: the file with its comment


@pytest.mark.parametrize(
    ("error", "says"),
    [
        ("missing_scope", "files:write"),
        ("unknown_method", "doesn't offer the file upload"),
        ("internal_error", "again in a few minutes"),
    ],
)
def test_a_refused_upload_says_why_once_and_logs_no_traceback(
    world: World, caplog: pytest.LogCaptureFixture, error: str, says: str
) -> None:
    def refuse(**args: Any) -> dict[str, Any]:
        world.slack._record("files.upload_v2", args)
        raise api_error(error, "files.completeUploadExternal")

    world.slack.files_upload_v2 = refuse  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO):
        world.command("export", run_later=False).later()  # type: ignore[misc]
    (dm,) = world.slack.dms(ALICE)
    text = json.dumps(dm.args)
    assert says in text and "Here's everything" not in text
    assert message_problems({"text": dm.args["text"], "blocks": dm.args["blocks"]}) == []
    assert not [r for r in caplog.records if r.exc_info], "an API error is not a crash"
    assert world.slack.problems == []


def test_forget_me_needs_a_confirm_then_deletes_everything_about_me_only(world: World) -> None:
    busy_person(world, ALICE)
    busy_person(world, BOB)
    with world.store.write() as db:  # the same person id in another workspace is not touched
        insert(
            db,
            "people",
            {"team_id": OTHER_TEAM, "user_id": ALICE, "tz": "UTC", "first_seen_at": "2026-01-01"},
        )
    before = everything(world)
    bob_rows = {t: [r for r in rows if BOB in json.dumps(r)] for t, rows in before.items()}

    reply = world.command("forget")
    assert "forget me" in repr(reply.message)
    reply = world.command("forget me")
    assert reply.message is not None and "forget_confirm" in repr(reply.message)
    assert mentions(everything(world), ALICE)  # nothing deleted before the confirm

    world.action("forget_cancel", "cancel")
    assert mentions(everything(world), ALICE)

    reply = world.action("forget_confirm", "me")
    assert reply.message is not None and reply.message.get("replace_original") is True
    assert "deleted everything" in repr(reply.message)

    after = everything(world)
    left = [m for m in mentions(after, ALICE) if m != "people.user_id"]
    assert left == [], left
    assert [r for r in after["people"] if r["user_id"] == ALICE] == [
        {
            "team_id": OTHER_TEAM,
            "user_id": ALICE,
            "tz": "UTC",
            "tz_checked_at": None,
            "first_seen_at": "2026-01-01",
        }
    ]
    for table, rows in bob_rows.items():
        for row in rows:
            assert row in after[table], (table, row)
    assert after["schedules"] and after["checkins"]

    # and nothing more reaches Alice afterwards (the queued reminder went with the rest)
    sent = len(world.slack.dms(ALICE))
    world.run_until(world.clock.now() + timedelta(days=15))
    assert len([c for c in world.slack.dms(ALICE)]) == sent
    assert len(world.slack.dms(BOB, "Start check-in")) > 1


def test_forget_me_from_app_home_asks_in_the_dm(world: World) -> None:
    reply = world.action("privacy_forget", "forget", channel=None)
    assert reply.message is not None and "forget_confirm" in repr(reply.message)
    reply = world.action("privacy_show", "show")
    assert reply.message is not None and "What Pendulum stores" in repr(reply.message)
