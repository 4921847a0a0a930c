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
from typing import TYPE_CHECKING, Any

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
from bot.content.markup import channel_link, code, escape, mention
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
from bot.router import CommandContext, Reply, Router, Subcommand, split_command
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

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pendulum.tips")

MAX_LIST = 40
INVITE = "`/invite @Pendulum`"
USAGE = (
    "`{cmd} remind [#channel] [day] [HH:MM] [tz]` · `{cmd} remind list` · "
    "`{cmd} remind off [#channel]` · `{cmd} remind now [#channel]` · "
    "`{cmd} remind skip YYYY-MM-DD [#channel]`"
)


# -- looking things up -----------------------------------------------------------------------
def channel_schedule(services: Services, team_id: str, channel: str) -> Schedule | None:
    for schedule in list_by_team(services.store, team_id, KIND):
        if schedule.target == channel:
            return schedule
    return None


def link(channel: str) -> str:
    try:
        return channel_link(channel)
    except ValueError:
        return code(channel)


def _error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def is_member(client: WebClient, channel: str, user_id: str) -> bool:
    """Whether `user_id` is in the channel (conversations.members, every page)."""
    cursor: str | None = None
    for _ in range(200):
        kwargs: dict[str, Any] = {"channel": channel, "limit": 500}
        if cursor:
            kwargs["cursor"] = cursor
        response = client.conversations_members(**kwargs)
        if user_id in (response.get("members") or []):
            return True
        cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return False
    return False


def channel_problem(
    client: WebClient, channel: str, user_id: str, command: str, *, need_bot: bool = True
) -> str | None:
    """Why tips can't go to this channel for this person, in words; None when they can."""
    where = link(channel)
    try:
        info = dict(client.conversations_info(channel=channel).get("channel") or {})
    except SlackApiError as exc:
        error = _error_code(exc)
        if error == "channel_not_found":
            return (
                f"I can't see {where}. If it's a private channel, invite me first: type "
                f"{INVITE} in it, then run `{command} remind` there again."
            )
        if error == "missing_scope":
            return (
                "I'm missing a permission to look up channels (`channels:read`, "
                "`groups:read`). Ask whoever installed me to reinstall the app."
            )
        raise
    if info.get("is_im") or info.get("is_mpim"):
        return "Weekly tips are for team channels, not direct messages. Name a channel."
    if info.get("is_archived"):
        return f"{where} is archived, so nobody would read a tip there."
    if not is_member(client, channel, user_id):
        return (
            f"You can only set up tips for a channel you're in. Join {where} first, "
            "or ask one of its members to do it."
        )
    if need_bot and not info.get("is_member"):
        return (
            f"I'm not a member of {where}, so I couldn't post tips there. Invite me by typing "
            f"{INVITE} in {where}, then run `{command} remind` again."
        )
    return None


def target_channel(ctx: CommandContext, named: str | None) -> str | None:
    """The named channel, else the one the command was typed in (None in a DM)."""
    if named:
        return named
    channel = ctx.channel_id or ""
    return channel if channel[:1] in ("C", "G") else None


