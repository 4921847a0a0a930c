"""Workspaces and installations in the database: the rows, the bot token of a workspace,
and deleting a workspace (bot/slack/installations.py adapts these to Slack's OAuth stores)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.admin import delete_workspace_rows
from bot.store.db import Store


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
