"""`forget me` leaves no copy of a manager's words in the raw database files: not in the main
file's free pages (secure_delete) and not in the write-ahead log (emptied after a forget).
The real app runs against the emulator; the test reads the bytes of every file SQLite keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.store import Store
from slack_emulator import Emulator
from tests.support.harness import ALICE, TEAM, AppProcess
from tests.support.steps import ANSWERS, open_checkin, wait_ephemeral

# the raw files of SQLite; PostgreSQL's files are the server's (deploy/POSTGRES.md)
pytestmark = pytest.mark.sqlite_only

NOTE = "Quokka-marmalade-7391 is leaving the team"


def raw_files(db_path: Path) -> dict[str, bytes]:
    out = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = db_path.with_name(db_path.name + suffix)
        if path.exists():
            out[path.name] = path.read_bytes()
    return out


def holding(db_path: Path, text: str) -> list[str]:
    needle = text.encode()
    return [name for name, data in raw_files(db_path).items() if needle in data]


def test_forget_me_leaves_the_note_in_no_database_file(emu: Emulator, app: AppProcess) -> None:
    modal = open_checkin(emu)
    delivery = emu.submit_view(ALICE, modal, {**ANSWERS, "note": {"value": NOTE}})
    assert delivery.outcome.get("closed")
    assert holding(app.db_path, NOTE)  # the test can see it while it is stored

    emu.slash_command(ALICE, TEAM, "forget me")
    confirm = wait_ephemeral(emu, ALICE, "forget_confirm")
    emu.click(ALICE, confirm, "forget_confirm")
    emu.wait_for(
        lambda: any("deleted everything" in str(p) for p in emu.response_posts),
        timeout=10,
        message="the deletion confirmation",
    )
    assert holding(app.db_path, NOTE) == []
    # and while the app keeps running and writing
    emu.slash_command(ALICE, TEAM, "help")
    assert holding(app.db_path, NOTE) == []


def test_secure_delete_is_on_whatever_the_build_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian's SQLite zeroes deleted rows by default; stock builds don't. Act as a stock
    build would (connections start with secure_delete off): the store still turns it on,
    and a deleted note leaves no bytes in the file."""
    real_connect = sqlite3.connect

    def stock_build(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete = OFF")
        return conn

    monkeypatch.setattr(sqlite3, "connect", stock_build)
    store = Store(tmp_path / "pendulum.db")
    assert store.db.execute("PRAGMA secure_delete").fetchone() == (1,)
    store.db.execute("CREATE TABLE notes (body TEXT)")
    with store.write() as db:
        db.execute("INSERT INTO notes VALUES (?)", [NOTE])
    with store.write() as db:
        db.execute("DELETE FROM notes")
    assert store.erase_history()
    assert holding(store.path, NOTE) == []
    store.close()
