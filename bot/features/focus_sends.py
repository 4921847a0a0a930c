"""The focus block's composer (kinds `focus_1` … `focus_20`): at each block's start one DM
(`prompts/messages/focus-start.md.j2`): the block runs until HH:MM, plus one thing to leave for
later (`prompts/nudges.yaml` leave_for_later). Also what a focus schedule stands for, which the
`focus` command (bot/features/focus.py) and the Monday nudge read.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.coaching.focus import MAX_BLOCKS, Block, leave_for_later
from bot.coaching.when import hhmm, minutes_of
from bot.content.blocks import context
from bot.content.compose import template_message
from bot.delivery.model import Schedule
from bot.delivery.timing import Occurrence
from bot.features.checkin_sends import as_schedule
from bot.router import Router
from bot.services import Deps
from bot.store.schedules import delete_kinds_for, list_by_owner

log = logging.getLogger("pendulum.focus")

KIND_PREFIX = "focus_"
KINDS = tuple(f"{KIND_PREFIX}{n}" for n in range(1, 2 * MAX_BLOCKS + 1))


def is_focus_kind(kind: str) -> bool:
    return kind in KINDS


def block_of(schedule: Schedule) -> Block:
    """The block a focus schedule stands for (its start follows the schedule's time, should
    it have been moved elsewhere, e.g. from App Home; the length stays)."""
    start = schedule.local_time
    params = schedule.params or {}
    try:
        length = minutes_of(str(params["end"])) - minutes_of(str(params["start"]))
    except (KeyError, ValueError):
        length = 60
    end = min(minutes_of(start) + max(length, 1), 23 * 60 + 59)
    return Block(schedule.weekday, start, hhmm(end))


def focus_schedules(services: Deps, team_id: str, user_id: str) -> dict[str, Schedule]:
    return {
        s.kind: s
        for s in list_by_owner(services.store, team_id, user_id)
        if is_focus_kind(s.kind) and s.target == user_id
    }


def has_focus_blocks(services: Deps, team_id: str, user_id: str) -> bool:
    """Any focus block that isn't paused indefinitely."""
    return any(
        not s.paused_indefinitely for s in focus_schedules(services, team_id, user_id).values()
    )


def clear_blocks(services: Deps, team_id: str, user_id: str) -> int:
    return delete_kinds_for(services.store, team_id, user_id, is_focus_kind)


# -- the composer ----------------------------------------------------------------------------
def compose_focus(
    services: Deps, schedule: Schedule, occurrence: Occurrence
) -> dict[str, Any] | None:
    """The DM at the start of a block (kinds `focus_1` … `focus_20`). Pure: the engine skips
    it while their status says away, and unenrols someone who left."""
    sched = as_schedule(schedule)
    block = block_of(sched)
    items = [str(x) for x in (services.library.nudges.get("leave_for_later") or [])]
    later = leave_for_later(items, f"{sched.target}:{occurrence.local_date}:{block.start}")
    msg = template_message(
        services.library,
        "focus-start",
        None,
        {"until": block.end, "leave_for_later": later.rstrip(".")},
    )
    blocks = [
        *msg["blocks"],
        context(services.strings.say("focus_footer")),
    ]
    return {"channel": sched.target, "text": msg["text"], "blocks": blocks}


def install(router: Router) -> None:
    for kind in KINDS:
        router.composer(kind, compose_focus)
