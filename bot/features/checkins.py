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
from typing import Any

from bot.coaching.when import WhenError, parse_pause_until, parse_when
from bot.content.blocks import actions, button, context, message, section
from bot.content.markup import Trusted, code, escape
from bot.delivery.timing import local_date_of, zone
from bot.features import checkin_sends as sends
from bot.features import checkin_views as views
from bot.features.checkin_actions import on_later, on_skip, on_start, on_submit
from bot.features.checkin_status import (
    current_period,
    enable,
    history_message,
    long_date,
    next_text,
    privacy_note,
    refresh_later,
    skip_next,
    status_lines,
    when_text,
)
from bot.features.common import answer
from bot.features.home_view import publish_home_later
from bot.router import CommandContext, Reply, Router, Subcommand, split_command
from bot.services import Services
from bot.store.schedules import (
    pause_schedule,
    resume_schedule,
)

log = logging.getLogger("pendulum.checkins")


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
            say = ctx.services.strings.say
            usage = Trusted(say("checkin_usage"))
            text = say("checkin_unknown", word=code(word), usage=usage)
            return Reply(message=views.note_message(text))
        return handler(ctx, rest)

    def status(self, ctx: CommandContext, rest: str) -> Reply:
        schedule = sends.checkin_schedule(ctx.services, ctx.team_id, ctx.user_id)
        lines = status_lines(ctx.services, schedule)
        say = ctx.services.strings.say
        msg = message(
            say("checkin_status_title"),
            [
                section("\n".join(lines)),
                context(say("checkin_usage")),
                context(privacy_note(ctx.services)),
            ],
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
            say = services.strings.say
            text = say(
                "checkin_on_done",
                head=Trusted(say("checkin_on_updated" if was_on else "checkin_on_signed_up")),
                when=when_text(services, schedule.weekday, schedule.local_time, schedule.tz),
                next=next_text(services, schedule),
            )
            answer(ctx, views.note_message(text))
            publish_home_later(services, ctx.client, ctx.team_id, ctx.user_id)

        return Reply(later=job)

    def off(self, ctx: CommandContext, rest: str) -> Reply:
        removed = sends.unenrol(ctx.services, ctx.team_id, ctx.user_id)
        text = ctx.services.strings.say("checkin_off" if removed else "checkin_off_not_on")

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
            answer(ctx, now_reply(services, result, period, in_dm=ctx.channel_id in where))

        return Reply(later=job)

    def skip(self, ctx: CommandContext, rest: str) -> Reply:
        say = ctx.services.strings.say
        result = skip_next(ctx.services, ctx.team_id, ctx.user_id)
        if result is None:
            schedule = sends.checkin_schedule(ctx.services, ctx.team_id, ctx.user_id)
            text = say("checkin_not_on" if schedule is None else "checkin_skip_while_paused")
            return Reply(message=views.note_message(text), later=refresh_later(ctx))
        day, after = result
        text = say("checkin_skipping", day=f"{day:%A} {day.day} {day:%B}", next=after)
        return Reply(message=views.note_message(text), later=refresh_later(ctx))

    def pause(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        schedule = sends.checkin_schedule(services, ctx.team_id, ctx.user_id)
        if schedule is None:
            return Reply(message=views.note_message(services.strings.say("checkin_pause_not_on")))
        today = local_date_of(services.clock.now(), zone(schedule.tz))
        try:
            until = parse_pause_until(rest, today)
        except WhenError as exc:
            return Reply(message=views.note_message(escape(str(exc))))
        schedule = pause_schedule(
            services.store, services.clock, ctx.team_id, schedule.id, until=until, reason="pause"
        )
        sends.cancel_pending(services, ctx.team_id, ctx.user_id, None, "paused")
        text = services.strings.say(
            "checkin_paused", until=long_date(until), next=next_text(services, schedule)
        )
        return Reply(message=views.note_message(text), later=refresh_later(ctx))

    def resume(self, ctx: CommandContext, rest: str) -> Reply:
        services = ctx.services
        schedule = sends.checkin_schedule(services, ctx.team_id, ctx.user_id)
        if schedule is None:
            return Reply(message=views.note_message(services.strings.say("checkin_not_on")))
        schedule = resume_schedule(services.store, services.clock, ctx.team_id, schedule.id)
        text = services.strings.say("checkin_resumed", next=next_text(services, schedule))
        return Reply(message=views.note_message(text), later=refresh_later(ctx))


def now_reply(
    services: Services, result: str, period: str, *, in_dm: bool = False
) -> dict[str, Any]:
    """The answer to `checkin now`; `in_dm` when it was typed in the DM the check-in went to."""
    say = services.strings.say
    if result == "sent":
        return views.note_message(say("checkin_now_above" if in_dm else "checkin_now_in_dm"))
    if result == "answered":
        return message(
            say("checkin_now_answered_title"),
            [
                section(say("checkin_now_answered")),
                actions(
                    button(say("checkin_edit_button"), views.START, period),
                    block_id="checkin_edit",
                ),
            ],
        )
    if result == "already":
        where = Trusted(say("checkin_where_here" if in_dm else "checkin_where_dm"))
        return message(
            say("checkin_now_waiting_title", where=where),
            [
                section(say("checkin_now_waiting", where=where)),
                actions(
                    button(say("checkin_start_button"), views.START, period, style="primary"),
                    block_id="checkin_start_here",
                ),
            ],
        )
    return views.note_message(say("checkin_now_failed"))


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
