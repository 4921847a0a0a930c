"""Privacy: `/pendulum privacy` (what is stored about me, and for how long), `/pendulum
export` (all of it, as a JSON file in my DM) and `/pendulum forget me` (delete all of it in
this workspace, after a confirm button).

Action ids: `privacy_show`, `privacy_export`, `privacy_forget` (the Home buttons),
`forget_confirm` (value "me"), `forget_cancel`.

A person's answers are theirs alone: these handlers only ever answer the person who asked,
privately, and nothing here logs what is stored (only counts).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendar.fetch import redact_feed_url
from bot.content.blocks import actions, button, context, header, message, section
from bot.content.compose import template_message
from bot.content.markup import Trusted
from bot.content.strings import Strings
from bot.delivery.timing import utc_text
from bot.features.calendar_sync import secret_box
from bot.features.home_view import (
    PRIVACY_EXPORT,
    PRIVACY_FORGET,
    PRIVACY_SHOW,
    privacy_actions,
    publish_home_later,
)
from bot.router import ActionContext, CommandContext, Reply, Router, Subcommand, split_command
from bot.services import Services
from bot.slack.ratelimit import slow_down
from bot.store import personal
from bot.store.secret import Unreadable

log = logging.getLogger("pendulum.privacy")

CONFIRM = "forget_confirm"
CANCEL = "forget_cancel"

# tables that hold no one's data, and the string id that describes each
NOT_ABOUT_YOU = {
    "processed_requests": "privacy_table_processed_requests",
    "workspaces": "privacy_table_workspaces",
}


def privacy_message(services: Services, team_id: str, user_id: str) -> dict[str, Any]:
    """Exactly what is stored about this person, table by table, from the live schema."""
    say = services.strings.say
    counts = personal.counts(services.store, team_id, user_id)
    lines = []
    for table, count in counts.items():
        info = personal.describe(table)
        line = say(
            "privacy_table_line",
            table=Trusted(table),
            count=count,
            what=info.what,
            kept=Trusted(info.kept),
        )
        lines.append(line)
    tables = set(services.store.db.table_names())
    other = [
        say("privacy_other_line", table=Trusted(t), what=say(what_id))
        for t, what_id in NOT_ABOUT_YOU.items()
        if t in tables
    ]
    blocks = [
        header(say("privacy_header")),
        section(say("privacy_who_sees")),
        section(say("privacy_about_you") + "\n" + "\n".join(lines)),
    ]
    if other:
        blocks.append(section(say("privacy_not_about_you") + "\n" + "\n".join(other)))
    blocks += [
        context(say("privacy_export_or_forget")),
        privacy_actions(services.strings, "privacy_actions"),
    ]
    total = sum(counts.values())
    return message(say("privacy_title", total=total), blocks)


def export_document(services: Services, team_id: str, user_id: str) -> dict[str, Any]:
    tables = personal.export(services.store, team_id, user_id)
    for row in tables.get("calendars") or []:
        readable_calendar(services, row)
    return {
        "app": "Pendulum",
        "exported_at": utc_text(services.clock.now()),
        "team_id": team_id,
        "user_id": user_id,
        "tables": tables,
    }


def readable_calendar(services: Services, row: dict[str, Any]) -> None:
    """A calendar row as its owner may see it: the feed address is a secret link and is never
    shown back in full (its host only); the events, stored sealed, as readable JSON."""
    box = secret_box(services)
    try:
        row["feed"] = redact_feed_url(box.open(str(row.get("feed") or "")))
    except Unreadable:
        row["feed"] = "…"
    names = {"s": "start", "e": "end", "k": "kind", "t": "title", "a": "all_day", "r": "recurring"}
    try:
        kept = json.loads(box.open(str(row["events"]))) if row.get("events") else []
    except (Unreadable, ValueError):
        kept = []
    row["events"] = [{names.get(k, k): v for k, v in event.items()} for event in kept]


def send_export(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Upload the export as a JSON file into the person's DM (files upload v2), announced in
    the same message. The file goes first, so nothing promises a file that never comes; when
    Slack refuses it (no `files:write`, a Slack without the method, any API error) the person
    gets a message saying why and what helps."""
    document = export_document(services, team_id, user_id)
    count = sum(len(rows) for rows in document["tables"].values())
    day = services.clock.now().date().isoformat()
    try:
        opened = client.conversations_open(users=user_id)
        client.files_upload_v2(
            channel=str(opened["channel"]["id"]),
            content=json.dumps(document, indent=2, ensure_ascii=False, default=str),
            filename=f"pendulum-export-{day}.json",
            title=services.strings.say("privacy_export_title"),
            initial_comment=services.strings.say("privacy_export_comment", count=count),
        )
    except SlackApiError as exc:
        reason = str(exc.response.get("error") or "unknown")
        log.info("export not delivered: Slack answered %s", reason)
        tell_export_failed(services, client, user_id, reason)
        return
    log.info("export delivered (%d records)", count)


