"""Slack's side of workspaces: the OAuth stores and noticing each workspace.

- `SqliteInstallationStore` / `SqliteOAuthStateStore`: slack_sdk's store interfaces on
  Pendulum's own database (tables `installations`, `oauth_states`; the SQL is in
  bot/store/installations.py), so Bolt's OAuth flow and `authorize` keep everything in the one
  SQLite file the operator backs up.
- `WorkspaceTracker`: records each workspace (and its Grid org) the first time it is seen.

Each workspace's bot token (`bot.store.installations.token_for_team`, read by
`bot.services.Clients`) and removing a workspace on `app_uninstalled` / `tokens_revoked`
(bot/features/workspace_events.py) live elsewhere.

slack_sdk's own `SQLiteInstallationStore` / `SQLiteOAuthStateStore` were weighed against these
two classes and not used: they open a connection of their own per call (no WAL, no busy
timeout, no BEGIN IMMEDIATE, not the short wait a request thread must keep), create their own
tables (a history row per install, org-wide installs without a team id, so the generic
per-workspace deletion and the Grid token look-up would need special cases), and read the
system clock, not the injected `Clock` that tests and the workbench move.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from logging import Logger
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.clock import Clock, SystemClock
from bot.store import installations
from bot.store.db import Store
from bot.store.installations import remember_workspace, utc_text

log = logging.getLogger("pendulum.installations")


def _scopes(value: Sequence[str] | str | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else ",".join(value)


class SqliteInstallationStore(InstallationStore):
    """Installations in the `installations` table: one row per installing user per
    workspace (or Grid org); the newest row holds the workspace's current bot token."""

    def __init__(self, store: Store, client_id: str, clock: Clock | None = None) -> None:
        self.store = store
        self.client_id = client_id
        self.clock = clock or SystemClock()
        self._logger = logging.getLogger("pendulum.installations.store")

    @property
    def logger(self) -> Logger:
        return self._logger

    def save(self, installation: Installation) -> None:
        team = "" if installation.is_enterprise_install else (installation.team_id or "")
        now = self.clock.now()
        installations.save(
            self.store,
            self.client_id,
            {
                "app_id": installation.app_id,
                "enterprise_id": installation.enterprise_id or "",
                "enterprise_name": installation.enterprise_name,
                "enterprise_url": installation.enterprise_url,
                "team_id": team,
                "team_name": installation.team_name,
                "is_enterprise_install": 1 if installation.is_enterprise_install else 0,
                "installer_id": installation.user_id or "",
                "user_token": installation.user_token,
                "user_scopes": _scopes(installation.user_scopes),
                "user_refresh_token": installation.user_refresh_token,
                "user_token_expires_at": installation.user_token_expires_at,
                "token_type": installation.token_type,
                "installed_at": utc_text(now),
            },
            {
                "bot_id": installation.bot_id,
                "bot_user_id": installation.bot_user_id,
                "bot_token": installation.bot_token,
                "bot_scopes": _scopes(installation.bot_scopes),
                "bot_refresh_token": installation.bot_refresh_token,
                "bot_token_expires_at": installation.bot_token_expires_at,
            },
        )
        if team:
            remember_workspace(
                self.store,
                team,
                enterprise_id=installation.enterprise_id,
                name=installation.team_name,
                bot_user_id=installation.bot_user_id,
                now=now,
            )
        log.info(
            "installed: %s %s (%s) by %s",
            "org" if installation.is_enterprise_install else "workspace",
            installation.team_name or installation.enterprise_name or "?",
            team or installation.enterprise_id,
            installation.user_id,
        )

    def save_bot(self, bot: Bot) -> None:
        """A refreshed bot token (token rotation): update every row of that workspace."""
        installations.update_bot(
            self.store,
            self.client_id,
            installations.Key(bot.enterprise_id, bot.team_id, bot.is_enterprise_install),
            {
                "bot_token": bot.bot_token,
                "bot_id": bot.bot_id,
                "bot_user_id": bot.bot_user_id,
                "bot_scopes": _scopes(bot.bot_scopes),
                "bot_refresh_token": bot.bot_refresh_token,
                "bot_token_expires_at": bot.bot_token_expires_at,
            },
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        key = installations.Key(enterprise_id, team_id, is_enterprise_install)
        row = installations.find(self.store, self.client_id, key, user_id)
        if row is None:
            return None
        return Installation(
            app_id=row["app_id"],
            enterprise_id=row["enterprise_id"] or None,
            enterprise_name=row["enterprise_name"],
            enterprise_url=row["enterprise_url"],
            team_id=row["team_id"] or None,
            team_name=row["team_name"],
            bot_token=row["bot_token"],
            bot_id=row["bot_id"],
            bot_user_id=row["bot_user_id"],
            bot_scopes=row["bot_scopes"] or "",
            bot_refresh_token=row["bot_refresh_token"],
            bot_token_expires_at=row["bot_token_expires_at"],
            user_id=row["installer_id"],
            user_token=row["user_token"],
            user_scopes=row["user_scopes"] or "",
            user_refresh_token=row["user_refresh_token"],
            user_token_expires_at=row["user_token_expires_at"],
            is_enterprise_install=bool(row["is_enterprise_install"]),
            token_type=row["token_type"],
            installed_at=datetime.fromisoformat(row["installed_at"]),
        )

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = self.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if installation is None or not installation.bot_token:
            return None
        return installation.to_bot()

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        key = installations.Key(enterprise_id, team_id, team_id is None)
        installations.clear_bot(self.store, self.client_id, key)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        key = installations.Key(enterprise_id, team_id, team_id is None)
        installations.delete(self.store, self.client_id, key, user_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)


class SqliteOAuthStateStore(OAuthStateStore):
    """OAuth `state` values, each usable once within `expiration_seconds`."""

    def __init__(
        self, store: Store, expiration_seconds: int = 600, clock: Clock | None = None
    ) -> None:
        self.store = store
        self.expiration_seconds = expiration_seconds
        self.clock = clock or SystemClock()
        self._logger = logging.getLogger("pendulum.installations.state")

    @property
    def logger(self) -> Logger:
        return self._logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        now = self.clock.now()
        expires_at = now + timedelta(seconds=self.expiration_seconds)
        installations.issue_state(self.store, state, now, expires_at)
        return state

    def consume(self, state: str) -> bool:
        if not state:
            return False
        return installations.consume_state(self.store, state, self.clock.now())


class WorkspaceTracker:
    """Writes a `workspaces` row the first time this process sees a workspace (one insert per
    workspace per process), so stats, export and Grid org uninstalls know every workspace."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def see(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        if not team_id or team_id in self._seen:  # the usual case, answered without the lock
            return
        with self._lock:
            if team_id in self._seen:
                return
            self._seen.add(team_id)
        try:
            remember_workspace(
                self.store, team_id, enterprise_id=enterprise_id, now=self.clock.now()
            )
        except Exception as exc:
            with self._lock:
                self._seen.discard(team_id)
            log.warning("could not record workspace %s: %s", team_id, exc)

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._seen.discard(team_id)

    def around(
        self, req: BoltRequest, dispatch: Callable[[BoltRequest], BoltResponse]
    ) -> BoltResponse:
        """A guard around Bolt's dispatch (bot/app.py): note the request's workspace, then
        carry on. (A Bolt middleware would do the same at twice the cost per request.)"""
        body = req.body or {}
        event = body.get("event") or {}
        if not (isinstance(event, dict) and event.get("type") in UNINSTALL_EVENTS):
            self.see(req.context.team_id, req.context.enterprise_id)
        return dispatch(req)


UNINSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")
