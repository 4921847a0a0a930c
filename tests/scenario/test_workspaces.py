"""Workspaces are kept apart: every table is keyed by workspace, nothing of one workspace is
visible from another, and an uninstall deletes exactly that workspace (or Grid org).

The data is seeded generically from the live schema (`seed`), so tables added later by other
features are covered without editing this file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.clock import FakeClock
from bot.slack.installations import SqliteInstallationStore
from bot.store import Store
from bot.store.admin import (
    GLOBAL_TABLES,
    columns,
    export,
    table_names,
    team_ids,
    unscoped_tables,
    workspace_rows,
)
from bot.store.installations import (
    forget_org,
    forget_workspace,
    remember_workspace,
    token_for_team,
)
from slack_emulator import Emulator
from tests.support.databases import open_test_store
from tests.support.harness import ALICE, TEAM, AppProcess, start_app
from tests.support.steps import CLIENT_ID, SHARED_USER, dump, seed


def string_values(document: Any) -> set[str]:
    """Every string in a JSON-like document, keys included, as whole values."""
    if isinstance(document, dict):
        return {str(k) for k in document} | {
            v for value in document.values() for v in string_values(value)
        }
    if isinstance(document, list | tuple):
        return {v for item in document for v in string_values(item)}
    return {document} if isinstance(document, str) else set()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield open_test_store(tmp_path, "p.db")


# -- the schema ----------------------------------------------------------------------------
def test_every_table_is_keyed_by_workspace(store: Store) -> None:
    unscoped = unscoped_tables(store.db)
    assert unscoped == [], (
        f"tables {unscoped} have no team_id column and no foreign key into a table that has "
        "one, so a workspace's rows in them can't be found, exported or deleted on uninstall. "
        "Add team_id (or, if they truly hold no workspace data, name them in "
        "bot/store/admin.py GLOBAL_TABLES)."
    )
    for table in GLOBAL_TABLES:
        if table in table_names(store.db):
            assert "team_id" not in columns(store.db, table)


def test_the_seed_reaches_every_workspace_table(store: Store) -> None:
    inserted = seed(store, "T1", "alpha")
    empty = [t for t, n in inserted.items() if n == 0]
    assert not empty, (
        f"could not seed {empty}; teach tests/scenario/test_workspaces.py:seed about them"
    )


# -- nothing crosses over ------------------------------------------------------------------
# An hour whose timestamp holds "T1" ("...T13:24:34"): ids must be compared as values.
EXPORTED_AT = datetime(2026, 12, 1, 13, 24, 34, tzinfo=UTC)


def test_nothing_of_one_workspace_is_visible_from_another(store: Store) -> None:
    seed(store, "T1", "alpha")
    seed(store, "T2", "bravo")
    installs = SqliteInstallationStore(store, CLIENT_ID, FakeClock(datetime.now(UTC)))
    assert installs.find_installation(enterprise_id=None, team_id="T1") is not None

    assert team_ids(store.db) == ["T1", "T2"]
    for team, mine, theirs in (("T1", "alpha", "bravo"), ("T2", "bravo", "alpha")):
        other = "T2" if team == "T1" else "T1"
        exported = export(store.db, EXPORTED_AT, team)
        document = json.dumps(exported, default=str)
        # markers are words no timestamp can contain; ids are compared as whole values, since
        # `exported_at` holds "T1" whenever the UTC hour is 10-19
        assert mine in document and theirs not in document
        assert other not in string_values(exported)
        assert other not in exported["teams"]
        for table, rows in workspace_rows(store.db, team).items():
            assert rows, f"{team} has no rows in {table}"
            assert all(row.get("team_id", team) == team for row in rows)
        # the workspace's token, and only its own
        token = token_for_team(store, team)
        assert token is not None and mine in token
        found = installs.find_bot(enterprise_id=None, team_id=team)
        assert found is not None and found.bot_token == token

    # what the person-level tools (privacy, export, forget me) see of the same user id
    personal = pytest.importorskip("bot.store.personal")
    for team, theirs in (("T1", "bravo"), ("T2", "alpha")):
        mine_only = json.dumps(personal.export(store, team, SHARED_USER), default=str)
        assert theirs not in mine_only and SHARED_USER in mine_only
        # the bot token is workspace data, never part of one person's export
        assert "bot_token" not in mine_only


def test_tokens_are_redacted_in_exports(store: Store) -> None:
    seed(store, "T1", "alpha")
    rows = workspace_rows(store.db, "T1")["installations"]
    assert rows and all(r["bot_token"] == "[redacted]" for r in rows)
    assert "alpha-installations-bot_token" not in json.dumps(
        export(store.db, EXPORTED_AT), default=str
    )


# -- uninstall -----------------------------------------------------------------------------
def test_uninstall_wipes_exactly_one_workspace(store: Store) -> None:
    seed(store, "T1", "alpha")
    seed(store, "T2", "bravo")
    with store.write() as db:
        db.execute(
            "INSERT INTO oauth_states (state, expires_at) VALUES ('s', '2030-01-01T00:00:00+00:00')"
        )
    before = dump(store)
    t1_rows = sum(len(rows) for rows in dump(store, "T1").values())
    t2_before = dump(store, "T2")

    deleted = forget_workspace(store, "T1")

    assert sum(deleted.values()) == t1_rows > 0
    assert all(rows == [] for rows in dump(store, "T1").values())
    assert dump(store, "T2") == t2_before
    after = dump(store)
    for table in GLOBAL_TABLES:
        if table in after:
            assert after[table] == before[table], f"{table} changed"
    assert forget_workspace(store, "T1") == {t: 0 for t in deleted}  # idempotent


def test_an_org_uninstall_removes_every_workspace_of_the_org(store: Store) -> None:
    installs = SqliteInstallationStore(store, CLIENT_ID, FakeClock(datetime.now(UTC)))

    installs.save(
        Installation(
            enterprise_id="E1",
            team_id=None,
            is_enterprise_install=True,
            bot_token="xoxb-org",
            bot_user_id="UBOT",
            user_id="UADMIN",
        )
    )
    for team, marker in (("T3", "charlie"), ("T4", "delta"), ("T1", "alpha")):
        seed(store, team, marker)
    for team in ("T3", "T4"):
        remember_workspace(store, team, enterprise_id="E1")
    t1 = dump(store, "T1")

    forget_org(store, "E1")

    assert all(rows == [] for team in ("T3", "T4") for rows in dump(store, team).values())
    assert (
        store.db.execute(
            "SELECT COUNT(*) FROM installations WHERE enterprise_id = 'E1'"
        ).fetchone()[0]
        == 0
    )
    assert dump(store, "T1") == t1


# -- end to end: Slack uninstalls the app ---------------------------------------------------
def seed_file(location: str, team: str, marker: str) -> None:
    store = Store(location)
    try:
        seed(store, team, marker)
    finally:
        store.close()


def rows_of(location: str, team: str) -> dict[str, list[tuple[Any, ...]]]:
    store = Store(location)
    try:
        return dump(store, team)
    finally:
        store.close()


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_app_uninstalled_in_slack_deletes_that_workspace_only(
    emu: Emulator, app: AppProcess
) -> None:
    assert emu.slash_command(ALICE, TEAM, "help").ok
    seed_file(app.db_location, "T0PENDULUM", "mine")
    seed_file(app.db_location, "T0OTHER", "theirs")
    other = rows_of(app.db_location, "T0OTHER")

    emu.uninstall()

    wait_until(lambda: not any(rows_of(app.db_location, "T0PENDULUM").values()))
    app.wait_for_log("app_uninstalled: deleted")
    assert rows_of(app.db_location, "T0OTHER") == other
    assert "stop it, or reinstall the app" in app.logs()
    emu.clear_problems()  # calls with the revoked token after the uninstall are expected


def test_oauth_uninstall_forgets_the_installation(emu: Emulator, tmp_path: Path) -> None:
    from tests.scenario.test_oauth import begin_install, finish_install

    app = start_app(emu, tmp_path / "app", mode="oauth")
    try:
        state, cookie, _ = begin_install(app)
        emu.register_oauth_code("code-9", ALICE)
        assert finish_install(app, "code-9", state, cookie)[0] == 200
        assert emu.slash_command(ALICE, TEAM, "help").ok
        seed_file(app.db_location, "T0OTHER", "theirs")
        other = rows_of(app.db_location, "T0OTHER")
        assert rows_of(app.db_location, "T0PENDULUM")["installations"]

        emu.uninstall()

        wait_until(lambda: not any(rows_of(app.db_location, "T0PENDULUM").values()))
        assert rows_of(app.db_location, "T0OTHER") == other
        assert "stop it, or reinstall" not in app.logs()  # OAuth mode serves the others on
        emu.clear_problems()
    finally:
        app.stop()


def test_each_workspace_is_recorded_once_with_its_grid_org(store: Store) -> None:
    from types import SimpleNamespace

    from bot.slack.installations import WorkspaceTracker

    tracker = WorkspaceTracker(store, FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    calls: list[str] = []

    def request(team: str, enterprise: str | None, event: str | None = None) -> Any:
        body = {"type": "event_callback", "event": {"type": event}} if event else {}
        context = SimpleNamespace(team_id=team, enterprise_id=enterprise)
        return SimpleNamespace(body=body, context=context)

    for team, org in (("T5", "E1"), ("T5", "E1"), ("T6", None)):
        tracker.around(request(team, org), lambda req: calls.append("next"))  # type: ignore[arg-type,func-returns-value]
    # the uninstall event itself must not bring the workspace back
    tracker.around(request("T7", None, "app_uninstalled"), lambda req: calls.append("next"))  # type: ignore[arg-type,func-returns-value]
    assert calls == ["next"] * 4
    rows = store.db.execute("SELECT team_id, enterprise_id FROM workspaces ORDER BY 1").fetchall()
    assert rows == [("T5", "E1"), ("T6", None)]
