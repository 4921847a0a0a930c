"""The weekly check-in: `/pendulum checkin …` and `/pendulum history`, the DM's buttons, the
modal, and profile changes.

Commands (group "Check-ins"):
  `checkin`                     status and the next send, in the person's local time
  `checkin on [day] [HH:MM]`    opt in (default Friday 15:00 in their Slack time zone)
  `checkin off` · `checkin now` · `checkin skip` · `checkin pause until YYYY-MM-DD` ·
  `checkin resume`
  `history`                     the last 12 weeks as a table

Action ids: `checkin_start` (value: period → opens the modal), `checkin_skip` (value:
period), `checkin_later` (select: "2h|<period>" / "tomorrow|<period>").
Modal callback id: `checkin_modal` (private_metadata `{"period": "2026-W10"}`).
People: `sends.on_person` (time zone refresh; unenrol when deactivated), fed by the people
cache's events (bot/delivery/people.py).
Composer: kind `checkin` (see checkin_sends).

Nothing here runs a Web API call before a slash command's ack: Slack calls (users.info,
views.open, sends) happen in `Reply.later` or on the worker.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.coaching.checkin_rules import (
    BLOCK_IDS,
    DAY_NAMES,
    DEFAULT_TIME,
    DEFAULT_WEEKDAY,
    SKIPPED,
    WhenError,
    followups,
    is_period,
    parse_pause_until,
    parse_when,
    period_of,
    period_start,
    questions_from,
    shift_period,
    validate,
)
from bot.coaching.profile import Profile
from bot.coaching.trends import HISTORY_WEEKS, history_lines, last_weeks, summary
from bot.content.blocks import actions, button, context, header, message, section
from bot.content.markup import code, escape
from bot.delivery.model import Schedule
from bot.delivery.timing import local_date_of, zone
from bot.features import calendar
from bot.features import checkin_sends as sends
from bot.features import checkin_views as views
from bot.features.assess import profile_for
from bot.features.common import answer
from bot.router import (
    ActionContext,
    CommandContext,
    Reply,
    Router,
    Subcommand,
    ViewContext,
    split_command,
)
from bot.store import checkins as checkin_store
from bot.store import people
from bot.store.requests import first_time
from bot.store.schedules import (
    create_schedule,
    pause_schedule,
    resume_schedule,
    skip_date,
    update_schedule,
)

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pendulum.checkins")

USAGE = (
    "`{cmd} checkin` status · `{cmd} checkin on [day] [HH:MM]` · `{cmd} checkin off` · "
    "`{cmd} checkin now` · `{cmd} checkin skip` · `{cmd} checkin pause until YYYY-MM-DD` · "
    "`{cmd} checkin resume` · `{cmd} history`"
)


# -- shared operations (commands, buttons and App Home use these) ---------------------------
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


def publish_home_later(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    from bot.features.home import publish_home

    try:
        publish_home(services, client, team_id, user_id)
    except Exception:
        log.warning("could not refresh App Home", exc_info=True)


# -- /pendulum checkin ---------------------------------------------------------------------
@dataclass
class CheckinCommand:
    services: Services

    def __call__(self, ctx: CommandContext) -> Reply:
        word, rest = split_command(ctx.args)
        handler = {
            "": self.status,
            "status": self.status,
            "on": self.on,
            "start": self.on,
            "off": self.off,
            "stop": self.off,
            "now": self.now,
            "skip": self.skip,
            "pause": self.pause,
            "resume": self.resume,
            "unpause": self.resume,
        }.get(word)
        if handler is None:
            usage = USAGE.format(cmd=ctx.services.command)
            return Reply(
                message=views.note_message(f"I don't know {code(word)} for check-ins. {usage}")
            )
        return handler(ctx, rest)

    def status(self, ctx: CommandContext, rest: str) -> Reply:
        schedule = sends.checkin_schedule(ctx.services, ctx.team_id, ctx.user_id)
        lines = status_lines(ctx.services, schedule, ctx.services.command)
        usage = USAGE.format(cmd=ctx.services.command)
        msg = message(
            "Your weekly check-in",
            [section("\n".join(lines)), context(usage), context(views.PRIVACY_NOTE)],
        )
        return Reply(message=msg, later=refresh_later(ctx))

    def on(self, ctx: CommandContext, rest: str) -> Reply:
        try:
            weekday, local_time = parse_when(rest)
        except WhenError as exc:
            return Reply(message=views.note_message(escape(str(exc))))

        def job() -> None:
            services = ctx.services
            was_on = sends.checkin_schedule(services, ctx.team_id, ctx.user_id) is not None
            try:
                schedule = enable(
                    services, ctx.client, ctx.team_id, ctx.user_id, weekday, local_time
                )
            except sends.RecipientGone:
                return
            when = when_text(schedule.weekday, schedule.local_time, schedule.tz)
            head = "Updated" if was_on else ":white_check_mark: You're signed up"
            text = (
                f"{head}: your private check-in comes {when}. {next_text(services, schedule)}\n"
                f"`{services.command} checkin skip` skips one, `{services.command} checkin off` "
                "stops them. Only you see your answers."
            )
            answer(ctx, views.note_message(text))
            publish_home_later(services, ctx.client, ctx.team_id, ctx.user_id)

        return Reply(later=job)

    def off(self, ctx: CommandContext, rest: str) -> Reply:
        removed = sends.unenrol(ctx.services, ctx.team_id, ctx.user_id)
        cmd = ctx.services.command
        text = (
            f"Your weekly check-in is off. Your past answers stay yours (`{cmd} privacy`); "
            f"`{cmd} checkin on` turns it back on."
            if removed
            else f"You're not signed up for the weekly check-in. `{cmd} checkin on` signs you up."
        )

        def job() -> None:
            publish_home_later(ctx.services, ctx.client, ctx.team_id, ctx.user_id)

        return Reply(message=views.note_message(text), later=job)

    def now(self, ctx: CommandContext, rest: str) -> Reply:
        def job() -> None:
            services = ctx.services
            try:
                tz, _ = sends.refresh_person(services, ctx.client, ctx.team_id, ctx.user_id)
            except sends.RecipientGone:
                return
            result = sends.send_checkin_now(services, ctx.team_id, ctx.user_id, tz)
            period = current_period(services, tz)
            where = {
                c for c, _ts in sends.prompt_location(services, ctx.team_id, ctx.user_id, period)
            }
            answer(ctx, now_reply(result, period, in_dm=ctx.channel_id in where))

        return Reply(later=job)

    def skip(self, ctx: CommandContext, rest: str) -> Reply:
        cmd = ctx.services.command
        result = skip_next(ctx.services, ctx.team_id, ctx.user_id)
        if result is None:
            schedule = sends.checkin_schedule(ctx.services, ctx.team_id, ctx.user_id)
            text = (
                f"You're not signed up for the weekly check-in (`{cmd} checkin on`)."
                if schedule is None
                else "There's no check-in coming up to skip while it's paused."
            )
            return Reply(message=views.note_message(text), later=refresh_later(ctx))
        day, after = result
        text = f"Skipping your check-in on {day:%A} {day.day} {day:%B}. {after}"
        return Reply(message=views.note_message(text), later=refresh_later(ctx))

    def pause(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        schedule = sends.checkin_schedule(services, ctx.team_id, ctx.user_id)
        if schedule is None:
            return Reply(
                message=views.note_message(
                    "You're not signed up for the weekly check-in, so there's nothing to pause."
                )
            )
        today = local_date_of(services.clock.now(), zone(schedule.tz))
        try:
            until = parse_pause_until(rest, today)
        except WhenError as exc:
            return Reply(message=views.note_message(escape(str(exc))))
        schedule = pause_schedule(
            services.store, services.clock, ctx.team_id, schedule.id, until=until, reason="pause"
        )
        sends.cancel_pending(services, ctx.team_id, ctx.user_id, None, "paused")
        text = (
            f":palm_tree: Paused until {until:%A} {until.day} {until:%B %Y}: no check-ins or "
            f"reminders before then. {next_text(services, schedule)}"
        )
        return Reply(message=views.note_message(text), later=refresh_later(ctx))

    def resume(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        schedule = sends.checkin_schedule(services, ctx.team_id, ctx.user_id)
        if schedule is None:
            return Reply(
                message=views.note_message(
                    f"You're not signed up for the weekly check-in "
                    f"(`{services.command} checkin on`)."
                )
            )
        schedule = resume_schedule(services.store, services.clock, ctx.team_id, schedule.id)
        text = f"Your weekly check-in is back on. {next_text(services, schedule)}"
        return Reply(message=views.note_message(text), later=refresh_later(ctx))


def now_reply(result: str, period: str, *, in_dm: bool = False) -> dict[str, Any]:
    """The answer to `checkin now`; `in_dm` when it was typed in the DM the check-in went to."""
    if result == "sent":
        if in_dm:
            return views.note_message(
                ":incoming_envelope: Here's this week's check-in, just above."
            )
        return views.note_message(":incoming_envelope: Your check-in is in our DM.")
    if result == "answered":
        return message(
            "You've checked in this week",
            [
                section(
                    ":white_check_mark: You've already checked in this week. "
                    "Want to change an answer?"
                ),
                actions(
                    button("Edit this week's answers", views.START, period),
                    block_id="checkin_edit",
                ),
            ],
        )
    if result == "already":
        where = "further up in this conversation" if in_dm else "in our DM"
        return message(
            f"This week's check-in is waiting {where}",
            [
                section(f"This week's check-in is already {where}. You can start it here too:"),
                actions(
                    button("Start check-in", views.START, period, style="primary"),
                    block_id="checkin_start_here",
                ),
            ],
        )
    return views.note_message("I couldn't send a check-in right now. Please try again later.")


# -- buttons and the modal -------------------------------------------------------------------
def _period_from(ctx: ActionContext, raw: str) -> str:
    if is_period(raw):
        return raw
    return current_period(ctx.services, person_tz(ctx.services, ctx.team_id, ctx.user_id))


def on_start(ctx: ActionContext) -> Reply:
    """Open the check-in modal (pre-filled if this week was answered)."""
    services = ctx.services
    period = _period_from(ctx, ctx.value)
    existing = checkin_store.get_week(services.store, ctx.team_id, ctx.user_id, period)
    view = views.checkin_modal(
        questions_from(services.library.checkin),
        period,
        existing,
        week_label(period),
        calendar.checkin_prefill(services, ctx.team_id, ctx.user_id, period_start(period)),
    )
    if not ctx.trigger_id:
        return Reply(message=views.note_message("Please press the button again."))
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
    return Reply()


def on_skip(ctx: ActionContext) -> Reply:
    services = ctx.services
    period = _period_from(ctx, ctx.value)
    week = checkin_store.get_week(services.store, ctx.team_id, ctx.user_id, period)
    if week is not None and week.answered:
        return Reply(message=views.note_message("You've already checked in this week. Thanks!"))
    checkin_store.mark_week(
        services.store, ctx.team_id, ctx.user_id, period, SKIPPED, services.clock.now()
    )
    sends.cancel_pending(services, ctx.team_id, ctx.user_id, period, "skipped by the person")
    text = (
        f"Skipped the check-in for the week of {week_label(period)}. No reminder; "
        "see you next week."
    )
    return Reply(
        message=views.note_message(text, replace=True),
        later=lambda: publish_home_later(services, ctx.client, ctx.team_id, ctx.user_id),
    )


def on_later(ctx: ActionContext) -> Reply:
    services = ctx.services
    choice, _, raw_period = ctx.value.partition("|")
    if choice not in ("2h", "tomorrow"):
        return Reply()
    period = _period_from(ctx, raw_period)
    week = checkin_store.get_week(services.store, ctx.team_id, ctx.user_id, period)
    if week is not None and week.answered:
        return Reply(message=views.note_message("You've already checked in this week. Thanks!"))
    tz = person_tz(services, ctx.team_id, ctx.user_id)
    due = sends.remind_later(services, ctx.team_id, ctx.user_id, period, choice, tz)
    text = f":alarm_clock: OK, I'll bring your check-in back {views.format_local(due, tz)}."
    return Reply(message=views.note_message(text, replace=True))


def on_submit(ctx: ViewContext) -> Reply:
    """Validate and store before the ack (inline errors); the follow-up DM, the thank-you
    on the original DM and App Home happen after it."""
    services = ctx.services
    try:
        meta = json.loads(ctx.view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        meta = {}
    period = str(meta.get("period") or "")
    if not is_period(period):
        period = current_period(services, person_tz(services, ctx.team_id, ctx.user_id))
    questions = questions_from(services.library.checkin)
    values = {block: ctx.value(block, views.VALUE) for block in BLOCK_IDS}
    answer_, errors = validate(values, questions, period)
    if answer_ is None:
        return Reply(ack={"response_action": "errors", "errors": errors})
    now = services.clock.now()
    view_id = str(ctx.view.get("id") or ctx.body.get("view", {}).get("id") or "")
    with services.store.write():
        # a double submit or a Slack retry of the same view: stored once, followed up once
        if view_id and not first_time(services.store, ctx.team_id, f"checkin_view:{view_id}", now):
            return Reply()
        checkin_store.save_answer(services.store, ctx.team_id, ctx.user_id, answer_, now)
    view_id = view_id or period
    team_id, user_id, client = ctx.team_id, ctx.user_id, ctx.client

    def job() -> None:
        sends.cancel_pending(services, team_id, user_id, period, "answered")
        history = checkin_store.recent(
            services.store, team_id, user_id, since=shift_period(period, -12)
        )
        measured, goal = calendar.measured_focus(
            services,
            team_id,
            user_id,
            period_start(shift_period(period, -12)),
            period_start(period),
        )
        earned = followups(answer_, history, services.library.rules, questions, measured, goal)
        me = profile_of(services, team_id, user_id)
        msg = views.followup_message(services.library, earned[0], me, earned[1:])
        sends.send_dm(services, client, team_id, (sends.FOLLOWUP, user_id, view_id), msg, user_id)
        done = views.done_message(week_label(period))
        for channel, ts in sends.prompt_location(services, team_id, user_id, period):
            try:
                client.chat_update(channel=channel, ts=ts, text=done["text"], blocks=done["blocks"])
            except Exception as exc:
                log.info("could not update a check-in DM (%s)", type(exc).__name__)
        publish_home_later(services, client, team_id, user_id)

    return Reply(later=job)


# -- events ----------------------------------------------------------------------------------
def install(router: Router) -> None:
    router.command(
        Subcommand(
            name="checkin",
            summary="your private weekly check-in: `on [day] [HH:MM]`, `off`, `now`, `skip`, "
            "`pause until YYYY-MM-DD`, `resume`",
            example="checkin on friday 15:00",
            handler=lambda ctx: CheckinCommand(ctx.services)(ctx),
            aliases=("check-in",),
            group="Check-ins",
        )
    )
    router.command(
        Subcommand(
            name="history",
            summary="your last 12 weeks of check-ins, as a table",
            example="history",
            handler=lambda ctx: Reply(
                message=history_message(ctx.services, ctx.team_id, ctx.user_id),
                later=refresh_later(ctx),
            ),
            group="Check-ins",
        )
    )
    router.action(views.START, on_start)
    router.action(views.SKIP, on_skip)
    router.action(views.LATER, on_later)
    router.view(views.MODAL, on_submit)
    router.on_person(sends.on_person)  # zone changes and deactivations (bot/delivery/people.py)
    router.composer(sends.KIND, sends.compose_checkin, after=sends.after_checkin)
