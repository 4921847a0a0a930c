"""Check-in status shared by the command, the buttons and App Home: the person's time zone and
week, the "next send" text, opting in, skipping, the history table and the time-zone refresh.

Imports no Home, check-in command or calendar module, so those can all use it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.coaching.checkin_rules import (
    DAY_NAMES,
    DEFAULT_TIME,
    DEFAULT_WEEKDAY,
    period_of,
    period_start,
    questions_from,
    shift_period,
)
from bot.coaching.profile import Profile
from bot.coaching.trends import HISTORY_WEEKS, history_lines, last_weeks, summary
from bot.content.blocks import context, header, message, section
from bot.content.markup import escape
from bot.delivery.schedules import (
    Schedule,
    create_schedule,
    resume_schedule,
    skip_date,
    update_schedule,
)
from bot.delivery.timing import local_date_of, zone
from bot.features import checkin_sends as sends
from bot.features import checkin_views as views
from bot.features.assess import profile_for
from bot.features.common import answer
from bot.router import CommandContext
from bot.store import checkins as checkin_store
from bot.store import people

if TYPE_CHECKING:
    from bot.services import Services


def person_tz(services: Services, team_id: str, user_id: str) -> str:
    schedule = sends.checkin_schedule(services, team_id, user_id)
    if schedule is not None:
        return schedule.tz
    return people.get_tz(services.store, team_id, user_id) or sends.DEFAULT_TZ


def current_period(services: Services, tz: str) -> str:
    return period_of(local_date_of(services.clock.now(), zone(tz)))


def week_label(period: str) -> str:
    start = period_start(period)
    return f"{start:%A} {start.day} {start:%B}"


def when_text(weekday: int, local_time: str, tz: str) -> str:
    return f"{DAY_NAMES[weekday].capitalize()}s at {local_time}, {escape(tz)} time"


def enable(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    weekday: int | None,
    local_time: str | None,
) -> Schedule:
    """Opt in, or change the day/time (keeping whichever is not given), and resume if paused.
    Asks Slack for the person's time zone first."""
    tz, _ = sends.refresh_person(services, client, team_id, user_id)
    people.remember_tz(services.store, team_id, user_id, tz, services.clock.now())
    existing = sends.checkin_schedule(services, team_id, user_id)
    if existing is None:
        return create_schedule(
            services.store,
            services.clock,
            team_id=team_id,
            kind=sends.KIND,
            owner_user_id=user_id,
            target=user_id,
            weekday=DEFAULT_WEEKDAY if weekday is None else weekday,
            local_time=local_time or DEFAULT_TIME,
            tz=tz,
        )
    schedule = update_schedule(
        services.store,
        services.clock,
        team_id,
        existing.id,
        weekday=weekday,
        local_time=local_time,
        tz=tz,
    )
    if schedule.paused_reason is not None or schedule.paused_until is not None:
        schedule = resume_schedule(services.store, services.clock, team_id, schedule.id)
    return schedule


def next_text(services: Services, schedule: Schedule) -> str:
    occ = sends.next_send(services, schedule, services.clock.now())
    if occ is None:
        return "No check-in is coming up while it's paused."
    return f"Next: {views.format_local(occ.due_at, schedule.tz)}."


def status_lines(services: Services, schedule: Schedule | None, command: str) -> list[str]:
    if schedule is None:
        return [
            "*You're not signed up for the weekly check-in.* It's opt-in: "
            f"`{command} checkin on` sends you a private check-in every Friday at 15:00 your "
            f"time (or pick yours, e.g. `{command} checkin on monday 9:30`)."
        ]
    when = when_text(schedule.weekday, schedule.local_time, schedule.tz)
    lines = [f"*Your weekly check-in is on:* {when}."]
    if schedule.paused_indefinitely:
        lines.append(f"It's paused. `{command} checkin resume` turns it back on.")
    elif schedule.paused_until is not None and schedule.paused_until > local_date_of(
        services.clock.now(), zone(schedule.tz)
    ):
        until = schedule.paused_until
        lines.append(f"Paused until {until:%A} {until.day} {until:%B %Y}.")
    lines.append(next_text(services, schedule))
    return lines


def skip_next(services: Services, team_id: str, user_id: str) -> tuple[date, str] | None:
    """Skip the next check-in that would go out; (its local date, the one after) or None."""
    schedule = sends.checkin_schedule(services, team_id, user_id)
    if schedule is None:
        return None
    occ = sends.next_send(services, schedule, services.clock.now())
    if occ is None:
        return None
    skip_date(services.store, services.clock, team_id, schedule.id, occ.local_date)
    return occ.local_date, next_text(services, schedule)


def profile_of(services: Services, team_id: str, user_id: str) -> Profile | None:
    """The person's latest self-assessment aged to now, or None (see `assess.profile_for`)."""
    return profile_for(services.store, services.library, team_id, user_id, services.clock.now())


def history_message(services: Services, team_id: str, user_id: str) -> dict[str, Any]:
    tz = person_tz(services, team_id, user_id)
    period = current_period(services, tz)
    questions = questions_from(services.library.checkin)
    rows = checkin_store.recent(
        services.store, team_id, user_id, since=shift_period(period, -(HISTORY_WEEKS - 1))
    )
    weeks = last_weeks(rows, period, HISTORY_WEEKS)
    if not any(w.checkin for w in weeks):
        text = (
            "*Your last 12 weeks:* no check-ins yet. "
            f"`{services.command} checkin on` signs you up; `{services.command} checkin now` "
            "sends one right away."
        )
        return message("Your check-in history: nothing yet", [section(text)])
    table = "\n".join(history_lines(weeks, questions)).replace("`", "'")
    return message(
        f"Your check-in history: {summary(weeks, questions)}",
        [
            header("Your last 12 weeks"),
            section(f"```{escape(table)}```"),
            context(escape(summary(weeks, questions)) + "  ✎ = you left a note."),
            context(views.PRIVACY_NOTE),
        ],
    )


def refresh_later(
    ctx: CommandContext, then: Callable[[], None] | None = None
) -> Callable[[], None]:
    """A `Reply.later` job: refresh the time zone from Slack (moving DM schedules if it
    changed, and saying so), then run `then`."""

    def job() -> None:
        if people.exists(ctx.services.store, ctx.team_id, ctx.user_id):
            try:
                _, previous = sends.refresh_person(
                    ctx.services, ctx.client, ctx.team_id, ctx.user_id
                )
            except sends.RecipientGone:
                previous = None
            if previous is not None:
                schedule = sends.checkin_schedule(ctx.services, ctx.team_id, ctx.user_id)
                tz = person_tz(ctx.services, ctx.team_id, ctx.user_id)
                text = f":globe_with_meridians: Your Slack time zone is now {escape(tz)}."
                if schedule is not None:
                    text += " Your check-in follows it. " + next_text(ctx.services, schedule)
                answer(ctx, views.note_message(text))
        if then is not None:
            then()

    return job
