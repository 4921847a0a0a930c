"""Workspaces: who installed Pendulum, each workspace's bot token, and removing a workspace.

- `SqliteInstallationStore` / `SqliteOAuthStateStore`: slack_sdk's store interfaces on
  Pendulum's own database (tables `installations`, `oauth_states`), so Bolt's OAuth flow and
  `authorize` keep everything in the one SQLite file the operator backs up.
- `token_for_team`: the bot token for scheduled sends (`Services.client_for`), including a
  workspace inside an Enterprise Grid org where the app was installed org-wide.
- `WorkspaceTracker`: records each workspace (and its Grid org) the first time it is seen.
- `app_uninstalled` / `tokens_revoked` (bot token): delete every row of that workspace, which
  also stops its schedules (the tick reads schedules from the database).

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
from datetime import UTC, datetime, timedelta
from logging import Logger
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.clock import Clock, SystemClock
from bot.router import EventContext, Router
from bot.store.admin import delete_workspace_rows
from bot.store.db import Store

log = logging.getLogger("pendulum.installations")

_COLUMNS = (
    "app_id, enterprise_id, enterprise_name, enterprise_url, team_id, team_name, "
    "is_enterprise_install, installer_id, bot_id, bot_user_id, bot_token, bot_scopes, "
    "bot_refresh_token, bot_token_expires_at, user_token, user_scopes, user_refresh_token, "
    "user_token_expires_at, token_type, installed_at"
)


def _utc(instant: datetime | float | None) -> str:
    if isinstance(instant, int | float):
        instant = datetime.fromtimestamp(instant, UTC)
    return (instant or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def _scopes(value: Sequence[str] | str | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else ",".join(value)


def _where(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> tuple[str, list[Any]]:
    """Slack's key for an installation: the org alone for an org-wide install, else the
    (org, workspace) pair; '' stands for "none"."""
    team = "" if is_enterprise_install or team_id is None else team_id
    return "enterprise_id = ? AND team_id = ?", [enterprise_id or "", team]


def remember_workspace(
    store: Store,
    team_id: str,
    *,
    enterprise_id: str | None = None,
    name: str | None = None,
    bot_user_id: str | None = None,
    now: datetime | None = None,
) -> None:
    """Create or update the workspace's row (`workspaces`), keeping known values."""
    if not team_id:
        return
    with store.write() as db:
        db.execute(
            "INSERT INTO workspaces (team_id, enterprise_id, name, bot_user_id, installed_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (team_id) DO UPDATE SET"
            " enterprise_id = COALESCE(excluded.enterprise_id, workspaces.enterprise_id),"
            " name = CASE WHEN excluded.name != '' THEN excluded.name ELSE workspaces.name END,"
            " bot_user_id = COALESCE(excluded.bot_user_id, workspaces.bot_user_id)",
            [team_id, enterprise_id or None, name or "", bot_user_id or None, _utc(now)],
        )


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
        row = [
            self.client_id,
            installation.app_id,
            installation.enterprise_id or "",
            installation.enterprise_name,
            installation.enterprise_url,
            team,
            installation.team_name,
            1 if installation.is_enterprise_install else 0,
            installation.user_id or "",
            installation.bot_id,
            installation.bot_user_id,
            installation.bot_token,
            _scopes(installation.bot_scopes),
            installation.bot_refresh_token,
            installation.bot_token_expires_at,
            installation.user_token,
            _scopes(installation.user_scopes),
            installation.user_refresh_token,
            installation.user_token_expires_at,
            installation.token_type,
            _utc(now),
        ]
        with self.store.write() as db:
            db.execute(
                f"INSERT INTO installations (client_id, {_COLUMNS})"
                f" VALUES ({', '.join('?' for _ in row)})"
                " ON CONFLICT (client_id, enterprise_id, team_id, installer_id) DO UPDATE SET "
                + ", ".join(
                    f"{c.strip()} = excluded.{c.strip()}"
                    for c in _COLUMNS.split(",")
                    if c.strip() not in ("enterprise_id", "team_id", "installer_id")
                ),
                row,
            )
            if installation.bot_token:  # every row of this workspace uses the newest bot
                db.execute(
                    "UPDATE installations SET bot_token = ?, bot_id = ?, bot_user_id = ?,"
                    " bot_scopes = ?, bot_refresh_token = ?, bot_token_expires_at = ?"
                    " WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
                    [
                        installation.bot_token,
                        installation.bot_id,
                        installation.bot_user_id,
                        _scopes(installation.bot_scopes),
                        installation.bot_refresh_token,
                        installation.bot_token_expires_at,
                        self.client_id,
                        installation.enterprise_id or "",
                        team,
                    ],
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
        where, params = _where(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        with self.store.write() as db:
            db.execute(
                "UPDATE installations SET bot_token = ?, bot_id = ?, bot_user_id = ?,"
                " bot_scopes = ?, bot_refresh_token = ?, bot_token_expires_at = ?"
                f" WHERE client_id = ? AND {where}",
                [
                    bot.bot_token,
                    bot.bot_id,
                    bot.bot_user_id,
                    _scopes(bot.bot_scopes),
                    bot.bot_refresh_token,
                    bot.bot_token_expires_at,
                    self.client_id,
                    *params,
                ],
            )

    def _find(
        self,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None,
        user_id: str | None = None,
    ) -> dict[str, Any] | None:
        where, params = _where(enterprise_id, team_id, is_enterprise_install)
        sql = f"SELECT {_COLUMNS} FROM installations WHERE client_id = ? AND {where}"
        params = [self.client_id, *params]
        if user_id is not None:
            sql += " AND installer_id = ?"
            params.append(user_id)
        cursor = self.store.db.execute(sql + " ORDER BY installed_at DESC, id DESC LIMIT 1", params)
        row = cursor.fetchone()
        if row is None and enterprise_id and team_id and not is_enterprise_install:
            # a workspace inside a Grid org where the app was installed org-wide
            return self._find(enterprise_id, None, True, user_id)
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = self._find(enterprise_id, team_id, is_enterprise_install, user_id)
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
        where, params = _where(enterprise_id, team_id, team_id is None)
        with self.store.write() as db:
            db.execute(
                "UPDATE installations SET bot_token = NULL, bot_refresh_token = NULL,"
                f" bot_token_expires_at = NULL WHERE client_id = ? AND {where}",
                [self.client_id, *params],
            )

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        where, params = _where(enterprise_id, team_id, team_id is None)
        sql = f"DELETE FROM installations WHERE client_id = ? AND {where}"
        params = [self.client_id, *params]
        if user_id is not None:
            sql += " AND installer_id = ?"
            params.append(user_id)
        with self.store.write() as db:
            db.execute(sql, params)

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
        with self.store.write() as db:
            db.execute("DELETE FROM oauth_states WHERE expires_at < ?", [_utc(now)])
            db.execute(
                "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
                [state, _utc(now + timedelta(seconds=self.expiration_seconds))],
            )
        return state

    def consume(self, state: str) -> bool:
        if not state:
            return False
        with self.store.write() as db:
            cursor = db.execute(
                "DELETE FROM oauth_states WHERE state = ? AND expires_at >= ?",
                [state, _utc(self.clock.now())],
            )
            return bool(cursor.rowcount == 1)


# -- tokens for scheduled sends --------------------------------------------------------------
def token_for_team(store: Store, team_id: str) -> str | None:
    """The bot token of a workspace: its own installation, else its Grid org's org-wide one."""
    db = store.db
    row = db.execute(
        "SELECT bot_token FROM installations WHERE team_id = ? AND bot_token IS NOT NULL"
        " ORDER BY installed_at DESC, id DESC LIMIT 1",
        [team_id],
    ).fetchone()
    if row is not None:
        return str(row[0])
    row = db.execute(
        "SELECT i.bot_token FROM installations i JOIN workspaces w"
        " ON w.enterprise_id = i.enterprise_id AND i.enterprise_id != ''"
        " WHERE w.team_id = ? AND i.is_enterprise_install = 1 AND i.bot_token IS NOT NULL"
        " ORDER BY i.installed_at DESC, i.id DESC LIMIT 1",
        [team_id],
    ).fetchone()
    return str(row[0]) if row is not None else None


# -- knowing which workspaces exist ----------------------------------------------------------
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


# -- uninstalling ----------------------------------------------------------------------------
UNINSTALL_EVENTS = ("app_uninstalled", "tokens_revoked")


def forget_workspace(store: Store, team_id: str) -> dict[str, int]:
    """Delete every row of one workspace, in one transaction. Returns table → rows deleted."""
    with store.write() as db:
        return delete_workspace_rows(db, team_id)


def forget_org(store: Store, enterprise_id: str) -> dict[str, int]:
    """An org-wide install removed: every workspace of the org, and the org's installation."""
    totals: dict[str, int] = {}
    with store.write() as db:
        teams = [
            str(r[0])
            for r in db.execute(
                "SELECT team_id FROM workspaces WHERE enterprise_id = ?", [enterprise_id]
            ).fetchall()
        ]
        for team in teams:
            for table, n in delete_workspace_rows(db, team).items():
                totals[table] = totals.get(table, 0) + n
        cursor = db.execute(
            "DELETE FROM installations WHERE enterprise_id = ? AND team_id = ''", [enterprise_id]
        )
        totals["installations"] = totals.get("installations", 0) + cursor.rowcount
    return totals


def _is_org_event(body: dict[str, Any]) -> bool:
    if body.get("is_enterprise_install"):
        return True
    authorizations = body.get("authorizations") or []
    return bool(
        authorizations
        and isinstance(authorizations[0], dict)
        and authorizations[0].get("is_enterprise_install")
    )


def remove_workspace(ctx: EventContext, reason: str) -> None:
    services = ctx.services
    body = ctx.body
    enterprise_id = str(body.get("enterprise_id") or "")
    if _is_org_event(body) and enterprise_id:
        deleted = forget_org(services.store, enterprise_id)
        where = f"Enterprise Grid org {enterprise_id}"
        teams: list[str] = []
    else:
        if not ctx.team_id:
            log.warning("%s without a team id; nothing deleted", reason)
            return
        deleted = forget_workspace(services.store, ctx.team_id)
        where = f"workspace {ctx.team_id}"
        teams = [ctx.team_id]
    tracker = services.extras.get("workspace_tracker")
    if isinstance(tracker, WorkspaceTracker):
        for team in teams:
            tracker.forget(team)
    total = sum(deleted.values())
    log.warning(
        "%s: deleted %d row(s) of %s and stopped its schedules (%s)",
        reason,
        total,
        where,
        ", ".join(f"{t} {n}" for t, n in sorted(deleted.items()) if n) or "nothing stored",
    )
    if services.config.mode in ("socket", "http"):
        log.warning(
            "this process runs with a single workspace's token, which Slack no longer accepts; "
            "stop it, or reinstall the app and update SLACK_BOT_TOKEN"
        )


def on_app_uninstalled(ctx: EventContext) -> None:
    remove_workspace(ctx, "app_uninstalled")


def on_tokens_revoked(ctx: EventContext) -> None:
    """A revoked bot token means the app can no longer act in the workspace: same as an
    uninstall. Revoked user tokens only (Pendulum asks for none) are just forgotten."""
    tokens = ctx.event.get("tokens") or {}
    if tokens.get("bot"):
        remove_workspace(ctx, "tokens_revoked")
        return
    users = [str(u) for u in tokens.get("oauth") or []]
    if users:
        with ctx.services.store.write() as db:
            for user in users:
                db.execute(
                    "UPDATE installations SET user_token = NULL, user_refresh_token = NULL"
                    " WHERE team_id = ? AND installer_id = ?",
                    [ctx.team_id, user],
                )


def install(router: Router) -> None:
    router.event("app_uninstalled", on_app_uninstalled)
    router.event("tokens_revoked", on_tokens_revoked)
