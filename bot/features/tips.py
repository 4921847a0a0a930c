"""Weekly tips in team channels: `/pendulum remind …` and the composer that posts them.

Commands (group "Reminders"):
  `remind [#channel] [day] [HH:MM] [tz]`  subscribe a channel (default: this one) to a weekly
                                          tip, Monday 09:30 in the subscriber's time zone
                                          unless told otherwise; again to change day/time
                                          (and to resume a paused subscription)
  `remind list`                           this workspace's subscriptions
  `remind off [#channel]`                 unsubscribe (its owner, or any member of it)
  `remind now [#channel]`                 post this week's tip now; it IS this week's tip
  `remind skip YYYY-MM-DD [#channel]`     skip the tip on that local date (holidays)

One subscription per channel: a schedule of kind `tip` (owner: who subscribed it, target:
the channel). Before subscribing, Slack is asked (conversations.info/members, after the ack)
whether the channel exists, is not archived, the subscriber is in it, and Pendulum is in it;
if Pendulum isn't, the answer says how to fix that (`/invite @Pendulum`) instead of failing
at send time. If it still fails then (`not_in_channel`, `is_archived`, `channel_not_found`…)
the engine pauses the subscription and tells its owner once; `remind` or a successful
`remind now` resumes it.

The composer (kind `tip`) is in bot/features/tip_sends.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coaching.tips import (
    DEFAULT_TIME,
    DEFAULT_WEEKDAY,
    RemindArgs,
    RemindError,
    parse_channel_only,
    parse_remind,
    parse_skip,
)
from bot.coaching.when import DAY_NAMES
from bot.content.blocks import context, message, section
from bot.content.compose import render_template
from bot.content.markup import Trusted, code, escape, mention
from bot.delivery.model import (
    CLAIMED,
    FAILED,
    SENT,
    SKIPPED,
    Schedule,
    ScheduleNotFound,
    delivery_key,
)
from bot.delivery.slack_errors import PERMANENT
from bot.delivery.timing import local_date_of, period_key, zone
from bot.features import common
from bot.features.tip_sends import KIND
from bot.features.tips_channels import INVITE, channel_problem, is_member, link, target_channel
from bot.router import CommandContext, Reply, Router, Subcommand, split_command
from bot.services import Services
from bot.store import deliveries
from bot.store.schedules import (
    create_schedule,
    delete_schedule,
    list_by_owner,
    list_by_team,
    resume_schedule,
    skip_date,
    update_schedule,
)

log = logging.getLogger("pendulum.tips")

MAX_LIST = 40


# -- looking things up -----------------------------------------------------------------------
def channel_schedule(services: Services, team_id: str, channel: str) -> Schedule | None:
    for schedule in list_by_team(services.store, team_id, KIND):
        if schedule.target == channel:
            return schedule
    return None


# -- the command -----------------------------------------------------------------------------
@dataclass
class RemindCommand:
    services: Services

    def __call__(self, ctx: CommandContext) -> Reply:
        word, rest = split_command(ctx.args)
        handlers: dict[str, Callable[[CommandContext, str], Reply]] = {
            "list": self.list,
            "off": self.off,
            "stop": self.off,
            "now": self.now,
            "skip": self.skip,
            "help": self.usage,
        }
        handler = handlers.get(word)
        try:
            if handler is not None:
                return handler(ctx, rest)
            return self.subscribe(ctx, ctx.args)
        except RemindError as exc:
            return Reply(message=common.note(escape(str(exc))))

    def usage(self, ctx: CommandContext, rest: str) -> Reply:
        return Reply(message=common.note(ctx.services.strings.say("tips_usage")))

    # `remind [#channel] [day] [HH:MM] [tz]`
    def subscribe(self, ctx: CommandContext, text: str) -> Reply:
        words = text.split()
        if words and words[0].lower() in ("on", "start", "subscribe"):
            text = " ".join(words[1:])
        args = parse_remind(text)
        channel = target_channel(ctx, args.channel)
        if channel is None:
            return Reply(message=common.note(ctx.services.strings.say("tips_name_a_channel")))

        def job() -> None:
            answer = subscribe(ctx.services, ctx.client, ctx.team_id, ctx.user_id, channel, args)
            common.answer(ctx, common.note(answer))

        return Reply(later=job)

    def list(self, ctx: CommandContext, rest: str) -> Reply:
        return Reply(message=list_message(ctx.services, ctx.team_id))

    def off(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        channel = target_channel(ctx, parse_channel_only(rest))
        if channel is None:
            return Reply(message=common.note(services.strings.say("tips_name_a_channel")))
        schedule = channel_schedule(services, ctx.team_id, channel)
        if schedule is None:
            text = services.strings.say("tips_none_to_stop", channel=link(channel))
            return Reply(message=common.note(text))
        if schedule.owner_user_id == ctx.user_id:
            delete_schedule(services.store, ctx.team_id, schedule.id)
            return Reply(message=common.note(off_text(services, channel)))

        def job() -> None:
            try:
                member = is_member(ctx.client, channel, ctx.user_id)
            except SlackApiError:
                member = False
            if not member:
                text = services.strings.say("tips_members_only", channel=link(channel))
            else:
                delete_schedule(services.store, ctx.team_id, schedule.id)
                text = off_text(services, channel)
            common.answer(ctx, common.note(text))

        return Reply(later=job)

    def now(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        channel = target_channel(ctx, parse_channel_only(rest))
        if channel is None:
            return Reply(message=common.note(services.strings.say("tips_name_a_channel")))
        if channel_schedule(services, ctx.team_id, channel) is None:
            return Reply(message=common.note(not_subscribed(services, channel)))

        def job() -> None:
            text = send_now(services, ctx.client, ctx.team_id, ctx.user_id, channel)
            common.answer(ctx, common.note(text))

        return Reply(later=job)

    def skip(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        day, named = parse_skip(rest)
        channel = target_channel(ctx, named)
        if channel is None:
            return Reply(message=common.note(services.strings.say("tips_name_a_channel")))
        schedule = channel_schedule(services, ctx.team_id, channel)
        if schedule is None:
            return Reply(message=common.note(not_subscribed(services, channel)))
        return Reply(message=common.note(skip(services, schedule, day)))


def not_subscribed(services: Services, channel: str) -> str:
    return services.strings.say("tips_not_subscribed", channel=link(channel))


def off_text(services: Services, channel: str) -> str:
    return services.strings.say("tips_off", channel=link(channel))


# -- operations ------------------------------------------------------------------------------
def at_tip_limit(services: Services, team_id: str, user_id: str) -> bool:
    """One person may look after at most `limits.tip_channels_per_person` channels' tips:
    each is a weekly post in a channel, and a thousand from one person delay everyone."""
    owned = [s for s in list_by_owner(services.store, team_id, user_id) if s.kind == KIND]
    return len(owned) >= services.limits.tip_channels_per_person


def tip_limit_text(services: Services) -> str:
    template = services.library.message("tips-limit")
    extra = {"limit": services.limits.tip_channels_per_person, "command": services.command}
    return render_template(services.library, template, None, extra)


def subscribe(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    channel: str,
    args: RemindArgs,
) -> str:
    """Create or change a channel's subscription (after checking the channel); the answer."""
    existing = channel_schedule(services, team_id, channel)
    if existing is None and at_tip_limit(services, team_id, user_id):
        return tip_limit_text(services)
    problem = channel_problem(client, channel, user_id, services.strings)
    if problem is not None:
        return problem
    tz = args.tz
    if tz is None and existing is None:
        try:
            tz = common.person_tz(services, client, team_id, user_id)
        except common.RecipientGone:
            return services.strings.say("not_in_directory")
    if existing is None:
        schedule = create_schedule(
            services.store,
            services.clock,
            team_id=team_id,
            kind=KIND,
            owner_user_id=user_id,
            target=channel,
            weekday=DEFAULT_WEEKDAY if args.weekday is None else args.weekday,
            local_time=args.local_time or DEFAULT_TIME,
            tz=tz or common.DEFAULT_TZ,
        )
        # two people subscribing the same channel at the same moment both get the first one
        head = "tips_subscribed"
    else:
        schedule = update_schedule(
            services.store,
            services.clock,
            team_id,
            existing.id,
            weekday=args.weekday,
            local_time=args.local_time,
            tz=tz,
        )
        head = "tips_updated"
        if common.is_paused(schedule):
            schedule = resume_schedule(services.store, services.clock, team_id, schedule.id)
            head = "tips_resumed"
    when = Trusted(common.when_text(schedule.weekday, schedule.local_time, schedule.tz))
    say = services.strings.say
    text = say(head, channel=link(channel), when=when)
    return text + " " + common.next_text(services, schedule) + "\n" + say("tips_subscribed_tail")


