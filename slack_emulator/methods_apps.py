"""App-level methods: Socket Mode URLs, OAuth installs, and the files upload-v2 flow."""

from __future__ import annotations

from typing import Any

from slack_emulator.api import method
from slack_emulator.core import Core
from slack_emulator.errors import ApiError
from slack_emulator.methods_chat import postable
from slack_emulator.models import Message
from slack_emulator.outgoing import check_message
from slack_emulator.params import Params

JSON = dict[str, Any]


@method("apps.connections.open", token="app")
def connections_open(core: Core, p: Params) -> JSON:
    if core.socket_url is None:
        raise ApiError("internal_error", problem="Socket Mode server not running")
    return {"url": core.socket_url()}


@method("oauth.v2.access", token="none")
def oauth_access(core: Core, p: Params) -> JSON:
    grant, token = core.auth.exchange_code(
        p.opt_text("client_id"),
        p.opt_text("client_secret"),
        p.text("code", "invalid_code"),
        p.opt_text("redirect_uri"),
    )
    ws = core.workspace
    return {
        "app_id": ws.bot.app_id,
        "authed_user": {"id": grant.user},
        "scope": ",".join(grant.scopes),
        "token_type": "bot",
        "access_token": token,
        "bot_user_id": ws.bot.user_id,
        "team": {"id": ws.team_id, "name": ws.directory.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
    }


@method("files.getUploadURLExternal", scope="files:write")
def get_upload_url(core: Core, p: Params) -> JSON:
    filename = p.text("filename")
    length = p.number("length", -1)
    if length < 0:
        raise ApiError("invalid_arguments", problem="files.getUploadURLExternal needs length")
    file_id = core.workspace.ids.file_id()
    with core.uploads.lock:
        core.uploads.pending[file_id] = {"name": filename, "size": length}
    return {"upload_url": f"{core.base_url}/upload/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal", scope="files:write")
def complete_upload(core: Core, p: Params) -> JSON:
    entries = p.structured("files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments", problem="files must be a non-empty JSON list")
    files = []
    with core.uploads.lock:
        for entry in entries:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            info = core.uploads.pending.get(str(file_id))
            if info is None or file_id not in core.uploads.data:
                raise ApiError("file_not_found", problem=f"file {file_id!r} was never uploaded")
            files.append(
                {
                    "id": file_id,
                    "name": info["name"],
                    "title": entry.get("title") or info["name"],
                    "size": info["size"],
                }
            )
    channel = p.opt_text("channel_id")
    comment = p.opt_text("initial_comment")
    if comment is not None:
        check_message({"text": comment})
    if channel:
        conv = postable(core, channel)
        ws = core.workspace
        ws.history.add(
            Message(
                channel=conv.id,
                ts=ws.ids.ts(),
                user=ws.bot.user_id,
                text=comment or "",
                thread_ts=p.opt_text("thread_ts"),
                files=files,
                bot_id=ws.bot.bot_id,
                app_id=ws.bot.app_id,
                source="files.completeUploadExternal",
            )
        )
    return {"files": files}


@method("files.delete", scope="files:write")
def delete_file(core: Core, p: Params) -> JSON:
    """Delete an uploaded file: its bytes are gone and image blocks can't name it any more."""
    file_id = p.text("file")
    with core.uploads.lock:
        if file_id not in core.uploads.pending:
            raise ApiError("file_not_found", problem=f"file {file_id!r} does not exist")
        del core.uploads.pending[file_id]
        core.uploads.data.pop(file_id, None)
    return {}
