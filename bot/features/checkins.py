"""The weekly check-in: `/pendulum checkin …` and `/pendulum history`, and the wiring for the
DM's buttons and the modal (checkin_actions.py) and profile changes. The status text, opting in
and the history table live in checkin_status.py, shared with App Home (home_view.py).

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

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.coaching.checkin_rules import WhenError, parse_pause_until, parse_when
from bot.content.blocks import actions, button, context, message, section
from bot.content.markup import code, escape
from bot.delivery.schedules import pause_schedule, resume_schedule
from bot.delivery.timing import local_date_of, zone
from bot.features import checkin_sends as sends
from bot.features import checkin_views as views
from bot.features.checkin_actions import on_later, on_skip, on_start, on_submit
from bot.features.checkin_status import (
    current_period,
    enable,
    history_message,
    next_text,
    refresh_later,
    skip_next,
    status_lines,
    when_text,
)
from bot.features.common import answer
from bot.features.home_view import publish_home_later
from bot.router import CommandContext, Reply, Router, Subcommand, split_command

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pendulum.checkins")

USAGE = (
    "`{cmd} checkin` status · `{cmd} checkin on [day] [HH:MM]` · `{cmd} checkin off` · "
    "`{cmd} checkin now` · `{cmd} checkin skip` · `{cmd} checkin pause until YYYY-MM-DD` · "
    "`{cmd} checkin resume` · `{cmd} history`"
)


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