NAME_A_CHANNEL = (
    "Which channel? Run this in the channel, or name it: `{cmd} remind #team` "
    "(pick the channel from Slack's autocomplete)."
)


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
        return Reply(message=common.note(USAGE.format(cmd=ctx.services.command)))

    # `remind [#channel] [day] [HH:MM] [tz]`
    def subscribe(self, ctx: CommandContext, text: str) -> Reply:
        words = text.split()
        if words and words[0].lower() in ("on", "start", "subscribe"):
            text = " ".join(words[1:])
        args = parse_remind(text)
        cmd = ctx.services.command
        channel = target_channel(ctx, args.channel)
        if channel is None:
            return Reply(message=common.note(NAME_A_CHANNEL.format(cmd=cmd)))

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
            return Reply(message=common.note(NAME_A_CHANNEL.format(cmd=services.command)))
        schedule = channel_schedule(services, ctx.team_id, channel)
        if schedule is None:
            return Reply(message=common.note(f"{link(channel)} has no weekly tip to stop."))
        if schedule.owner_user_id == ctx.user_id:
            delete_schedule(services.store, ctx.team_id, schedule.id)
            return Reply(message=common.note(off_text(channel, services.command)))

        def job() -> None:
            try:
                member = is_member(ctx.client, channel, ctx.user_id)
            except SlackApiError:
                member = False
            if not member:
                text = f"Only members of {link(channel)} can stop its weekly tip."
            else:
                delete_schedule(services.store, ctx.team_id, schedule.id)
                text = off_text(channel, services.command)
            common.answer(ctx, common.note(text))

        return Reply(later=job)

    def now(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        channel = target_channel(ctx, parse_channel_only(rest))
        if channel is None:
            return Reply(message=common.note(NAME_A_CHANNEL.format(cmd=services.command)))
        if channel_schedule(services, ctx.team_id, channel) is None:
            return Reply(message=common.note(not_subscribed(channel, services.command)))

        def job() -> None:
            text = send_now(services, ctx.client, ctx.team_id, ctx.user_id, channel)
            common.answer(ctx, common.note(text))

        return Reply(later=job)

    def skip(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        day, named = parse_skip(rest)
        channel = target_channel(ctx, named)
        if channel is None:
            return Reply(message=common.note(NAME_A_CHANNEL.format(cmd=services.command)))
        schedule = channel_schedule(services, ctx.team_id, channel)
        if schedule is None:
            return Reply(message=common.note(not_subscribed(channel, services.command)))
        return Reply(message=common.note(skip(services, schedule, day)))


def not_subscribed(channel: str, command: str) -> str:
    return f"{link(channel)} doesn't get a weekly tip. `{command} remind` in it subscribes it."


def off_text(channel: str, command: str) -> str:
    return (
        f"Weekly tips in {link(channel)} are off. `{command} remind` in the channel turns "
        "them back on, and the rotation picks up where it left off."
    )


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
    cmd = services.command
    existing = channel_schedule(services, team_id, channel)
    if existing is None and at_tip_limit(services, team_id, user_id):
        return tip_limit_text(services)
    problem = channel_problem(client, channel, user_id, cmd)
    if problem is not None:
        return problem
    tz = args.tz
    if tz is None and existing is None:
        try:
            tz = common.person_tz(services, client, team_id, user_id)
        except common.RecipientGone:
            return "I couldn't find you in this workspace's directory."
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
        head = f":white_check_mark: {link(channel)} gets a weekly tip"
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
        head = f"Updated: {link(channel)} gets its weekly tip"
        if common.is_paused(schedule):
            schedule = resume_schedule(services.store, services.clock, team_id, schedule.id)
            head = f"Resumed: {link(channel)} gets its weekly tip"
    when = common.when_text(schedule.weekday, schedule.local_time, schedule.tz)
    return (
        f"{head} {when}. {common.next_text(services, schedule)}\n"
        f"`{cmd} remind now` posts this week's now · `{cmd} remind skip YYYY-MM-DD` skips a "
        f"holiday · `{cmd} remind off` stops it."
    )


def send_now(
    services: Services, client: WebClient, team_id: str, user_id: str, channel: str
) -> str:
    """`remind now`: this week's tip, posted now; it counts as this week's."""
    cmd = services.command
    schedule = channel_schedule(services, team_id, channel)
    if schedule is None:
        return not_subscribed(channel, cmd)
    engine = services.engine
    if engine is None:
        return "Scheduled sending isn't running right now. Please try again in a minute."
    period = period_key(local_date_of(services.clock.now(), zone(schedule.tz)))
    before = deliveries.get(services.store, delivery_key(team_id, KIND, channel, period))
    if before is not None and before.status in (SENT, CLAIMED):
        return f"This week's tip already went out in {link(channel)}. The next one: " + (
            common.next_text(services, schedule).removeprefix("Next: ")
        )
    problem = channel_problem(client, channel, user_id, cmd)
    if problem is not None:
        return problem
    try:
        row = engine.send_now(KIND, schedule.id, team_id=team_id)
    except ScheduleNotFound:
        return not_subscribed(channel, cmd)
    if row.status == SENT:
        text = f":incoming_envelope: Posted this week's tip in {link(channel)}."
        if schedule.paused_reason in PERMANENT:
            resume_schedule(services.store, services.clock, team_id, schedule.id)
            text += " Its weekly tip was paused after a failed send; it's back on."
        day = DAY_NAMES[schedule.weekday].capitalize()
        return text + f" It counts as this week's: {day}'s won't post again."
    if row.status == FAILED:
        if row.error == "not_in_channel":
            return f"I'm not a member of {link(channel)}. Invite me with {INVITE} there."
        return f"Slack wouldn't take the tip ({code(row.error or 'unknown error')})."
    if row.status == SKIPPED:
        return "There's no tip to post: the tip list is empty."
    return f"This week's tip for {link(channel)} is on its way."


def skip(services: Services, schedule: Schedule, day: date) -> str:
    """`remind skip YYYY-MM-DD`: skip the tip on that local date."""
    channel = schedule.target
    today = local_date_of(services.clock.now(), zone(schedule.tz))
    if day < today:
        return f"{day:%A} {day.day} {day:%B %Y} has passed. Pick a date from today on."
    if day > today + timedelta(days=366):
        return "I can skip dates up to a year ahead. Pick an earlier date."
    label = f"{day:%A} {day.day} {day:%B %Y}"
    if day.weekday() != schedule.weekday:
        tip_day = day + timedelta(days=schedule.weekday - day.weekday())
        return (
            f"Tips in {link(channel)} go out on {DAY_NAMES[schedule.weekday].capitalize()}s, "
            f"so there's none on {label}. That week's is on {tip_day:%A} {tip_day.day} "
            f"{tip_day:%B}: `{services.command} remind skip {tip_day.isoformat()}` skips it."
        )
    skip_date(services.store, services.clock, schedule.team_id, schedule.id, day)
    return (
        f":palm_tree: No tip in {link(channel)} on {label}. {common.next_text(services, schedule)}"
    )


def list_message(services: Services, team_id: str) -> dict[str, Any]:
    schedules = list_by_team(services.store, team_id, KIND)
    cmd = services.command
    if not schedules:
        text = (
            "*No channel gets a weekly tip yet.* `"
            f"{cmd} remind` in a channel subscribes it (Mondays at 09:30 your time, or "
            f"pick: `{cmd} remind #team thursday 10:00`)."
        )
        return message("No channel gets a weekly tip yet", [section(text)])
    lines = []
    for schedule in schedules[:MAX_LIST]:
        when = common.when_text(schedule.weekday, schedule.local_time, schedule.tz)
        owner: str
        try:
            owner = mention(schedule.owner_user_id)
        except ValueError:
            owner = "someone"
        line = f"• {link(schedule.target)}: {when}, set up by {owner}."
        if schedule.paused_indefinitely:
            line += f" _Paused ({escape(schedule.paused_reason or 'paused')})._"
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
        blocks.append(context(f"…and {len(schedules) - MAX_LIST} more."))
    blocks.append(context(USAGE.format(cmd=cmd)))
    count = len(schedules)
    title = f"{count} channel{'s get' if count != 1 else ' gets'} a weekly tip"
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
