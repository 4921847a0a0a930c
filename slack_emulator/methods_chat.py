"""chat.*: post, post ephemeral, update, delete, permalink."""

from __future__ import annotations

from typing import Any

from slack_emulator.api import method
from slack_emulator.core import Core
from slack_emulator.directory import Conversation
from slack_emulator.errors import ApiError
from slack_emulator.interact import fill_block_ids
from slack_emulator.models import Ephemeral, Message
from slack_emulator.outgoing import check_message, check_metadata
from slack_emulator.params import Params

JSON = dict[str, Any]
_BODY_KEYS = ("text", "blocks", "attachments", "link_names", "mrkdwn")


def _body(p: Params) -> JSON:
    """The message content of a call, with JSON-string arguments decoded."""
    body: JSON = {}
    for key in _BODY_KEYS:
        if key in p.raw:
            body[key] = (
                p.structured(key, "invalid_blocks_format")
                if key in ("blocks", "attachments")
                else p.raw[key]
            )
    return body


def postable(core: Core, ref: str) -> Conversation:
    """Resolve where the bot may post, with Slack's errors for everywhere it may not."""
    directory = core.workspace.directory
    if ref in directory.users and directory.users[ref].deleted:
        raise ApiError("account_inactive")
    conv = directory.conversation(ref, allow_user=True)
    if conv.kind == "im" and conv.is_archived:
        raise ApiError("account_inactive")
    if conv.is_archived:
        raise ApiError("is_archived")
    if not conv.bot_member and "chat:write.public" not in core.auth.scopes:
        raise ApiError("not_in_channel")
    return conv


@method("chat.postMessage", scope="chat:write")
def post_message(core: Core, p: Params) -> JSON:
    conv = postable(core, p.text("channel", "channel_not_found"))
    body = _body(p)
    check_message(body)
    metadata = check_metadata(p.structured("metadata", "invalid_metadata_format"))
    ws = core.workspace
    message = ws.history.add(
        Message(
            channel=conv.id,
            ts=ws.ids.ts(),
            user=ws.bot.user_id,
            text=str(body.get("text", "")),
            blocks=fill_block_ids(body.get("blocks")),
            thread_ts=p.opt_text("thread_ts"),
            metadata=metadata,
            attachments=list(body.get("attachments") or []),
            bot_id=ws.bot.bot_id,
            app_id=ws.bot.app_id,
        )
    )
    return {
        "channel": conv.id,
        "ts": message.ts,
        "message": message.to_slack(ws.team_id, with_metadata=False),
    }


@method("chat.postEphemeral", scope="chat:write")
def post_ephemeral(core: Core, p: Params) -> JSON:
    conv = postable(core, p.text("channel", "channel_not_found"))
    user = core.workspace.directory.user(p.text("user", "user_not_found"))
    if user.id not in conv.members or user.deleted:
        raise ApiError("user_not_in_channel")
    body = _body(p)
    check_message(body)
    ws = core.workspace
    ephemeral = ws.history.add_ephemeral(
        Ephemeral(
            conv.id,
            user.id,
            ws.ids.ts(),
            str(body.get("text", "")),
            fill_block_ids(body.get("blocks")),
            p.opt_text("thread_ts"),
        )
    )
    return {"message_ts": ephemeral.ts}


def _own_message(core: Core, p: Params, refusal: str) -> Message:
    # chat.update/delete want the conversation id: a user id is not resolved here.
    conv = core.workspace.directory.conversation(p.text("channel", "channel_not_found"))
    message = core.workspace.history.get(conv.id, p.text("ts", "message_not_found"))
    if message.user != core.workspace.bot.user_id:
        raise ApiError(refusal)
    return message


@method("chat.update", scope="chat:write")
def update(core: Core, p: Params) -> JSON:
    message = _own_message(core, p, "cant_update_message")
    body = _body(p)
    merged = {"text": message.text, "blocks": message.blocks, **body}
    check_message(merged)
    fields: JSON = {}
    if "attachments" in body:
        fields["attachments"] = list(body["attachments"] or [])
    if "metadata" in p:
        fields["metadata"] = check_metadata(p.structured("metadata", "invalid_metadata_format"))
    ws = core.workspace
    updated = ws.history.replace(
        message.channel,
        message.ts,
        text=str(merged.get("text", "")),
        blocks=fill_block_ids(merged.get("blocks")),
        edited_ts=ws.ids.ts(),
        **fields,
    )
    return {
        "channel": updated.channel,
        "ts": updated.ts,
        "text": updated.text,
        "message": updated.to_slack(ws.team_id, with_metadata=False),
    }


@method("chat.delete", scope="chat:write")
def delete(core: Core, p: Params) -> JSON:
    message = _own_message(core, p, "cant_delete_message")
    core.workspace.history.delete(message.channel, message.ts)
    return {"channel": message.channel, "ts": message.ts}


@method("chat.getPermalink")
def get_permalink(core: Core, p: Params) -> JSON:
    conv = core.workspace.directory.conversation(p.text("channel", "channel_not_found"))
    ts = p.text("message_ts", "message_not_found")
    core.workspace.history.get(conv.id, ts)
    domain = core.workspace.directory.domain
    return {
        "channel": conv.id,
        "permalink": f"https://{domain}.slack.com/archives/{conv.id}/p{ts.replace('.', '')}",
    }
