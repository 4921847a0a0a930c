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
local ISO week. The composer also checks career milestones (bot/features/milestones.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.coaching.profile import Profile
from bot.coaching.when import parse_day, parse_time
from bot.content.blocks import context
from bot.content.compose import template_message
from bot.content.markup import code
from bot.delivery import ledger
from bot.delivery.ledger import CLAIMED, SENT, delivery_key
from bot.delivery.schedules import (
    Schedule,
    create_schedule,
    delete_kinds_for,
    delete_schedule,
    list_by_owner,
    resume_schedule,
    update_schedule,
)
from bot.delivery.timing import period_key
from bot.features import calendar_sync, common, focus, milestones
from bot.features.assess import profile_for
from bot.features.calendar_week import nudge_context, week_view
from bot.features.checkin_sends import as_schedule
from bot.features.tips import pick_for_period
from bot.router import CommandContext, Reply, Router, Subcommand, split_command
from bot.store import calendars, people

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pendulum.nudges")

KIND = "nudge"
POOL = "hands_warm"
WEEKDAY = 0  # Monday
DEFAULT_TIME = "09:00"
FALLBACK_IDEA = "Review one open pull request from a teammate, end to end."
USAGE = "`{cmd} nudge on [HH:MM]` (Mondays, your time) · `{cmd} nudge now` · `{cmd} nudge off`"


def nudge_schedule(services: Services, team_id: str, user_id: str) -> Schedule | None:
    for schedule in list_by_owner(services.store, team_id, user_id):
        if schedule.kind == KIND and schedule.target == user_id:
            return schedule
    return None


def profile_of(services: Services, team_id: str, user_id: str) -> Profile | None:
    """The person's latest self-assessment aged to now, or None (see `assess.profile_for`)."""
    return profile_for(services.store, services.library, team_id, user_id, services.clock.now())


def ideas(services: Services) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in services.library.nudges.get("hands_warm_ideas") or []:
        if isinstance(item, dict) and item.get("id") and item.get("text"):
            out[str(item["id"])] = str(item["text"])
    return out


# -- the composer ----------------------------------------------------------------------------
def compose_nudge(services: Services, schedule: Any, occurrence: Any) -> dict[str, Any] | None:
    """This week's Monday nudge for the schedule's person (kind `nudge`)."""
    sched = as_schedule(schedule)
    team_id, user_id = sched.team_id, sched.target
    try:
        if common.is_away_now(services, team_id, user_id) and not occurrence.manual:
            log.info("Monday nudge skipped: status says away")
            return None
    except common.RecipientGone:
        delete_schedule(services.store, team_id, sched.id)
        return None
    try:
        milestones.check(services, team_id, user_id)
    except Exception:  # a milestone problem must never cost the week's nudge
        log.exception("milestone check failed")
    pool = ideas(services)
    idea = FALLBACK_IDEA
    if pool:
        idea_id = pick_for_period(
            services,
            team_id=team_id,
            pool=POOL,
            kind=KIND,
            target=user_id,
            period=period_key(occurrence.local_date),
            items=list(pool),
        )
        idea = pool[idea_id]
    week = calendar_week_of(services, team_id, user_id)
    needs_blocks = week is None and not focus.has_focus_blocks(services, team_id, user_id)
    msg = template_message(
        services.library,
        "nudge-monday",
        profile_of(services, team_id, user_id),
        {"idea": idea, "needs_focus_blocks": needs_blocks, "week": week},
    )
    cmd = services.command
    notes = []
    if needs_blocks:
        notes.append(f"Book them here: `{cmd} focus set tue,thu 09:00-11:00`")
    notes.append(f"`{cmd} nudge off` stops these Monday nudges")
    blocks = [*msg["blocks"], context(" · ".join(notes))]
    return {"channel": user_id, "text": msg["text"], "blocks": blocks}


def calendar_week_of(services: Services, team_id: str, user_id: str) -> dict[str, Any] | None:
    """The real week from the person's calendar feed (focus ahead, goal, open stretches, the
    recurring meeting to question), or None without a calendar that has been read."""
    cal = calendars.get(services.store, calendar_sync.secret_box(services), team_id, user_id)
    if cal is None or cal.fetched_at is None:
        return None
    tz = people.get_tz(services.store, team_id, user_id) or cal.tz
    view = week_view(cal, tz, services.clock.now(), calendar_sync.min_focus(services))
    return nudge_context(view)


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
    before = ledger.get(services.store, key)
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
    router.composer(KIND, compose_nudge)
