"""The Monday nudge: `/pendulum nudge on|off` and the composer of the weekly DM.

Commands (group "Reminders"):
  `nudge`               status
  `nudge on [HH:MM]`    opt in: Mondays at 09:00 (or the time given) in my Slack time zone
  `nudge now`           this week's nudge now (it counts as this week's)
  `nudge off`           opt out

The DM (`prompts/messages/nudge-monday.md.j2`) names one way to keep hands warm off the
critical path (`prompts/nudges.yaml` hands_warm_ideas: code review, on-call cover, a P2 bug,
tooling, docs), walking that list without repeats (pool `hands_warm` of `rotation_picks`),
and asks for `rules.focus.weekly_blocks_ask` focus blocks when the person has none. A
schedule of kind `nudge` (owner = target = the person): the engine sends at most one per
local ISO week. The composer (bot/features/nudge_sends.py) also checks career milestones
(bot/features/milestones.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.coaching.when import parse_day, parse_time
from bot.content.markup import code
from bot.delivery.model import CLAIMED, SENT, Schedule, delivery_key
from bot.features import common
from bot.features.nudge_sends import KIND
from bot.router import CommandContext, Reply, Router, Subcommand, split_command
from bot.store import deliveries, people
from bot.store.schedules import (
    create_schedule,
    delete_kinds_for,
    list_by_owner,
    resume_schedule,
    update_schedule,
)

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pendulum.nudges")

WEEKDAY = 0  # Monday
DEFAULT_TIME = "09:00"
USAGE = "`{cmd} nudge on [HH:MM]` (Mondays, your time) · `{cmd} nudge now` · `{cmd} nudge off`"


def nudge_schedule(services: Services, team_id: str, user_id: str) -> Schedule | None:
    for schedule in list_by_owner(services.store, team_id, user_id):
        if schedule.kind == KIND and schedule.target == user_id:
            return schedule
    return None


# -- operations ------------------------------------------------------------------------------
def enable(
    services: Services, client: WebClient, team_id: str, user_id: str, local_time: str | None
) -> Schedule:
    tz = common.person_tz(services, client, team_id, user_id)
    people.remember_tz(services.store, team_id, user_id, tz, services.clock.now())
    existing = nudge_schedule(services, team_id, user_id)
    if existing is None:
        return create_schedule(
            services.store,
            services.clock,
            team_id=team_id,
            kind=KIND,
            owner_user_id=user_id,
            target=user_id,
            weekday=WEEKDAY,
            local_time=local_time or DEFAULT_TIME,
            tz=tz,
        )
    schedule = update_schedule(
        services.store, services.clock, team_id, existing.id, local_time=local_time, tz=tz
    )
    if common.is_paused(schedule):
        schedule = resume_schedule(services.store, services.clock, team_id, schedule.id)
    return schedule


def status_text(services: Services, team_id: str, user_id: str) -> str:
    cmd = services.command
    schedule = nudge_schedule(services, team_id, user_id)
    if schedule is None:
        return (
            "*The Monday nudge is off.* It's opt-in: `"
            f"{cmd} nudge on` sends you one DM on Monday mornings with one way to keep your "
            "hands warm off the critical path, and asks for focus blocks if you have none."
        )
    when = common.when_text(schedule.weekday, schedule.local_time, schedule.tz)
    text = f"*The Monday nudge is on:* {when}. {common.next_text(services, schedule)}"
    if schedule.paused_indefinitely:
        text += f" `{cmd} nudge on` turns it back on."
    return text


def milestone_line(services: Services, team_id: str, user_id: str) -> str:
    if people.latest_assessment(services.store, team_id, user_id) is None:
        return (
            f"Take the self-assessment (`{services.command} assess`) and I'll also send a "
            "one-time note at career milestones."
        )
    return (
        "You'll also get a one-time note when you pass a milestone: two years managing, "
        "three and five years since hands-on work."
    )


def send_nudge_now(services: Services, team_id: str, user_id: str) -> str:
    schedule = nudge_schedule(services, team_id, user_id)
    cmd = services.command
    if schedule is None:
        return f"The Monday nudge is off. `{cmd} nudge on` turns it on."
    engine = services.engine
    if engine is None:
        return "Scheduled sending isn't running right now. Please try again in a minute."
    key = delivery_key(team_id, KIND, user_id, common.this_period(services, schedule.tz))
    before = deliveries.get(services.store, key)
    if before is not None and before.status in (SENT, CLAIMED):
        return "This week's nudge is already in our DM."
    row = engine.send_now(KIND, schedule.id, team_id=team_id)
    if row.status in (SENT, CLAIMED):
        return ":incoming_envelope: This week's nudge is in our DM; it counts as this week's."
    return "I couldn't send the nudge right now. Please try again later."


@dataclass
class NudgeCommand:
    services: Services

    def __call__(self, ctx: CommandContext) -> Reply:
        word, rest = split_command(ctx.args)
        services, cmd = ctx.services, ctx.services.command
        if word in ("", "status"):
            text = status_text(services, ctx.team_id, ctx.user_id)
            return Reply(message=common.note(text + "\n" + USAGE.format(cmd=cmd)))
        if word in ("off", "stop"):
            if not delete_kinds_for(services.store, ctx.team_id, ctx.user_id, KIND.__eq__):
                return Reply(message=common.note("The Monday nudge is already off."))
            text = f"The Monday nudge is off. `{cmd} nudge on` turns it back on."
            return Reply(message=common.note(text))
        if word in ("on", "start"):
            return self.on(ctx, rest)
        if word == "now":

            def job_now() -> None:
                text = send_nudge_now(services, ctx.team_id, ctx.user_id)
                common.answer(ctx, common.note(text))

            return Reply(later=job_now)
        return Reply(
            message=common.note(f"I don't know {code(word)} for the nudge. {USAGE.format(cmd=cmd)}")
        )

    def on(self, ctx: CommandContext, rest: str) -> Reply:
        local_time: str | None = None
        for word in rest.split():
            if word.lower() in ("at", "monday", "mondays", "mon"):
                continue
            found = parse_time(word)
            if found is not None and local_time is None:
                local_time = found
                continue
            if parse_day(word) is not None:
                return Reply(
                    message=common.note(
                        "The nudge comes on Monday mornings, to start the week; you can pick "
                        f"the time: `{ctx.services.command} nudge on 08:30`."
                    )
                )
            return Reply(
                message=common.note(
                    f"I couldn't read {code(word)} as a time. Try `"
                    f"{ctx.services.command} nudge on 08:30`."
                )
            )
        services = ctx.services

        def job() -> None:
            was_on = nudge_schedule(services, ctx.team_id, ctx.user_id) is not None
            try:
                schedule = enable(services, ctx.client, ctx.team_id, ctx.user_id, local_time)
            except common.RecipientGone:
                return
            when = common.when_text(schedule.weekday, schedule.local_time, schedule.tz)
            head = "Updated" if was_on else ":white_check_mark: The Monday nudge is on"
            text = (
                f"{head}: {when}. {common.next_text(services, schedule)}\n"
                f"{milestone_line(services, ctx.team_id, ctx.user_id)} "
                f"`{services.command} nudge off` stops it."
            )
            common.answer(ctx, common.note(text))

        return Reply(later=job)


def install(router: Router) -> None:
    router.command(
        Subcommand(
            name="nudge",
            summary="a Monday DM with one way to keep your hands warm: `on [HH:MM]`, `off`",
            example="nudge on",
            handler=lambda ctx: NudgeCommand(ctx.services)(ctx),
            aliases=("nudges",),
            group="Reminders",
        )
    )
