"""Multi-workspace install: OAuth configuration, the SQLite installation and state stores, and
the whole install flow against the emulator's `oauth.v2.access`."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.clock import FakeClock
from bot.config import ConfigError, load_config
from bot.slack.installations import SqliteInstallationStore, SqliteOAuthStateStore
from bot.slack.oauth import BOT_SCOPES, authorization_url
from bot.store import Store
from bot.store.installations import remember_workspace, token_for_team
from slack_emulator import Emulator
from tests.support.databases import open_test_store
from tests.support.harness import ALICE, BOB, TEAM, AppProcess, start_app

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OAUTH = {
    "SLACK_CLIENT_ID": "123.456",
    "SLACK_CLIENT_SECRET": "c-secret",
    "SLACK_SIGNING_SECRET": "s-secret",
}


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"PENDULUM_DB": str(tmp_path / "p.db"), **values}


# -- configuration -------------------------------------------------------------------------
def test_client_id_secret_and_signing_secret_select_oauth_mode(tmp_path: Path) -> None:
    config = load_config(env(tmp_path, **OAUTH, SLACK_REDIRECT_URI="https://x.example/r"))
    assert config.mode == "oauth" and config.bot_token is None
    assert (config.client_id, config.redirect_uri) == ("123.456", "https://x.example/r")
    assert "c-secret" not in repr(config) and "s-secret" not in repr(config)


def test_single_workspace_modes_are_unchanged(tmp_path: Path) -> None:
    assert (
        load_config(env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1")).mode
        == "socket"
    )
    assert (
        load_config(env(tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s")).mode
        == "http"
    )


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_CLIENT_ID"),
        ({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_ID"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, "SLACK_SIGNING_SECRET"),
        ({**OAUTH, "SLACK_REDIRECT_URI": "example.com/r"}, "SLACK_REDIRECT_URI"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_incomplete_oauth_settings_name_the_variable_and_the_fix(
    tmp_path: Path, values: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env(tmp_path, **values))
    assert caught.value.variable == variable and "Fix: " in str(caught.value)


def test_authorize_url_follows_the_api_url() -> None:
    assert authorization_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert (
        authorization_url("https://slack-gov.com/api/")
        == "https://slack-gov.com/oauth/v2/authorize"
    )
    assert authorization_url("http://127.0.0.1:9/api/") == "http://127.0.0.1:9/oauth/v2/authorize"


# -- the stores ----------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield open_test_store(tmp_path, "p.db")


def installation(
    team: str | None, user: str, token: str, *, org: str | None = None
) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=org,
        team_id=team,
        team_name=f"name of {team}",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes=",".join(BOT_SCOPES),
        user_id=user,
        is_enterprise_install=team is None,
    )


def test_installations_are_found_per_workspace(store: Store) -> None:
    installs = SqliteInstallationStore(store, "123.456", FakeClock(NOW))
    installs.save(installation("T1", ALICE, "xoxb-one"))
    installs.save(installation("T2", BOB, "xoxb-two"))

    found = installs.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and (found.bot_token, found.user_id) == ("xoxb-one", ALICE)
    assert found.bot_scopes == list(BOT_SCOPES)
    bot = installs.find_bot(enterprise_id=None, team_id="T2")
    assert bot is not None and bot.bot_token == "xoxb-two"
    assert installs.find_installation(enterprise_id=None, team_id="T3") is None
    assert (token_for_team(store, "T1"), token_for_team(store, "T2")) == ("xoxb-one", "xoxb-two")
    assert token_for_team(store, "T3") is None
    names = dict(store.db.execute("SELECT team_id, name FROM workspaces").fetchall())
    assert names == {"T1": "name of T1", "T2": "name of T2"}

    # a second person reinstalls (new scopes, new token): one token for the whole workspace
    installs.save(installation("T1", BOB, "xoxb-one-b"))
    assert token_for_team(store, "T1") == "xoxb-one-b"
    mine = installs.find_installation(enterprise_id=None, team_id="T1", user_id=ALICE)
    assert mine is not None and mine.bot_token == "xoxb-one-b"
    rows = store.db.execute("SELECT COUNT(*) FROM installations WHERE team_id = 'T1'").fetchone()
    assert rows[0] == 2

    installs.delete_installation(enterprise_id=None, team_id="T1")
    assert installs.find_bot(enterprise_id=None, team_id="T1") is None
    assert token_for_team(store, "T2") == "xoxb-two"


def test_an_enterprise_grid_org_install_serves_every_workspace_of_the_org(store: Store) -> None:
    installs = SqliteInstallationStore(store, "123.456", FakeClock(NOW))
    installs.save(installation(None, ALICE, "xoxb-org", org="E1"))
    found = installs.find_installation(enterprise_id="E1", team_id=None, is_enterprise_install=True)
    assert found is not None and found.bot_token == "xoxb-org" and found.is_enterprise_install
    # a request from workspace T7 inside the org
    bot = installs.find_bot(enterprise_id="E1", team_id="T7", is_enterprise_install=False)
    assert bot is not None and bot.bot_token == "xoxb-org"
    # scheduled sends know only the team id: the workspace row links it to its org
    assert token_for_team(store, "T7") is None
    remember_workspace(store, "T7", enterprise_id="E1", now=NOW)
    assert token_for_team(store, "T7") == "xoxb-org"
    assert installs.find_bot(enterprise_id="E2", team_id="T7") is None


def test_a_state_is_good_once_and_expires(store: Store) -> None:
    clock = FakeClock(NOW)
    states = SqliteOAuthStateStore(store, expiration_seconds=600, clock=clock)
    state = states.issue()
    assert len(state) >= 32 and states.issue() != state
    assert states.consume(state) is True
    assert states.consume(state) is False  # replayed
    late = states.issue()
    clock.advance(timedelta(seconds=601))
    assert states.consume(late) is False
    assert states.consume("") is False
    states.issue()  # issuing sweeps the expired ones
    assert store.db.execute("SELECT COUNT(*) FROM oauth_states").fetchone()[0] == 1


# -- end to end against the emulator -------------------------------------------------------
@pytest.fixture
def oauth_app(emu: Emulator, tmp_path: Path) -> Iterator[AppProcess]:
    process = start_app(emu, tmp_path / "app", mode="oauth")
    yield process
    process.stop()


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def begin_install(app: AppProcess) -> tuple[str, str, dict[str, list[str]]]:
    """GET /slack/install: (state, cookie, authorize URL query)."""
    status, headers, html = get(f"http://127.0.0.1:{app.port}/slack/install")
    assert status == 200
    link = re.search(r'<a href="([^"]+)"', html)
    assert link is not None
    url = urllib.parse.urlparse(link.group(1).replace("&amp;", "&"))
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    cookie = headers["Set-Cookie"].split(";")[0]
    return query["state"][0], cookie, {**query, "_url": [f"{url.scheme}://{url.netloc}{url.path}"]}


def finish_install(app: AppProcess, code: str, state: str, cookie: str | None) -> tuple[int, str]:
    status, _headers, html = get(
        f"http://127.0.0.1:{app.port}/slack/oauth_redirect?code={code}&state={state}", cookie
    )
    return status, html


def installations(app: AppProcess) -> list[tuple[str, str, str]]:
    return app.query("SELECT team_id, installer_id, bot_token FROM installations")  # type: ignore[return-value]


def test_install_from_slack_install_to_a_working_command(
    emu: Emulator, oauth_app: AppProcess
) -> None:
    assert "mode=oauth" in oauth_app.logs() and "installations=0" in oauth_app.logs()
    state, cookie, query = begin_install(oauth_app)
    # the installer is sent to the authorize page of SLACK_API_URL's host, least privilege
    assert query["_url"] == [emu.api_url.replace("/api/", "/oauth/v2/authorize")]
    assert query["client_id"] == [emu.auth.client_id]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    assert query["user_scope"] == [""]

    emu.register_oauth_code("code-1", ALICE, scopes=BOT_SCOPES)
    status, html = finish_install(oauth_app, "code-1", state, cookie)
    assert status == 200 and "Thank you" in html
    ((team, installer, token),) = installations(oauth_app)
    assert (team, installer) == (emu.bot and "T0PENDULUM", ALICE)
    assert token.startswith("xoxb-emulator-install-")
    (exchange,) = emu.calls_to("oauth.v2.access")
    assert exchange.params["client_secret"] == "(redacted)" and exchange.params["code"] == "code-1"

    # Bolt's authorize now finds the workspace's token in the database
    delivery = emu.slash_command(ALICE, TEAM, "help")
    assert delivery.ok and "Pendulum" in repr(delivery.ack)
    emu.assert_no_problems()
    logs = oauth_app.logs()
    assert token not in logs and emu.auth.client_secret not in logs and "code-1" not in logs
    assert "installed: workspace Acme (T0PENDULUM) by U0ALICE" in logs


def test_a_forged_or_replayed_callback_installs_nothing(
    emu: Emulator, oauth_app: AppProcess
) -> None:
    state, cookie, _query = begin_install(oauth_app)
    emu.register_oauth_code("code-2", ALICE)
    assert finish_install(oauth_app, "code-2", "made-up-state", cookie)[0] in (400, 401)
    assert finish_install(oauth_app, "code-2", state, None)[0] == 400  # not the same browser
    assert installations(oauth_app) == []

    assert finish_install(oauth_app, "code-2", state, cookie)[0] == 200
    again, cookie2, _ = begin_install(oauth_app)
    assert finish_install(oauth_app, "code-2", again, cookie2)[0] == 401  # code used up
    assert finish_install(oauth_app, "code-2", state, cookie)[0] == 401  # state used up
    assert len(installations(oauth_app)) == 1


def test_a_workspace_that_never_installed_is_refused(emu: Emulator, oauth_app: AppProcess) -> None:
    delivery = emu.slash_command(ALICE, TEAM, "help")
    assert delivery.status == 200  # acked; Bolt tells the user through the response_url
    emu.wait_for(lambda: emu.response_posts, message="the reinstall notice")
    assert "reinstall" in repr(emu.response_posts)
    assert "Pendulum help" not in repr(emu.response_posts) and delivery.ack is None
    assert emu.calls_to("chat.postMessage") == []
    emu.clear_problems()
