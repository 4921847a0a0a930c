"""Pieces shared by the scheduled-nudge features (channel tips, focus blocks, the Monday
nudge, milestones): answering privately, a person's time zone, and "when is the next one?"."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.coaching.checkin_rules import is_away
from bot.coaching.when import DAY_NAMES
from bot.content.blocks import message, section
from bot.content.markup import escape
from bot.delivery.model import Schedule
from bot.delivery.timing import (
    Occurrence,
    local_date_of,
    period_key,
    zone,
)
from bot.features import checkin_sends
from bot.router import ActionContext, CommandContext
from bot.services import Services
from bot.slack.listeners.common import answer_privately
from bot.store.schedules import next_to_send

log = logging.getLogger("pendulum.nudges")

DEFAULT_TZ = "UTC"
RecipientGone = checkin_sends.RecipientGone


def note(text: str) -> dict[str, Any]:
    """A one-section private answer."""
    return message(text, [section(text)])


def answer(ctx: CommandContext | ActionContext, msg: dict[str, Any]) -> None:
    """Answer the person privately after the ack (response_url, ephemeral, or DM)."""
    answer_privately(
        ctx.client,
        msg,
        user_id=ctx.user_id,
        channel_id=ctx.channel_id,
        response_url=ctx.response_url,
    )


def person_tz(services: Services, client: WebClient, team_id: str, user_id: str) -> str:
    """The person's IANA zone as Slack reports it now (users.info), remembered for later;
    the stored zone (or UTC) when Slack can't be asked. Raises RecipientGone."""
    tz, _ = checkin_sends.refresh_person(services, client, team_id, user_id)
    return tz


def is_away_now(services: Services, team_id: str, user_id: str) -> bool:
    """Whether the person's Slack status says they're away (vacation, out of office, sick):
    a focus-block DM or a Monday nudge would only be noise then. If Slack can't be asked,
    not away (better a DM than a lost week). Raises RecipientGone for someone who left."""
    try:
        info = checkin_sends.user_info(services.client_for(team_id), user_id)
    except RecipientGone:
        raise
    except Exception as exc:
        log.warning("users.info failed before a DM (%s); sending anyway", type(exc).__name__)
        return False
    return is_away(info.get("profile") or {}, services.clock.now().timestamp())


def when_text(weekday: int, local_time: str, tz: str) -> str:
    return f"{DAY_NAMES[weekday].capitalize()}s at {local_time}, {escape(tz)} time"


def format_local(instant: datetime, tz_name: str) -> str:
    """`Monday 9 March at 09:30 (EDT)`."""
    local = instant.astimezone(zone(tz_name))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({local.tzname() or tz_name})"


def is_paused(schedule: Schedule) -> bool:
    return schedule.paused_reason is not None or schedule.paused_until is not None


def upcoming(services: Services, schedule: Schedule, now: datetime) -> Occurrence | None:
    """The next occurrence that will really go out (see `schedules.next_to_send`)."""
    return next_to_send(services.store, schedule, now)


def next_text(services: Services, schedule: Schedule) -> str:
    if schedule.paused_indefinitely:
        return services.strings.say("schedule_paused")
    occ = upcoming(services, schedule, services.clock.now())
    if occ is None:
        return services.strings.say("schedule_nothing_next")
    return services.strings.say("schedule_next", when=format_local(occ.due_at, schedule.tz))


def this_period(services: Services, tz: str) -> str:
    return period_key(local_date_of(services.clock.now(), zone(tz)))
