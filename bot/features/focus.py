"""Focus blocks: `/pendulum focus …` and the DM at the start of each block.

Commands (group "Reminders"):
  `focus`                          my focus blocks and the next one
  `focus set tue,thu 09:00-11:00`  replace them (several groups allowed; validated: each ends
                                   after it starts, no overlaps, at most 10)
  `focus off`                      delete them

Each block is a weekly schedule (owner = target = the person, local time = the block's start,
`params` = {"start", "end"}) in the person's Slack time zone, which it follows when that
changes. The engine allows one send per schedule kind, recipient and ISO week, so each block
has its own kind from a fixed pool (`focus_1` … `focus_20`); when blocks change, an unchanged
block keeps its schedule and a new one takes a kind that hasn't been used this week, so
moving a block mid-week never swallows its first DM.

At each block's start one DM (`prompts/messages/focus-start.md.j2`): the block runs until
HH:MM, plus one thing to leave for later (`prompts/nudges.yaml` leave_for_later); the composer
and what a focus schedule stands for are in bot/features/focus_sends.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.coaching.focus import (
    Block,
    FocusError,
    assign,
    describe,
    parse_blocks,
)
from bot.content.blocks import context, divider, message, section
from bot.content.markup import Trusted, code, escape
from bot.delivery.model import Schedule
from bot.features import calendar, common
from bot.features.focus_sends import (
    KINDS,
    block_of,
    clear_blocks,
    focus_schedules,
    is_focus_kind,
)
from bot.router import CommandContext, Reply, Router, Subcommand, split_command
from bot.services import Services
from bot.store import deliveries, people
from bot.store.schedules import create_schedule, delete_schedule

log = logging.getLogger("pendulum.focus")


# -- operations ------------------------------------------------------------------------------
def spent_kinds(services: Services, team_id: str, user_id: str, tz: str) -> set[str]:
    """Focus kinds with a delivery this local week (sent, on its way, or queued)."""
    period = common.this_period(services, tz)
    kinds = deliveries.kinds_in_period(services.store, team_id, user_id, period)
    return {kind for kind in kinds if is_focus_kind(kind)}


def set_blocks(
    services: Services, team_id: str, user_id: str, blocks: list[Block], tz: str
) -> list[Schedule]:
    """Replace a person's focus blocks; returns their schedules, earliest in the week first."""
    current = focus_schedules(services, team_id, user_id)
    plan = assign(
        {kind: block_of(s) for kind, s in current.items()},
        blocks,
        KINDS,
        spent_kinds(services, team_id, user_id, tz),
    )
    for kind in plan.delete:
        delete_schedule(services.store, team_id, current[kind].id)
    for kind, block in plan.create:
        create_schedule(
            services.store,
            services.clock,
            team_id=team_id,
            kind=kind,
            owner_user_id=user_id,
            target=user_id,
            weekday=block.weekday,
            local_time=block.start,
            tz=tz,
            params={"start": block.start, "end": block.end},
        )
    fresh = focus_schedules(services, team_id, user_id)
    return sorted(fresh.values(), key=lambda s: (s.weekday, s.local_time))


def next_block_text(services: Services, schedules: list[Schedule]) -> str:
    now = services.clock.now()
    soonest = None
    for schedule in schedules:
        occ = common.upcoming(services, schedule, now)
        if occ is not None and (soonest is None or occ.due_at < soonest[0].due_at):
            soonest = (occ, schedule)
    if soonest is None:
        return services.strings.say("focus_none_coming")
    occ, schedule = soonest
    block = block_of(schedule)
    when = common.format_local(occ.due_at, schedule.tz)
    return services.strings.say("focus_next", when=when, end=block.end)


def status_message(services: Services, team_id: str, user_id: str) -> dict[str, Any]:
    """The week from the calendar (when one is connected), then the typed focus blocks."""
    week = calendar.week_message(services, team_id, user_id)
    typed = blocks_message(services, team_id, user_id)
    if week is None:
        return typed
    note = context(services.strings.say("focus_calendar_note"))
    schedules = focus_schedules(services, team_id, user_id)
    blocks = [*week["blocks"], note]
    if schedules:
        blocks += [divider(), *typed["blocks"]]
    return message(week["text"], blocks)


def blocks_message(services: Services, team_id: str, user_id: str) -> dict[str, Any]:
    say = services.strings.say
    schedules = sorted(
        focus_schedules(services, team_id, user_id).values(),
        key=lambda s: (s.weekday, s.local_time),
    )
    if not schedules:
        blocks = [section(say("focus_none")), context(say("focus_usage"))]
        return message(say("focus_none_title"), blocks)
    return message(say("focus_title"), blocks_summary(services, schedules))


def blocks_summary(
    services: Services, schedules: list[Schedule], *, just_set: bool = False
) -> list[dict[str, Any]]:
    say = services.strings.say
    tz = schedules[0].tz
    lines = [f"• {escape(line)}" for line in describe([block_of(s) for s in schedules])]
    text = say("focus_set_head" if just_set else "focus_head", tz=tz) + "\n" + "\n".join(lines)
    if any(s.paused_indefinitely for s in schedules):
        text += "\n" + say("focus_some_paused")
    return [
        section(text),
        section(next_block_text(services, schedules)),
        context(say("focus_usage")),
    ]


@dataclass
class FocusCommand:
    services: Services

    def __call__(self, ctx: CommandContext) -> Reply:
        word, rest = split_command(ctx.args)
        say = ctx.services.strings.say
        if word in ("", "status", "list", "show"):
            return Reply(message=status_message(ctx.services, ctx.team_id, ctx.user_id))
        if word in ("off", "stop", "clear", "delete"):
            removed = clear_blocks(ctx.services, ctx.team_id, ctx.user_id)
            text = say("focus_off" if removed else "focus_none_to_turn_off")
            return Reply(message=common.note(text))
        if word in ("set", "on", "add"):
            return self.set(ctx, rest)
        # `focus tue 9-11` without "set"
        try:
            parse_blocks(ctx.args)
        except FocusError:
            usage = Trusted(say("focus_usage"))
            text = say("focus_unknown_word", word=code(word), usage=usage)
            return Reply(message=common.note(text))
        return self.set(ctx, ctx.args)

    def set(self, ctx: CommandContext, text: str) -> Reply:
        try:
            blocks = parse_blocks(text)
        except FocusError as exc:
            return Reply(message=common.note(escape(str(exc))))
        services = ctx.services

        def job() -> None:
            answer = apply_blocks(services, ctx.client, ctx.team_id, ctx.user_id, blocks)
            common.answer(ctx, answer)

        return Reply(later=job)


def apply_blocks(
    services: Services, client: WebClient, team_id: str, user_id: str, blocks: list[Block]
) -> dict[str, Any]:
    try:
        tz = common.person_tz(services, client, team_id, user_id)
    except common.RecipientGone:
        return common.note(services.strings.say("not_in_directory"))
    people.remember_tz(services.store, team_id, user_id, tz, services.clock.now())
    schedules = set_blocks(services, team_id, user_id, blocks, tz)
    body = blocks_summary(services, schedules, just_set=True)
    body.insert(1, context(services.strings.say("focus_dm_each")))
    return message(services.strings.say("focus_set_title"), body)


def install(router: Router) -> None:
    router.command(
        Subcommand(
            name="focus",
            summary="focus blocks, with a DM as each one starts; `focus off` stops them",
            example="focus set tue,thu 09:00-11:00",
            handler=lambda ctx: FocusCommand(ctx.services)(ctx),
            group="Reminders",
        )
    )
