"""Slack telling us a workspace is gone (`app_uninstalled`, `tokens_revoked` for the bot
token): delete every row of that workspace, which also stops its schedules."""

from __future__ import annotations

import logging
from typing import Any

from bot.router import EventContext, Router
from bot.store.installations import forget_org, forget_user_tokens, forget_workspace

log = logging.getLogger("pendulum.installations")


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
    for team in teams:
        services.workspaces.forget(team)
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
        forget_user_tokens(ctx.services.store, ctx.team_id, users)


def install(router: Router) -> None:
    router.event("app_uninstalled", on_app_uninstalled)
    router.event("tokens_revoked", on_tokens_revoked)