def send_now(
    services: Services, client: WebClient, team_id: str, user_id: str, channel: str
) -> str:
    """`remind now`: this week's tip, posted now; it counts as this week's."""
    schedule = channel_schedule(services, team_id, channel)
    if schedule is None:
        return not_subscribed(services, channel)
    engine = services.engine
    if engine is None:
        return services.strings.say("sending_not_running")
    period = period_key(local_date_of(services.clock.now(), zone(schedule.tz)))
    before = deliveries.get(services.store, delivery_key(team_id, KIND, channel, period))
    if before is not None and before.status in (SENT, CLAIMED):
        return services.strings.say("tips_already_sent", channel=link(channel)) + (
            common.next_text(services, schedule).removeprefix("Next: ")
        )
    problem = channel_problem(client, channel, user_id, services.strings)
    if problem is not None:
        return problem
    try:
        row = engine.send_now(KIND, schedule.id, team_id=team_id)
    except ScheduleNotFound:
        return not_subscribed(services, channel)
    if row.status == SENT:
        say = services.strings.say
        text = say("tips_posted_now", channel=link(channel))
        if schedule.paused_reason in PERMANENT:
            resume_schedule(services.store, services.clock, team_id, schedule.id)
            text += " " + say("tips_back_on")
        day = DAY_NAMES[schedule.weekday].capitalize()
        return text + " " + say("tips_counts_this_week", day=day)
    if row.status == FAILED:
        if row.error == "not_in_channel":
            return services.strings.say(
                "tips_not_a_member", channel=link(channel), invite=Trusted(INVITE)
            )
        return services.strings.say("tips_slack_refused", error=code(row.error or "unknown error"))
    if row.status == SKIPPED:
        return services.strings.say("tips_list_empty")
    return services.strings.say("tips_on_its_way", channel=link(channel))


