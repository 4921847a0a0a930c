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

from slack_sdk import WebClient

from bot.coaching.when import parse_day, parse_time
from bot.content.markup import Trusted, code
from bot.delivery.model import CLAIMED, SENT, Schedule, delivery_key
from bot.features import common
from bot.features.nudge_sends import KIND
from bot.router import CommandContext, Reply, Router, Subcommand, split_command
from bot.services import Services
from bot.store import deliveries, people
from bot.store.schedules import (
    create_schedule,
    delete_kinds_for,
    list_by_owner,
    resume_schedule,
    update_schedule,
)

log = logging.getLogger("pendulum.nudges")

WEEKDAY = 0  # Monday
DEFAULT_TIME = "09:00"


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
    say = services.strings.say
    schedule = nudge_schedule(services, team_id, user_id)
    if schedule is None:
        return say("nudge_status_off")
    when = Trusted(common.when_text(schedule.weekday, schedule.local_time, schedule.tz))
    text = say("nudge_status_on", when=when, next=Trusted(common.next_text(services, schedule)))
    if schedule.paused_indefinitely:
        text += " " + say("nudge_turn_back_on")
    return text


def milestone_line(services: Services, team_id: str, user_id: str) -> str:
    if people.latest_assessment(services.store, team_id, user_id) is None:
        return services.strings.say("nudge_milestones_assess")
    return services.strings.say("nudge_milestones")


def send_nudge_now(services: Services, team_id: str, user_id: str) -> str:
    schedule = nudge_schedule(services, team_id, user_id)
    say = services.strings.say
    if schedule is None:
        return say("nudge_off_turn_on")
    engine = services.engine
    if engine is None:
        return say("sending_not_running")
    key = delivery_key(team_id, KIND, user_id, common.this_period(services, schedule.tz))
    before = deliveries.get(services.store, key)
    if before is not None and before.status in (SENT, CLAIMED):
        return say("nudge_already_sent")
    row = engine.send_now(KIND, schedule.id, team_id=team_id)
    if row.status in (SENT, CLAIMED):
        return say("nudge_sent_now")
    return say("nudge_send_failed")


@dataclass
class NudgeCommand:
    services: Services

    def __call__(self, ctx: CommandContext) -> Reply:
        word, rest = split_command(ctx.args)
        services = ctx.services
        say = services.strings.say
        if word in ("", "status"):
            text = status_text(services, ctx.team_id, ctx.user_id)
            return Reply(message=common.note(text + "\n" + say("nudge_usage")))
        if word in ("off", "stop"):
            if not delete_kinds_for(services.store, ctx.team_id, ctx.user_id, KIND.__eq__):
                return Reply(message=common.note(say("nudge_already_off")))
            return Reply(message=common.note(say("nudge_off")))
        if word in ("on", "start"):
            return self.on(ctx, rest)
        if word == "now":

            def job_now() -> None:
                text = send_nudge_now(services, ctx.team_id, ctx.user_id)
                common.answer(ctx, common.note(text))

            return Reply(later=job_now)
        usage = Trusted(say("nudge_usage"))
        return Reply(message=common.note(say("nudge_unknown_word", word=code(word), usage=usage)))

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
                return Reply(message=common.note(ctx.services.strings.say("nudge_mondays_only")))
            text = ctx.services.strings.say("nudge_bad_time", word=code(word))
            return Reply(message=common.note(text))
        services = ctx.services

        def job() -> None:
            was_on = nudge_schedule(services, ctx.team_id, ctx.user_id) is not None
            try:
                schedule = enable(services, ctx.client, ctx.team_id, ctx.user_id, local_time)
            except common.RecipientGone:
                return
            when = Trusted(common.when_text(schedule.weekday, schedule.local_time, schedule.tz))
            text = services.strings.say(
                "nudge_updated" if was_on else "nudge_turned_on",
                when=when,
                next=Trusted(common.next_text(services, schedule)),
                milestones=Trusted(milestone_line(services, ctx.team_id, ctx.user_id)),
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
