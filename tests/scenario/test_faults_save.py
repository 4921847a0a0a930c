"""Fault: the check-in can't be saved (the disk is full, a table is damaged, the note holds
text the database can't encode). The real app runs against the emulator; the modal must stay open
with what was typed and an inline "couldn't save, try again", and a retry must save."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from slack_emulator import Emulator
from tests.support.databases import on_postgres
from tests.support.harness import ALICE, AppProcess
from tests.support.steps import ANSWERS, open_checkin, query


@contextmanager
def disk_full(app: AppProcess) -> Iterator[None]:
    """Every write to `checkins` fails the way a full disk makes the database fail."""
    if on_postgres():
        app.execute(
            "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " RAISE EXCEPTION 'could not extend file: No space left on device'"
            " USING ERRCODE = 'disk_full'; END $$"
        )
        app.execute(
            "CREATE TRIGGER disk_full BEFORE INSERT ON checkins"
            " FOR EACH ROW EXECUTE FUNCTION disk_full()"
        )
        try:
            yield
        finally:
            app.execute("DROP TRIGGER disk_full ON checkins")
            app.execute("DROP FUNCTION disk_full()")
        return
    conn = sqlite3.connect(app.db_path, timeout=10, isolation_level=None)
    conn.execute(
        "CREATE TRIGGER disk_full BEFORE INSERT ON checkins"
        " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    try:
        yield
    finally:
        conn.execute("DROP TRIGGER disk_full")
        conn.close()


def no_sorry_dm(emu: Emulator) -> None:
    assert not [m for m in emu.messages(ALICE) if "Something went wrong" in (m.text or "")]


def test_a_failed_save_keeps_the_modal_open_and_a_retry_saves(
    emu: Emulator, app: AppProcess
) -> None:
    modal = open_checkin(emu)
    with disk_full(app):
        delivery = emu.submit_view(ALICE, modal, {**ANSWERS, "note": {"value": "Hiring week"}})
    errors = delivery.outcome.get("errors") or {}
    assert not delivery.outcome.get("closed")
    assert any("couldn't save" in text and "try again" in text for text in errors.values())
    assert query(app, "SELECT count(*) FROM checkins WHERE status = 'answered'") == [(0,)]
    full = "No space left on device" if on_postgres() else "database or disk is full"
    assert full in app.logs()  # the operator gets the cause

    retry = emu.submit_view(ALICE, modal)  # the same modal, answers still filled in
    assert retry.outcome.get("closed")
    assert query(app, "SELECT note FROM checkins") == [("Hiring week",)]
    no_sorry_dm(emu)


def test_a_lone_surrogate_in_the_note_is_saved_not_lost(emu: Emulator, app: AppProcess) -> None:
    modal = open_checkin(emu)
    delivery = emu.submit_view(ALICE, modal, {**ANSWERS, "note": {"value": "half \ud800 done"}})
    assert delivery.outcome.get("closed"), delivery.outcome
    assert query(app, "SELECT note FROM checkins") == [("half \ufffd done",)]
    assert "UnicodeEncodeError" not in app.logs()
    no_sorry_dm(emu)
