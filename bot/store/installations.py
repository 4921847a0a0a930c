"""Workspaces and installations in the database: the rows, the bot token of a workspace,
and deleting a workspace (bot/slack/installations.py adapts these to Slack's OAuth stores)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from bot.store.admin import delete_workspace_rows
from bot.store.db import Store

_COLUMNS = (
    "app_id, enterprise_id, enterprise_name, enterprise_url, team_id, team_name, "
    "is_enterprise_install, installer_id, bot_id, bot_user_id, bot_token, bot_scopes, "
    "bot_refresh_token, bot_token_expires_at, user_token, user_scopes, user_refresh_token, "
    "user_token_expires_at, token_type, installed_at"
)
_NAMES = [c.strip() for c in _COLUMNS.split(",")]


class Key(NamedTuple):
    """Slack's key for an installation: the org alone for an org-wide install, else the
    (org, workspace) pair."""

    enterprise_id: str | None
    team_id: str | None
    is_enterprise_install: bool | None

    def where(self) -> tuple[str, list[Any]]:
        """('' stands for "none" in the table.)"""
        team = "" if self.is_enterprise_install or self.team_id is None else self.team_id
        return "enterprise_id = ? AND team_id = ?", [self.enterprise_id or "", team]


def save(store: Store, client_id: str, values: dict[str, Any], bot: dict[str, Any]) -> None:
    """One installing user's row (keyed by org, workspace, installer); every row of that
    workspace then uses the newest bot token, if it brought one."""
    row = {**values, **bot}
    params = [client_id, *(row[name] for name in _NAMES)]
    with store.write() as db:
        db.execute(
            f"INSERT INTO installations (client_id, {_COLUMNS})"
            f" VALUES ({', '.join('?' for _ in params)})"
            " ON CONFLICT (client_id, enterprise_id, team_id, installer_id) DO UPDATE SET "
            + ", ".join(
                f"{c} = excluded.{c}"
                for c in _NAMES
                if c not in ("enterprise_id", "team_id", "installer_id")
            ),
            params,
        )
        if bot["bot_token"]:
            _set_bot(db, client_id, values["enterprise_id"], values["team_id"], bot)


def _set_bot(
    db: Any, client_id: str, enterprise_id: str, team_id: str, bot: dict[str, Any]
) -> None:
    db.execute(
        "UPDATE installations SET bot_token = ?, bot_id = ?, bot_user_id = ?,"
        " bot_scopes = ?, bot_refresh_token = ?, bot_token_expires_at = ?"
        " WHERE client_id = ? AND enterprise_id = ? AND team_id = ?",
        [
            bot["bot_token"],
            bot["bot_id"],
            bot["bot_user_id"],
            bot["bot_scopes"],
            bot["bot_refresh_token"],
            bot["bot_token_expires_at"],
            client_id,
            enterprise_id,
            team_id,
        ],
    )


def update_bot(store: Store, client_id: str, key: Key, bot: dict[str, Any]) -> None:
    """A refreshed bot token (token rotation): every row of that workspace."""
    _, (enterprise_id, team_id) = key.where()
    with store.write() as db:
        _set_bot(db, client_id, enterprise_id, team_id, bot)


def find(
    store: Store, client_id: str, key: Key, user_id: str | None = None
) -> dict[str, Any] | None:
    """The newest installation row for the key (of one installer, if given); a workspace
    inside a Grid org where the app was installed org-wide falls back to the org's."""
    where, params = key.where()
    sql = f"SELECT {_COLUMNS} FROM installations WHERE client_id = ? AND {where}"
    params = [client_id, *params]
    if user_id is not None:
        sql += " AND installer_id = ?"
        params.append(user_id)
    cursor = store.db.execute(sql + " ORDER BY installed_at DESC, id DESC LIMIT 1", params)
    row = cursor.fetchone()
    if row is None and key.enterprise_id and key.team_id and not key.is_enterprise_install:
        return find(store, client_id, Key(key.enterprise_id, None, True), user_id)
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def clear_bot(store: Store, client_id: str, key: Key) -> None:
    where, params = key.where()
    with store.write() as db:
        db.execute(
            "UPDATE installations SET bot_token = NULL, bot_refresh_token = NULL,"
            f" bot_token_expires_at = NULL WHERE client_id = ? AND {where}",
            [client_id, *params],
        )


def delete(store: Store, client_id: str, key: Key, user_id: str | None = None) -> None:
    where, params = key.where()
    sql = f"DELETE FROM installations WHERE client_id = ? AND {where}"
    params = [client_id, *params]
    if user_id is not None:
        sql += " AND installer_id = ?"
        params.append(user_id)
    with store.write() as db:
        db.execute(sql, params)


# -- OAuth state values ------------------------------------------------------------------------
def issue_state(store: Store, state: str, now: datetime, expires_at: datetime) -> None:
    with store.write() as db:
        db.execute("DELETE FROM oauth_states WHERE expires_at < ?", [utc_text(now)])
        db.execute(
            "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
            [state, utc_text(expires_at)],
        )


def consume_state(store: Store, state: str, now: datetime) -> bool:
    """True once per state, within its lifetime."""
    with store.write() as db:
        cursor = db.execute(
            "DELETE FROM oauth_states WHERE state = ? AND expires_at >= ?",
            [state, utc_text(now)],
        )
        return bool(cursor.rowcount == 1)


def utc_text(instant: datetime | float | None) -> str:
    if isinstance(instant, int | float):
        instant = datetime.fromtimestamp(instant, UTC)
    return (instant or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


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
            [team_id, enterprise_id or None, name or "", bot_user_id or None, utc_text(now)],
        )


# -- tokens for scheduled sends  --------------------------------------------------------------
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


def count(store: Store) -> int:
    """How many installations are stored (OAuth mode's start-up line)."""
    row = store.db.execute("SELECT COUNT(*) FROM installations").fetchone()
    return int(row[0]) if row else 0


def forget_user_tokens(store: Store, team_id: str, users: list[str]) -> None:
    """Revoked user tokens: forget them, keep the installation."""
    with store.write() as db:
        for user in users:
            db.execute(
                "UPDATE installations SET user_token = NULL, user_refresh_token = NULL"
                " WHERE team_id = ? AND installer_id = ?",
                [team_id, user],
            )


# -- uninstalling ----------------------------------------------------------------------------
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