def skip(services: Services, schedule: Schedule, day: date) -> str:
    """`remind skip YYYY-MM-DD`: skip the tip on that local date."""
    channel = schedule.target
    today = local_date_of(services.clock.now(), zone(schedule.tz))
    say = services.strings.say
    label = f"{day:%A} {day.day} {day:%B %Y}"
    if day < today:
        return say("tips_skip_past", day=label)
    if day > today + timedelta(days=366):
        return say("tips_skip_too_far")
    if day.weekday() != schedule.weekday:
        tip_day = day + timedelta(days=schedule.weekday - day.weekday())
        return say(
            "tips_skip_wrong_day",
            channel=link(channel),
            weekday=DAY_NAMES[schedule.weekday].capitalize(),
            day=label,
            tip_day=f"{tip_day:%A} {tip_day.day} {tip_day:%B}",
            tip_date=tip_day.isoformat(),
        )
    skip_date(services.store, services.clock, schedule.team_id, schedule.id, day)
    next_text = Trusted(common.next_text(services, schedule))
    return say("tips_skipped", channel=link(channel), day=label, next=next_text)


def list_message(services: Services, team_id: str) -> dict[str, Any]:
    schedules = list_by_team(services.store, team_id, KIND)
    say = services.strings.say
    if not schedules:
        return message(say("tips_list_none_title"), [section(say("tips_list_none"))])
    lines = []
    for schedule in schedules[:MAX_LIST]:
        when = common.when_text(schedule.weekday, schedule.local_time, schedule.tz)
        owner: str
        try:
            owner = mention(schedule.owner_user_id)
        except ValueError:
            owner = "someone"
        line = "• " + say(
            "tips_list_line",
            channel=link(schedule.target),
            when=Trusted(when),
            owner=Trusted(owner),
        )
        if schedule.paused_indefinitely:
            line += " " + say("tips_list_paused", reason=schedule.paused_reason or "paused")
        else:
            line += " " + common.next_text(services, schedule)
        lines.append(line)
    blocks: list[dict[str, Any]] = []
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2800:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if len(schedules) > MAX_LIST:
        blocks.append(context(say("tips_list_more", count=len(schedules) - MAX_LIST)))
    blocks.append(context(say("tips_usage")))
    count = len(schedules)
    title = say("tips_list_title_one" if count == 1 else "tips_list_title", count=count)
    return message(title, [section(f"*{title}*"), *blocks])


def install(router: Router) -> None:
    router.command(
        Subcommand(
            name="remind",
            summary="a weekly tip in a team channel: `[#channel] [day] [HH:MM] [tz]`, "
            "`list`, `off`, `now`, `skip YYYY-MM-DD`",
            example="remind #team monday 09:30",
            handler=lambda ctx: RemindCommand(ctx.services)(ctx),
            group="Reminders",
        )
    )