def tell_export_failed(services: Services, client: WebClient, user_id: str, reason: str) -> None:
    msg = template_message(
        services.library,
        "export-not-delivered",
        None,
        {"reason": reason, "command": services.command},
    )
    try:
        client.chat_postMessage(channel=user_id, **msg)
    except SlackApiError as exc:
        log.warning("could not say the export failed: %s", exc.response.get("error"))


def confirm_message(strings: Strings) -> dict[str, Any]:
    return message(
        strings.say("privacy_confirm_title"),
        [
            section(strings.say("privacy_confirm")),
            actions(
                button(strings.say("privacy_delete_button"), CONFIRM, "me", style="danger"),
                button("Cancel", CANCEL, "cancel"),
                block_id="forget_confirm",
            ),
        ],
    )


def forget_person(services: Services, team_id: str, user_id: str) -> dict[str, int]:
    deleted = personal.forget(services.store, team_id, user_id)
    if not services.store.erase_history():
        log.warning("forget: other readers kept the WAL busy; it was not emptied")
    log.info("forgot a person: %d rows", sum(deleted.values()))
    return deleted


def forgotten_message(deleted: dict[str, int], strings: Strings) -> dict[str, Any]:
    total = sum(deleted.values())
    parts = [f"{n} from `{t}`" for t, n in deleted.items() if n]
    detail = Trusted(f" ({', '.join(parts)})" if parts else "")
    text = strings.say("privacy_forgotten", total=total, detail=detail)
    msg = message(strings.say("privacy_forgotten_title"), [section(text)])
    msg["replace_original"] = True
    return msg


# -- handlers ------------------------------------------------------------------------------
def on_privacy(ctx: CommandContext | ActionContext) -> Reply:
    return Reply(message=privacy_message(ctx.services, ctx.team_id, ctx.user_id))


def on_export(ctx: CommandContext | ActionContext) -> Reply:
    services, client, team_id, user_id = ctx.services, ctx.client, ctx.team_id, ctx.user_id
    wait = services.limiter.take("export", team_id, user_id, services.limits.exports)
    if wait is not None:  # each export builds and uploads a file: a few an hour
        return Reply(message=slow_down(services.library, services.command, "export", wait))
    note = services.strings.say("privacy_export_preparing")
    return Reply(
        message=message(services.strings.say("privacy_export_preparing_title"), [section(note)]),
        later=lambda: send_export(services, client, team_id, user_id),
    )


def on_forget_command(ctx: CommandContext) -> Reply:
    word, _ = split_command(ctx.args)
    if word != "me":
        text = ctx.services.strings.say("privacy_forget_how")
        return Reply(message=message("Forget me", [section(text)]))
    return Reply(message=confirm_message(ctx.services.strings))


def on_forget_button(ctx: ActionContext) -> Reply:
    return Reply(message=confirm_message(ctx.services.strings))


def on_confirm(ctx: ActionContext) -> Reply:
    services, client, team_id, user_id = ctx.services, ctx.client, ctx.team_id, ctx.user_id
    deleted = forget_person(services, team_id, user_id)
    return Reply(
        message=forgotten_message(deleted, services.strings),
        later=lambda: publish_home_later(services, client, team_id, user_id),
    )


def on_cancel(ctx: ActionContext) -> Reply:
    msg = message("Nothing deleted", [section(ctx.services.strings.say("privacy_nothing_deleted"))])
    msg["replace_original"] = True
    return Reply(message=msg)


def install(router: Router) -> None:
    router.command(
        Subcommand(
            name="privacy",
            summary="exactly what I store about you, and for how long",
            example="privacy",
            handler=on_privacy,
            group="Privacy",
        )
    )
    router.command(
        Subcommand(
            name="export",
            summary="all your data, as a JSON file in your DM",
            example="export",
            handler=on_export,
            group="Privacy",
        )
    )
    router.command(
        Subcommand(
            name="forget",
            summary="delete everything I store about you (asks you to confirm)",
            example="forget me",
            handler=on_forget_command,
            group="Privacy",
        )
    )
    router.action(PRIVACY_SHOW, on_privacy)
    router.action(PRIVACY_EXPORT, on_export)
    router.action(PRIVACY_FORGET, on_forget_button)
    router.action(CONFIRM, on_confirm)
    router.action(CANCEL, on_cancel)
