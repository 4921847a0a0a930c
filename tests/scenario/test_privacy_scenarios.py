"""Privacy end to end. `/pendulum export` over signed HTTP: the file and its announcement
arrive as one message; a workspace without `files:write` gets a message saying so instead of
a promise; a signed export captured and replayed after a restart (inside the 5-minute
signature window) runs once. `forget me` leaves no once-only key naming the person in the
database file.
"""

from __future__ import annotations

import http.client
from pathlib import Path

from bench.observe import settle
from slack_emulator import Emulator
from slack_emulator.http_delivery import encode
from slack_emulator.models import Message
from slack_emulator.signing import signed_headers
from tests.support.harness import ALICE, BOB, TEAM, AppProcess, start_app


def dm_messages(emu: Emulator) -> list[Message]:
    return emu.messages(emu.dm_channel(ALICE))


def with_files(emu: Emulator) -> list[Message]:
    return [m for m in dm_messages(emu) if m.files]


def post(app: AppProcess, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_the_export_is_one_message_with_the_file(emu: Emulator, http_app: AppProcess) -> None:
    assert emu.slash_command(ALICE, text="export").ok
    (sent,) = emu.wait_for(lambda: with_files(emu), timeout=15, message="the export file")
    settle(emu, http_app.db_location)
    assert dm_messages(emu) == [sent]  # no separate announcement before (or after) the file
    assert "everything Pendulum stores about you" in sent.text
    assert sent.files[0]["name"].startswith("pendulum-export-")
    emu.assert_no_problems()


def test_without_files_write_the_dm_says_why_and_promises_nothing(
    emu: Emulator, http_app: AppProcess
) -> None:
    emu.scopes.discard("files:write")
    assert emu.slash_command(ALICE, text="export").ok
    (said,) = emu.wait_for(lambda: dm_messages(emu), timeout=15, message="a DM about the export")
    settle(emu, http_app.db_location)
    assert dm_messages(emu) == [said] and not said.files
    assert "files:write" in str(said.blocks) and "Here's everything" not in said.text
    assert "Traceback" not in http_app.logs()


def test_a_signed_export_replayed_after_a_restart_runs_once(emu: Emulator, tmp_path: Path) -> None:
    workdir = tmp_path / "app"
    app = start_app(emu, workdir, mode="http")
    try:
        first = emu.slash_command(ALICE, text="export")
        assert first.ok
        emu.wait_for(lambda: with_files(emu), timeout=15, message="the export file")
        settle(emu, app.db_location)
        # what an attacker on the wire kept: the exact bytes, signed, well within 5 minutes
        body, content_type = encode("slash_commands", first.payload)
        captured = {"Content-Type": content_type, **signed_headers(emu.auth.signing_secret, body)}
    finally:
        app.stop()
    uploads = len(emu.calls_to("files.completeUploadExternal"))

    app = start_app(emu, workdir, mode="http")
    try:
        assert post(app, body, captured) == 200
        settle(emu, app.db_location)
        assert len(with_files(emu)) == 1 and len(dm_messages(emu)) == 1
        assert len(emu.calls_to("files.completeUploadExternal")) == uploads == 1
    finally:
        app.stop()


def request_keys(app: AppProcess) -> list[str]:
    """Straight from the database, as anyone holding it would read it."""
    return [str(r[0]) for r in app.query("SELECT key FROM processed_requests")]


def test_forget_me_removes_the_once_only_keys_that_name_me(emu: Emulator, app: AppProcess) -> None:
    for user in (ALICE, BOB):  # a topic shared in the channel, a hello in the DM
        assert emu.slash_command(user, TEAM, "ladder").ok
        emu.click(user, emu.ephemerals(channel=TEAM, user=user)[-1], "topic_share")
        emu.post_as_user(user, None, "hello")

    def named(user: str) -> list[str]:
        return [k for k in request_keys(app) if user in k]

    emu.wait_for(
        lambda: all(len(named(u)) == 2 for u in (ALICE, BOB)),
        timeout=15,
        message="share and DM-hint keys for both",
    )

    emu.slash_command(ALICE, TEAM, "forget me")
    confirm = emu.wait_for(
        lambda: [e for e in emu.ephemerals(user=ALICE) if "forget_confirm" in str(e.blocks)],
        timeout=10,
        message="the confirm button",
    )[-1]
    emu.click(ALICE, confirm, "forget_confirm")
    emu.wait_for(
        lambda: any("deleted everything" in str(p) for p in emu.response_posts),
        timeout=10,
        message="the deletion confirmation",
    )
    assert named(ALICE) == []
    assert len(named(BOB)) == 2  # nobody else's
