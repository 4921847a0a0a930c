"""Check-in status shared by the command, the buttons and App Home: the person's time zone and
week, the "next send" text, opting in, skipping, the history table and the time-zone refresh.

Imports no Home, check-in command or calendar module, so those can all use it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from slack_sdk import WebClient

from bot.coaching.checkin_rules import (
    period_of,
    period_start,
    questions_from,
    shift_period,
)
from bot.coaching.profile import Profile
from bot.coaching.trends import HISTORY_WEEKS, history_lines, last_weeks, summary
from bot.coaching.when import DAY_NAMES, DEFAULT_TIME, DEFAULT_WEEKDAY
from bot.content.blocks import context, header, message, section
from bot.content.markup import Trusted, escape
from bot.delivery.model import Schedule
from bot.delivery.timing import local_date_of, zone
from bot.features import checkin_sends as sends
from bot.features import checkin_views as views
from bot.features.assess import profile_for
from bot.features.common import answer
from bot.router import CommandContext
from bot.services import Services
from bot.store import checkins as checkin_store
from bot.store import people
from bot.store.schedules import (
    create_schedule,
    resume_schedule,
    skip_date,
    update_schedule,
)


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


def when_text(services: Services, weekday: int, local_time: str, tz: str) -> Trusted:
    day = DAY_NAMES[weekday].capitalize()
    return Trusted(services.strings.say("checkin_when", day=day, time=local_time, tz=tz))


def long_date(day: date) -> str:
    """`Monday 3 March 2026`."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def privacy_note(services: Services) -> str:
    """The line under every check-in: who sees the answers, and the privacy command."""
    return services.strings.say("checkin_privacy_note")


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


def next_text(services: Services, schedule: Schedule) -> Trusted:
    occ = sends.next_send(services, schedule, services.clock.now())
    if occ is None:
        return Trusted(services.strings.say("checkin_none_while_paused"))
    when = Trusted(views.format_local(occ.due_at, schedule.tz))
    return Trusted(services.strings.say("checkin_next", when=when))


def status_lines(services: Services, schedule: Schedule | None) -> list[str]:
    say = services.strings.say
    if schedule is None:
        return [say("checkin_status_off")]
    when = when_text(services, schedule.weekday, schedule.local_time, schedule.tz)
    lines = [say("checkin_status_on", when=when)]
    if schedule.paused_indefinitely:
        lines.append(say("checkin_status_paused"))
    elif schedule.paused_until is not None and schedule.paused_until > local_date_of(
        services.clock.now(), zone(schedule.tz)
    ):
        until = schedule.paused_until
        lines.append(say("checkin_status_paused_until", until=long_date(until)))
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
        text = services.strings.say("checkin_history_empty")
        return message(services.strings.say("checkin_history_empty_title"), [section(text)])
    table = "\n".join(history_lines(weeks, questions)).replace("`", "'")
    return message(
        services.strings.say("checkin_history_title", summary=Trusted(summary(weeks, questions))),
        [
            header(services.strings.say("checkin_history_header")),
            section(f"```{escape(table)}```"),
            context(
                services.strings.say("checkin_history_legend", summary=summary(weeks, questions))
            ),
            context(privacy_note(services)),
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
                text = ctx.services.strings.say("checkin_tz_changed", tz=tz)
                if schedule is not None:
                    after = next_text(ctx.services, schedule)
                    text += ctx.services.strings.say("checkin_tz_followed", next=after)
                answer(ctx, views.note_message(text))
        if then is not None:
            then()

    return job
