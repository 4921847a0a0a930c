"""Simulated users against a Bolt app over Socket Mode: clicks, modals, Home, events, and the
less common Web API flows (OAuth, file uploads, pagination)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import FakeClock
from slack_emulator import Channel, Emulator, User, UserActionError
from tests.support.emulator_bolt import app, client, close_in_background  # noqa: F401

ALICE, BOB = "U0ALICE", "U0BOB"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


CHECKIN_BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "How was your week?"}},
    {
        "type": "actions",
        "block_id": "good",
        "elements": [
            {"type": "button", "text": plain("Good"), "action_id": "rate", "value": "good"}
        ],
    },
    {
        "type": "actions",
        "block_id": "answer",
        "elements": [
            {"type": "button", "text": plain("Rough"), "action_id": "rate", "value": "rough"},
            {
                "type": "static_select",
                "action_id": "snooze",
                "placeholder": plain("Snooze"),
                "options": [
                    {"text": plain("1 day"), "value": "1d"},
                    {"text": plain("1 week"), "value": "1w"},
                ],
            },
        ],
    },
]
FORM = {
    "type": "modal",
    "callback_id": "focus",
    "title": plain("Focus time"),
    "submit": plain("Save"),
    "close": plain("Cancel"),
    "notify_on_close": True,
    "blocks": [
        {
            "type": "input",
            "block_id": "hours",
            "label": plain("Hours per week"),
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "days",
            "label": plain("Days"),
            "optional": True,
            "element": {
                "type": "checkboxes",
                "action_id": "pick",
                "options": [
                    {"text": plain("Mon"), "value": "mon"},
                    {"text": plain("Tue"), "value": "tue"},
                ],
            },
        },
    ],
}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    clock = FakeClock(datetime(2025, 7, 1, 14, 0, tzinfo=UTC))
    with Emulator(
        users=[User(ALICE, "alice", tz="America/New_York", email="a@x.test"), User(BOB, "bob")],
        channels=[Channel("C0TEAM", "team", members=[ALICE, BOB])],
        clock=clock,
    ) as emulator:
        yield emulator


def open_form(emu: Emulator, app: App, client: WebClient) -> str:
    @app.command("/pendulum")
    def pendulum(ack: Any, command: dict[str, Any]) -> None:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=FORM)

    emu.slash_command(ALICE, text="focus")
    return emu.wait_for(lambda: emu.modals(ALICE))[-1].id


def test_click_builds_block_actions_and_respond_replaces(
    emu: Emulator, app: App, client: WebClient
) -> None:
    bodies: list[dict[str, Any]] = []

    @app.action("rate")
    def rate(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        bodies.append(body)
        respond(replace_original=True, text=f"Thanks: {body['actions'][0]['value']}")

    client.chat_postMessage(channel=ALICE, text="Check-in", blocks=CHECKIN_BLOCKS)
    [message] = emu.messages(ALICE)
    assert emu.click(ALICE, message, "rate", value="rough").ok
    emu.wait_for(lambda: emu.messages(ALICE)[0].text.startswith("Thanks"))
    body = bodies[0]
    assert body["type"] == "block_actions" and body["user"]["id"] == ALICE
    assert body["container"] == {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": message.channel,
        "is_ephemeral": False,
    }
    assert body["actions"][0]["block_id"] == "answer" and body["message"]["ts"] == message.ts
    assert body["trigger_id"] and body["response_url"]
    assert emu.messages(ALICE)[0].text == "Thanks: rough"
    assert emu.problems == []


def test_select_and_impossible_clicks(emu: Emulator, app: App, client: WebClient) -> None:
    picked: list[dict[str, Any]] = []

    @app.action("snooze")
    def snooze(ack: Any, action: dict[str, Any]) -> None:
        ack()
        picked.append(action)

    client.chat_postMessage(channel="C0TEAM", text="Check-in", blocks=CHECKIN_BLOCKS)
    [message] = emu.messages("C0TEAM")
    emu.click(BOB, message, "snooze", "1w")
    assert picked[0]["selected_option"]["value"] == "1w"
    with pytest.raises(UserActionError):
        emu.click(BOB, message, "snooze", "1y")
    with pytest.raises(UserActionError):
        emu.click(BOB, message, "rate")  # two buttons share the action_id
    with pytest.raises(UserActionError):
        emu.click(BOB, message, "nope")


def test_submit_with_errors_then_success(emu: Emulator, app: App, client: WebClient) -> None:
    @app.view("focus")
    def save(ack: Any, view: dict[str, Any]) -> None:
        hours = view["state"]["values"]["hours"]["value"]["value"]
        if not hours.isdigit():
            ack(response_action="errors", errors={"hours": "A number, please"})
        else:
            ack()

    view_id = open_form(emu, app, client)
    with pytest.raises(UserActionError):
        emu.submit_view(ALICE, view_id)  # required input left empty
    rejected = emu.submit_view(ALICE, view_id, {"hours": {"value": "lots"}})
    assert rejected.outcome["errors"] == {"hours": "A number, please"}
    assert emu.view(view_id).errors == {"hours": "A number, please"}
    accepted = emu.submit_view(
        ALICE, view_id, {"hours": {"value": "6"}, "days": {"pick": ["mon", "tue"]}}
    )
    assert accepted.outcome["closed"] == [view_id] and emu.modals(ALICE) == []
    assert emu.problems == []


def test_submit_update_push_and_bad_errors(emu: Emulator, app: App, client: WebClient) -> None:
    step = {"n": 0}
    pushed = {**FORM, "callback_id": "more", "title": plain("More")}

    @app.view("focus")
    def save(ack: Any) -> None:
        step["n"] += 1
        if step["n"] == 1:
            ack(response_action="update", view={**FORM, "title": plain("Updated")})
        elif step["n"] == 2:
            ack(response_action="push", view=pushed)
        else:
            ack(response_action="errors", errors={"no_such_block": "x"})

    view_id = open_form(emu, app, client)
    emu.submit_view(ALICE, view_id, {"hours": {"value": "1"}})
    assert emu.view(view_id).spec["title"]["text"] == "Updated"
    emu.submit_view(ALICE, view_id)
    assert [v.callback_id for v in emu.modals(ALICE)] == ["focus", "more"]

    @app.view("more")
    def more(ack: Any) -> None:
        ack(response_action="clear")

    top = emu.modals(ALICE)[-1].id
    emu.submit_view(ALICE, top, {"hours": {"value": "2"}})
    assert emu.modals(ALICE) == []
    view_id = open_form(emu, app, client)
    emu.submit_view(ALICE, view_id, {"hours": {"value": "3"}})
    assert "errors for unknown input blocks" in str(emu.problems[0])


def test_close_view_notifies(emu: Emulator, app: App, client: WebClient) -> None:
    closed: list[dict[str, Any]] = []

    @app.view_closed("focus")
    def on_close(ack: Any, body: dict[str, Any]) -> None:
        ack()
        closed.append(body)

    view_id = open_form(emu, app, client)
    delivery = emu.close_view(ALICE, view_id)
    assert delivery is not None and delivery.ok
    assert closed[0]["type"] == "view_closed" and closed[0]["view"]["id"] == view_id
    assert emu.modals(ALICE) == []


def test_home_publish_open_and_hash(emu: Emulator, app: App, client: WebClient) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your week"}}],
    }

    @app.event("app_home_opened")
    def opened(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view=home)

    emu.open_home(ALICE)
    published = emu.wait_for(lambda: emu.home(ALICE))
    assert published.blocks[0]["text"]["text"] == "Your week"
    stale = published.hash
    client.views_publish(user_id=ALICE, view=home, hash=stale)
    with pytest.raises(SlackApiError) as conflict:
        client.views_publish(user_id=ALICE, view=home, hash=stale)
    assert conflict.value.response["error"] == "hash_conflict"
    second = emu.open_home(ALICE)
    assert second.payload["event"]["view"]["id"] == published.id


def test_views_update_by_external_id(emu: Emulator, app: App, client: WebClient) -> None:
    @app.command("/pendulum")
    def pendulum(ack: Any, command: dict[str, Any]) -> None:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view={**FORM, "external_id": "f1"})

    emu.slash_command(ALICE)
    view = emu.wait_for(lambda: emu.modals(ALICE))[0]
    client.views_update(external_id="f1", view={**FORM, "title": plain("Again")})
    assert emu.view(view.id).spec["title"]["text"] == "Again"
    with pytest.raises(SlackApiError) as missing:
        client.views_update(view_id="V_NOPE", view=FORM)
    assert missing.value.response["error"] == "not_found"


def test_user_messages_shortcuts_and_profile_changes(
    emu: Emulator, app: App, client: WebClient
) -> None:
    got: list[str] = []
    app.event("message")(lambda message: got.append(message["text"]))
    app.event("app_mention")(lambda event: got.append("mention"))
    app.event("user_change")(lambda event: got.append(event["user"]["tz"]))

    @app.shortcut("save_tip")
    def save_tip(ack: Any, shortcut: dict[str, Any]) -> None:
        ack()
        got.append(shortcut["message"]["text"])

    emu.post_as_user(ALICE, None, "skip this week")
    emu.post_as_user(ALICE, "C0TEAM", f"<@{emu.bot.user_id}> hi")
    sent = client.chat_postMessage(channel="C0TEAM", text="Tip: block focus time")
    emu.message_shortcut(BOB, "C0TEAM", sent["ts"], "save_tip")
    emu.update_user(ALICE, tz="Europe/Berlin")
    emu.wait_for(lambda: len(got) == 5)
    assert set(got) == {
        "skip this week",
        f"<@{emu.bot.user_id}> hi",
        "mention",
        "Tip: block focus time",
        "Europe/Berlin",
    }
    assert client.users_info(user=ALICE)["user"]["tz"] == "Europe/Berlin"
    assert emu.problems == []


def test_uninstall_revokes_tokens(emu: Emulator, app: App, client: WebClient) -> None:
    app.event("app_uninstalled")(lambda: None)
    app.event("tokens_revoked")(lambda: None)
    deliveries = emu.uninstall()
    assert [d.payload["event"]["type"] for d in deliveries] == ["app_uninstalled", "tokens_revoked"]
    with pytest.raises(SlackApiError) as revoked:
        client.auth_test()
    assert revoked.value.response["error"] == "token_revoked"
    assert emu.problems == []


def test_users_info_follows_the_emulator_clock(emu: Emulator, client: WebClient) -> None:
    user = client.users_info(user=ALICE)["user"]
    assert (user["tz_offset"], user["tz_label"]) == (-14400, "Eastern Daylight Time")
    assert user["profile"]["email"] == "a@x.test"


def test_oauth_install(emu: Emulator) -> None:
    emu.register_oauth_code("code-1", ALICE, redirect_uri="https://x.test/oauth")
    anonymous = WebClient(base_url=emu.api_url)
    installed = anonymous.oauth_v2_access(
        client_id=emu.auth.client_id,
        client_secret=emu.auth.client_secret,
        code="code-1",
        redirect_uri="https://x.test/oauth",
    )
    assert installed["team"]["id"] == "T0PENDULUM" and installed["authed_user"]["id"] == ALICE
    assert WebClient(token=installed["access_token"], base_url=emu.api_url).auth_test()["ok"]
    with pytest.raises(SlackApiError) as reused:
        anonymous.oauth_v2_access(
            client_id=emu.auth.client_id, client_secret=emu.auth.client_secret, code="code-1"
        )
    assert reused.value.response["error"] == "invalid_code"


def test_files_upload_v2(emu: Emulator, client: WebClient) -> None:
    client.files_upload_v2(
        channel="C0TEAM",
        content="week,hours\n1,6\n",
        filename="focus.csv",
        initial_comment="Your focus report",
    )
    [message] = emu.messages("C0TEAM")
    assert message.text == "Your focus report" and message.files[0]["name"] == "focus.csv"
    assert emu.problems == []


def test_pagination_and_visibility(emu: Emulator, client: WebClient) -> None:
    for i in range(5):
        emu.add_user(User(f"U0EXTRA{i}", f"extra{i}"))
    first = client.users_list(limit=3)
    assert len(first["members"]) == 3 and first["response_metadata"]["next_cursor"]
    rest = client.users_list(limit=100, cursor=first["response_metadata"]["next_cursor"])
    assert len(first["members"]) + len(rest["members"]) == 8  # 7 people + the bot
    assert client.conversations_members(channel="C0TEAM")["members"] == [
        ALICE,
        BOB,
        emu.bot.user_id,
    ]
    names = [c["name"] for c in client.conversations_list()["channels"]]
    assert names == ["team"]


def test_standalone_entry_point(tmp_path: Path) -> None:
    config = tmp_path / "workspace.json"
    config.write_text(json.dumps({"team_name": "Acme", "users": [{"id": ALICE, "name": "alice"}]}))
    process = subprocess.Popen(
        [sys.executable, "-m", "slack_emulator", "--config", str(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("SLACK_API_URL=http://127.0.0.1:")
        api = WebClient(token="xoxb-emulator", base_url=line.split("=", 1)[1])
        assert api.users_info(user=ALICE)["user"]["name"] == "alice"
    finally:
        process.terminate()
        process.wait(timeout=5)
