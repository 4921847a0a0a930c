"""views.*: open, push, update, publish. Opening and pushing spend a trigger_id."""

from __future__ import annotations

from typing import Any

from slack_emulator.api import method
from slack_emulator.core import Core
from slack_emulator.errors import ApiError
from slack_emulator.interact import fill_block_ids
from slack_emulator.models import View
from slack_emulator.outgoing import check_view
from slack_emulator.params import Params

JSON = dict[str, Any]


def _view_arg(core: Core, p: Params, kind: str | None) -> JSON:
    view = check_view(p.structured("view"))
    if kind is not None and view.get("type") != kind:
        raise ApiError("invalid_arguments", problem=f"this method needs a {kind} view")
    _check_files(core, view.get("blocks"))
    return {**view, "blocks": fill_block_ids(view.get("blocks"))}


def _check_files(core: Core, blocks: object) -> None:
    """An image block naming a `slack_file` must name a file this app uploaded (and did not
    delete), as on Slack, which rejects the whole view otherwise."""
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict) or block.get("type") != "image":
            continue
        ref = block.get("slack_file")
        if ref is None:
            continue
        file_id = ref.get("id") if isinstance(ref, dict) else None
        with core.uploads.lock:
            known = file_id in core.uploads.data and file_id in core.uploads.pending
        if not known:
            raise ApiError("invalid_blocks", problem=f"slack_file {file_id!r} is not a file")


def _answer(core: Core, view: View) -> JSON:
    bot = core.workspace.bot
    return {"view": view.to_slack(core.workspace.team_id, bot.app_id, bot.bot_id)}


def _trigger_user(core: Core, p: Params) -> str:
    trigger = p.opt_text("trigger_id") or p.opt_text("interactivity_pointer")
    if trigger is None:
        raise ApiError("invalid_arguments", problem="views.open/push need a trigger_id")
    return core.triggers.exchange(trigger)


@method("views.open")
def views_open(core: Core, p: Params) -> JSON:
    spec = _view_arg(core, p, "modal")
    return _answer(core, core.workspace.views.open(_trigger_user(core, p), spec))


@method("views.push")
def views_push(core: Core, p: Params) -> JSON:
    spec = _view_arg(core, p, "modal")
    return _answer(core, core.workspace.views.push(_trigger_user(core, p), spec))


@method("views.update")
def views_update(core: Core, p: Params) -> JSON:
    view_id, external_id = p.opt_text("view_id"), p.opt_text("external_id")
    if not (view_id or external_id):
        raise ApiError("invalid_arguments", problem="views.update needs view_id or external_id")
    spec = _view_arg(core, p, None)
    views = core.workspace.views
    current = views.find(view_id, external_id)
    return _answer(core, views.update(current.id, spec, p.opt_text("hash")))


@method("views.publish")
def views_publish(core: Core, p: Params) -> JSON:
    user = core.workspace.directory.user(p.text("user_id", "user_not_found"))
    spec = _view_arg(core, p, "home")
    return _answer(core, core.workspace.views.publish(user.id, spec, p.opt_text("hash")))
