"""The check-in DM's buttons (start, skip, later) and the check-in modal's submit."""

from __future__ import annotations

import json
import logging

from bot.coaching.checkin_rules import (
    BLOCK_IDS,
    SKIPPED,
    is_period,
    period_start,
    questions_from,
    shift_period,
    validate,
)
from bot.coaching.followups import followups
from bot.content.markup import Trusted
from bot.features import calendar
from bot.features import checkin_sends as sends
from bot.features import checkin_views as views
from bot.features.checkin_status import current_period, person_tz, profile_of, week_label
from bot.features.home_view import publish_home_later
from bot.router import ActionContext, Reply, ViewContext
from bot.store import checkins as checkin_store
from bot.store.requests import first_time

log = logging.getLogger("pendulum.checkins")


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
        strings=services.strings,
    )
    if not ctx.trigger_id:
        return Reply(message=views.note_message(services.strings.say("checkin_press_again")))
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
    return Reply()


def on_skip(ctx: ActionContext) -> Reply:
    services = ctx.services
    period = _period_from(ctx, ctx.value)
    week = checkin_store.get_week(services.store, ctx.team_id, ctx.user_id, period)
    if week is not None and week.answered:
        return Reply(message=views.note_message(services.strings.say("checkin_already_thanks")))
    checkin_store.mark_week(
        services.store, ctx.team_id, ctx.user_id, period, SKIPPED, services.clock.now()
    )
    sends.cancel_pending(services, ctx.team_id, ctx.user_id, period, "skipped by the person")
    text = services.strings.say("checkin_skipped_week", week=week_label(period))
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
        return Reply(message=views.note_message(services.strings.say("checkin_already_thanks")))
    tz = person_tz(services, ctx.team_id, ctx.user_id)
    due = sends.remind_later(services, ctx.team_id, ctx.user_id, period, choice, tz)
    when = Trusted(views.format_local(due, tz))
    text = services.strings.say("checkin_reminder_set", when=when)
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
        done = views.done_message(services.strings, week_label(period))
        for channel, ts in sends.prompt_location(services, team_id, user_id, period):
            try:
                client.chat_update(channel=channel, ts=ts, text=done["text"], blocks=done["blocks"])
            except Exception as exc:
                log.info("could not update a check-in DM (%s)", type(exc).__name__)
        publish_home_later(services, client, team_id, user_id)

    return Reply(later=job)
