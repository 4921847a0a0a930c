"""The offline workbench without a browser: its clock, what it reads from the app's tables,
its JSON API (against the real app, in-process, over the emulator), and `pendulum-bot` with no
tokens."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.delivery.timing import utc_text
from bot.store import deliveries
from bot.store import schedules as sch
from bot.store.db import Store
from tests.support.harness import console_script, free_port
from tests.support.workbench_steps import call, send, state, wait_for
from workbench import RunningWorkbench, start_workbench
from workbench.clock import MovableClock
from workbench.core import as_typed_in_slack, manifest_bot_events, manifest_shortcuts
from workbench.inspector import readable
from workbench.sample import sample_channels, sample_users
from workbench.timeline import Timeline, kind_label

T0 = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)  # a Wednesday
ALICE, BOB, DANA = "U0ALICE", "U0BOB", "U0DANA"
TEAM = "C0TEAM"


# -- the clock -------------------------------------------------------------------------------
def test_movable_clock_follows_real_time_plus_an_offset_and_never_goes_back() -> None:
    real = [T0]
    clock = MovableClock(real=lambda: real[0])
    assert clock.now() == T0
    real[0] = T0 + timedelta(seconds=5)
    assert clock.now() == T0 + timedelta(seconds=5)
    assert clock.advance(timedelta(hours=1)) == T0 + timedelta(hours=1, seconds=5)
    assert clock.jump_to(T0) == T0 + timedelta(hours=1, seconds=5)  # already past: no-op
    assert clock.jump_to(T0 + timedelta(days=2)) == T0 + timedelta(days=2)
    assert clock.offset == timedelta(days=2) - timedelta(seconds=5)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        clock.jump_to(datetime(2030, 1, 1))  # naive


# -- what is coming up -----------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "app.db")
    store.migrate()
    yield store
    store.close()


def schedule(store: Store, clock: MovableClock, **kw: Any) -> sch.Schedule:
    args: dict[str, Any] = {
        "team_id": "T1",
        "kind": "checkin",
        "owner_user_id": ALICE,
        "target": ALICE,
        "weekday": 4,
        "local_time": "15:00",
        "tz": "America/New_York",
    }
    args.update(kw)
    return sch.create_schedule(store, clock, **args)


def test_upcoming_merges_schedules_and_queued_sends_soonest_first(store: Store) -> None:
    clock = MovableClock(real=lambda: T0)
    checkin = schedule(store, clock)  # Friday 15:00 New York = 20:00 UTC
    tip = schedule(store, clock, kind="tip", target=TEAM, weekday=3, local_time="09:00", tz="UTC")
    with store.write() as db:
        deliveries.insert(
            db,
            key="T1:checkin_reminder:U0ALICE:2026-W46",
            team_id="T1",
            kind="checkin_reminder",
            schedule_id=None,
            target=ALICE,
            period="2026-W46",
            status="pending",
            due_at=T0 + timedelta(hours=2),
            expires_at=None,
            now=T0,
            message={"channel": ALICE, "text": "reminder"},
        )
    timeline = Timeline(db_path(store), clock)
    try:
        upcoming = timeline.upcoming()
        assert [(u.kind, u.source) for u in upcoming] == [
            ("checkin_reminder", "queued"),
            ("tip", "schedule"),
            ("checkin", "schedule"),
        ]
        assert upcoming[1].due_at == datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
        assert upcoming[2].due_at == datetime(2026, 11, 13, 20, 0, tzinfo=UTC)
        assert upcoming[2].to_json()["label"] == "Weekly check-in"
        assert checkin.id != tip.id

        # the reminder is due in two hours: not settled once the clock passes it
        assert timeline.settled()
        clock.jump_to(T0 + timedelta(hours=3))
        assert not timeline.settled()
        before = timeline.statuses()
        deliveries.mark_skipped(store, "T1:checkin_reminder:U0ALICE:2026-W46", reason="test")
        assert timeline.settled()
        (change,) = timeline.changes_since(before)
        assert (change.kind, change.status) == ("checkin_reminder", "skipped")
    finally:
        timeline.close()


def test_upcoming_says_when_the_next_occurrence_is_paused_or_skipped(store: Store) -> None:
    clock = MovableClock(real=lambda: T0)
    paused = schedule(store, clock, owner_user_id=BOB, target=BOB, tz="Europe/Berlin")
    sch.pause_schedule(store, clock, "T1", paused.id, until=date(2026, 12, 1))
    skipped = schedule(store, clock, owner_user_id=DANA, target=DANA, tz="Asia/Kolkata")
    sch.skip_date(store, clock, "T1", skipped.id, date(2026, 11, 13))
    timeline = Timeline(db_path(store), clock)
    try:
        notes = {u.target: u.note for u in timeline.upcoming()}
        assert notes == {BOB: "paused until 2026-12-01", DANA: "skipped by its owner"}
    finally:
        timeline.close()


def test_jump_with_nothing_scheduled_says_what_to_do(store: Store) -> None:
    timeline = Timeline(db_path(store), MovableClock())
    try:
        result = timeline.jump_to_next()
        assert result["ok"] is False and "checkin on" in result["error"]
    finally:
        timeline.close()


def db_path(store: Store) -> Path:
    row = store.db.execute("PRAGMA database_list").fetchone()
    return Path(row[2])


def test_channels_and_people_are_sent_as_slack_sends_them() -> None:
    users, channels = sample_users(), sample_channels()
    assert (
        as_typed_in_slack("remind #team monday, cc @alice and @nobody", users, channels)
        == "remind <#C0TEAM|team> monday, cc <@U0ALICE|alice> and @nobody"
    )
    assert as_typed_in_slack("#nope a@alice.com <#C0TEAM|team>", users, channels) == (
        "#nope a@alice.com <#C0TEAM|team>"
    )


def test_kind_labels() -> None:
    assert kind_label("checkin") == "Weekly check-in"
    assert kind_label("channel_tip") == "Channel tip"
    assert kind_label("focus_block") == "Focus block"
    assert kind_label("focus_3") == "Focus block"
    assert kind_label("brand_new_kind") == "Brand new kind"


def test_inspector_shows_form_encoded_block_kit_as_json() -> None:
    params = {"channel": "C1", "blocks": '[{"type": "divider"}]', "text": "[not json"}
    shown = readable(params)
    assert shown == {"channel": "C1", "blocks": [{"type": "divider"}], "text": "[not json"}


def test_shortcuts_and_event_subscriptions_come_from_the_manifest() -> None:
    shortcuts = manifest_shortcuts()
    assert shortcuts["critical_path_check"]["type"] == "message"
    assert "app_home_opened" in (manifest_bot_events() or set())
    assert manifest_shortcuts(Path("/nonexistent/manifest.yml")) == {}
    assert manifest_bot_events(Path("/nonexistent/manifest.yml")) is None


# -- the JSON API, against the real app ------------------------------------------------------
@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningWorkbench]:
    workdir = tmp_path_factory.mktemp("workbench")
    running = start_workbench(Config(port=free_port(), db_path=workdir / "pendulum.db"))
    yield running
    problems = running.emu.problems
    running.stop()
    assert problems == [], problems


def submit(
    bench: RunningWorkbench, user: str, view_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    body = {"type": "submit", "user": user, "view_id": view_id, "values": values}
    status, result = call(bench, "/api/act", body)
    assert status == 200, result
    return result


def test_serves_on_loopback_only(bench: RunningWorkbench) -> None:
    assert bench.server.server_address[0] == "127.0.0.1"
    assert bench.url.startswith("http://127.0.0.1:")


def test_meta_lists_the_sample_workspace_and_the_apps_commands(bench: RunningWorkbench) -> None:
    status, meta = call(bench, "/api/meta")
    assert status == 200
    assert {u["tz"] for u in meta["users"]} >= {"America/New_York", "Europe/Berlin"}
    channels = {c["name"]: c for c in meta["channels"]}
    assert channels["team"]["bot_member"] and not channels["random"]["bot_member"]
    names = [c["name"] for c in meta["commands"]]
    assert "help" in names and "checkin" in names
    assert meta["app"]["command"] == "/pendulum"


def test_the_page_and_its_assets_are_served_with_a_strict_policy(bench: RunningWorkbench) -> None:
    with urllib.request.urlopen(bench.url + "/", timeout=10) as response:
        page = response.read().decode()
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "/static/app.js" in page
    for asset in ("app.js", "blocks.js", "mrkdwn.js", "workbench.css"):
        with urllib.request.urlopen(f"{bench.url}/static/{asset}", timeout=10) as response:
            assert response.status == 200
    assert call(bench, "/static/..%2F__init__.py")[0] == 404
    assert call(bench, "/static/../server.py")[0] == 404


def test_refuses_other_hosts_and_non_json_posts(bench: RunningWorkbench) -> None:
    status, _ = call(bench, "/api/meta", headers={"Host": "evil.example:80"})
    assert status == 421
    request = urllib.request.Request(
        bench.url + "/api/act",
        data=b"type=send&user=U0ALICE&text=/pendulum+help",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400


def test_bad_requests_name_the_problem(bench: RunningWorkbench) -> None:
    assert call(bench, "/api/state?user=U0NOBODY&where=dm")[0] == 400
    assert call(bench, f"/api/state?user={ALICE}&where=C0NOPE")[0] == 400
    status, doc = call(bench, "/api/act", {"type": "dance", "user": ALICE})
    assert status == 400 and "dance" in doc["error"]
    status, doc = call(bench, "/api/clock", {"action": "advance", "seconds": -5})
    assert status == 400


def test_a_slash_command_is_delivered_over_socket_mode_and_answered_ephemerally(
    bench: RunningWorkbench,
) -> None:
    status, result = call(
        bench, "/api/act", {"type": "send", "user": BOB, "where": TEAM, "text": "/pendulum help"}
    )
    assert status == 200 and result["ok"], result
    shown = state(bench, BOB, TEAM)["messages"]
    assert shown[-1]["ephemeral"] and shown[-1]["blocks"][0]["type"] == "header"
    # only Bob sees it
    assert not [m for m in state(bench, ALICE, TEAM)["messages"] if m["ephemeral"]]
    delivery = bench.emu.deliveries[-1]
    assert delivery.transport == "socket" and delivery.type == "slash_commands"
    log = state(bench, BOB, TEAM)["log"]
    envelopes = [e for e in log if e["kind"] == "envelope"]
    assert envelopes and envelopes[-1]["request"]["payload"]["text"] == "help"
    assert envelopes[-1]["response"]["envelope_id"] == envelopes[-1]["request"]["envelope_id"]


def test_unknown_slash_commands_and_empty_messages_are_refused(bench: RunningWorkbench) -> None:
    _, result = call(bench, "/api/act", {"type": "send", "user": BOB, "where": TEAM, "text": "/x"})
    assert not result["ok"] and "/pendulum" in result["error"]
    _, result = call(bench, "/api/act", {"type": "send", "user": BOB, "where": TEAM, "text": " "})
    assert not result["ok"]


def test_clicking_a_button_in_an_ephemeral_message(bench: RunningWorkbench) -> None:
    send(bench, DANA, TEAM, "/pendulum topics")
    listing = next(m for m in state(bench, DANA, TEAM)["messages"] if m["ephemeral"])
    block = next(b for b in listing["blocks"] if b.get("accessory", {}).get("value") == "pendulum")
    _, result = call(
        bench,
        "/api/act",
        {
            "type": "click",
            "user": DANA,
            "target": {"kind": "ephemeral", "where": TEAM, "ts": listing["ts"]},
            "action_id": block["accessory"]["action_id"],
            "block_id": block["block_id"],
            "value": "pendulum",
        },
    )
    assert result["ok"], result
    wait_for(bench, lambda: len(state(bench, DANA, TEAM)["messages"]) >= 2)
    assert "pendulum" in json.dumps(state(bench, DANA, TEAM)["messages"][-1]).lower()


def test_checkin_jump_modal_and_home(bench: RunningWorkbench) -> None:
    assert send(bench, ALICE, "dm", "/pendulum checkin on")["ok"]
    # (Alice's sample calendar may have focus-start DMs queued before it)
    upcoming = wait_for(
        bench,
        lambda: [u for u in state(bench, ALICE, "dm")["upcoming"] if u["kind"] == "checkin"],
    )
    assert upcoming[0]["target"] == ALICE

    for _ in range(10):  # each jump stops at the next send, so none is missed
        _, jumped = call(bench, "/api/clock", {"action": "next"})
        assert jumped["ok"] and jumped["settled"], jumped
        if ("checkin", "sent") in {(o["kind"], o["status"]) for o in jumped["outcomes"]}:
            break
    else:
        raise AssertionError("the check-in was never sent")
    now = datetime.fromisoformat(jumped["now"])
    assert now >= datetime.fromisoformat(upcoming[0]["due_at"])

    prompt = next(
        m for m in state(bench, ALICE, "dm")["messages"] if "Weekly check-in" in json.dumps(m)
    )
    start = next(
        (b, e)
        for b in prompt["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "checkin_start"
    )
    _, result = call(
        bench,
        "/api/act",
        {
            "type": "click",
            "user": ALICE,
            "target": {"kind": "message", "where": "dm", "ts": prompt["ts"]},
            "action_id": "checkin_start",
            "block_id": start[0]["block_id"],
            "value": start[1]["value"],
        },
    )
    assert result["ok"], result
    modal = wait_for(bench, lambda: state(bench, ALICE, "dm")["modal"])
    assert modal["callback_id"] == "checkin_modal" and modal["submit"]

    # "no hands-on work, but on the critical path": the app answers with an inline error
    values: dict[str, dict[str, Any]] = {
        "hands_on": {"value": "none"},
        "critical_path": {"value": "yes"},
        "focus_blocks": {"value": "2"},
        "energy": {"value": "60"},
    }
    result = submit(bench, ALICE, modal["id"], values)
    assert result["ok"] and "critical_path" in result["errors"], result
    assert state(bench, ALICE, "dm")["modal"]["errors"]["critical_path"]

    values["critical_path"] = {"value": "no"}
    result = submit(bench, ALICE, modal["id"], values)
    assert result["ok"] and not result.get("errors"), result
    assert state(bench, ALICE, "dm")["modal"] is None
    wait_for(bench, lambda: "Checked in" in json.dumps(state(bench, ALICE, "dm")["messages"]))

    _, result = call(bench, "/api/act", {"type": "home", "user": ALICE})
    assert result["ok"]
    home = wait_for(bench, lambda: state(bench, ALICE, "home")["home"])
    assert "check-in" in json.dumps(home["blocks"]).lower()


def test_advancing_the_clock_stops_at_every_send_so_none_is_missed(
    bench: RunningWorkbench,
) -> None:
    send(bench, BOB, "dm", "/pendulum checkin on")
    wait_for(bench, lambda: any(u["target"] == BOB for u in state(bench, BOB, "dm")["upcoming"]))
    before = len(state(bench, BOB, "dm")["messages"])
    _, result = call(bench, "/api/clock", {"action": "advance", "seconds": 8 * 86400})
    assert result["ok"] and result["settled"], result
    statuses = {(o["kind"], o["target"], o["status"]) for o in result["outcomes"]}
    assert ("checkin", BOB, "sent") in statuses
    assert not [o for o in result["outcomes"] if "missed" in (o["error"] or "")], result
    assert len(state(bench, BOB, "dm")["messages"]) > before


def test_a_message_shortcut_on_a_users_message(bench: RunningWorkbench) -> None:
    _, result = call(
        bench,
        "/api/act",
        {"type": "send", "user": DANA, "where": TEAM, "text": "I'll write the billing migration"},
    )
    assert result["ok"]
    posted = [m for m in state(bench, DANA, TEAM)["messages"] if m["user"] == DANA][-1]
    _, result = call(
        bench,
        "/api/act",
        {
            "type": "shortcut",
            "user": DANA,
            "where": TEAM,
            "ts": posted["ts"],
            "callback_id": "critical_path_check",
        },
    )
    assert result["ok"], result


# -- `pendulum-bot` with no tokens ------------------------------------------------------------
def clean_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PENDULUM_"))}
    env.update(PENDULUM_PORT=str(port), PENDULUM_DB=str(tmp_path / "pendulum.db"))
    return env


def test_a_busy_port_stops_it_with_one_line_before_anything_is_written(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [*console_script(), "run"],
            env=clean_env(tmp_path, port),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert "PENDULUM_PORT" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "pendulum.db").exists()


def test_clock_offsets_never_reach_an_app_connected_to_slack() -> None:
    from workbench.runner import app_config

    class FakeEmu:
        api_url = "https://slack.com/api/"

        class auth:
            bot_token, app_token = "xoxb-1", "xapp-1"

    with pytest.raises(RuntimeError):
        app_config(Config(), FakeEmu())  # type: ignore[arg-type]


def test_utc_text_is_what_the_api_reports(bench: RunningWorkbench) -> None:
    doc = state(bench, ALICE, "dm")
    assert doc["now"] == utc_text(datetime.fromisoformat(doc["now"]))


def test_invite_adds_the_app_to_a_channel_as_slack_does(bench: RunningWorkbench) -> None:
    random = "C0RANDOM"
    assert random not in state(bench, DANA, random)["app_in"]
    assert send(bench, DANA, random, "/pendulum remind #random monday 09:30")["ok"]
    refused = wait_for(bench, lambda: state(bench, DANA, random)["messages"])
    assert "/invite" in refused[-1]["text"]

    assert not send(bench, DANA, "dm", "/invite @pendulum")["ok"]
    assert send(bench, DANA, random, "/invite @pendulum")["ok"]
    assert random in state(bench, DANA, random)["app_in"]
    assert send(bench, DANA, random, "/pendulum remind #random monday 09:30")["ok"]
    wait_for(
        bench, lambda: any(u["target"] == random for u in state(bench, DANA, random)["upcoming"])
    )


def test_acting_on_something_gone_is_an_answer_not_a_crash(bench: RunningWorkbench) -> None:
    status, result = call(bench, "/api/act", {"type": "close", "user": BOB, "view_id": "V404"})
    assert status == 200 and not result["ok"]
    gone = {"kind": "message", "where": TEAM, "ts": "1.000001"}
    body = {"type": "click", "user": BOB, "target": gone, "action_id": "x"}
    status, result = call(bench, "/api/act", body)
    assert status == 200 and result == {"ok": False, "error": "That message is gone."}


def test_a_file_the_app_uploads_shows_in_the_dm(bench: RunningWorkbench) -> None:
    assert send(bench, DANA, "dm", "/pendulum export")["ok"]
    shared = wait_for(
        bench, lambda: [m for m in state(bench, DANA, "dm")["messages"] if m.get("files")]
    )
    assert shared[0]["files"][0]["name"].endswith(".json")


def test_sample_managers_come_with_calendars(bench: RunningWorkbench) -> None:
    """A newcomer sees focus time without a feed: `focus` shows the week from Dana's sample
    calendar, read in the background like any feed."""

    from bot.features.calendar_sync import secret_box
    from bot.store import calendars

    services = bench.app.services

    def measured() -> bool:
        cal = calendars.get(services.store, secret_box(services), bench.app.identity.team_id, DANA)
        return cal is not None and cal.fetch_outcome == "ok"

    wait_for(bench, measured, timeout=20)
    send(bench, DANA, TEAM, "/pendulum focus")
    shown = [m for m in state(bench, DANA, TEAM)["messages"] if m["ephemeral"]]
    assert "against your goal of 8 h" in json.dumps(shown[-1]["blocks"])


def test_the_home_chart_is_served_as_the_image_the_app_uploaded(bench: RunningWorkbench) -> None:
    from bot.features.calendar_sync import secret_box
    from bot.store import calendars

    services = bench.app.services
    team = bench.app.identity.team_id

    def measured() -> bool:
        cal = calendars.get(services.store, secret_box(services), team, BOB)
        return cal is not None and cal.fetch_outcome == "ok"

    wait_for(bench, measured, timeout=20)
    _, result = call(bench, "/api/act", {"type": "home", "user": BOB})
    assert result["ok"]

    def chart() -> dict[str, Any] | None:
        home = state(bench, BOB, "home")["home"] or {}
        return next((b for b in home.get("blocks", []) if b.get("type") == "image"), None)

    image = wait_for(bench, chart, timeout=10)
    request = urllib.request.Request(f"{bench.url}/api/file?id={image['slack_file']['id']}")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.read().startswith(b"\x89PNG")
    status, _ = call(bench, "/api/file?id=F0NOTHING")
    assert status == 404


def test_offline_mode_serves_healthz_and_metrics_like_every_mode(bench: RunningWorkbench) -> None:
    # right after another test moved the workbench clock, the tick has a jump to catch up
    wait_for(bench, lambda: call(bench, "/healthz")[0] == 200, timeout=15)
    status, health = call(bench, "/healthz")
    assert status == 200 and health["ok"] is True, health.get("problems")
    assert health["database"] == "ok" and health["integrity"] == "ok"
    assert health["mode"] == "offline" and "version" in health
    with urllib.request.urlopen(bench.url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        assert "pendulum_scheduler_last_tick_age_seconds" in response.read().decode()
