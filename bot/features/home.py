"""App Home's handlers: publish on `app_home_opened`, and the buttons and modal that change a
check-in or a schedule. The view itself (and `publish_home`) is in home_view.py.

Action ids: `home_checkin_on`, `home_checkin_now`, `home_checkin_skip`, `home_history`,
`home_schedule_edit` / `home_schedule_pause` / `home_schedule_resume` /
`home_schedule_delete` (value: schedule id), `topic_open` (value: topic id; handled by the
topics feature). Modal callback id: `home_schedule_modal` (private_metadata
`{"schedule_id": N}`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.coaching.when import DAY_NAMES, parse_time
from bot.content.blocks import plain, section
from bot.content.strings import Strings
from bot.delivery.model import Schedule
from bot.delivery.timing import ScheduleValueError
from bot.features import checkin_sends as sends
from bot.features import checkin_status as status
from bot.features import checkin_views as views
from bot.features.checkins import now_reply
from bot.features.home_view import (
    CHECKIN_NOW,
    CHECKIN_ON,
    CHECKIN_SKIP,
    DELETE,
    EDIT,
    EDIT_MODAL,
    HISTORY,
    PAUSE,
    RESUME,
    kind_label,
    publish_home,
)
from bot.router import ActionContext, EventContext, Reply, Router, ViewContext
from bot.store.schedules import (
    delete_schedule,
    get_schedule,
    pause_schedule,
    resume_schedule,
    update_schedule,
)

log = logging.getLogger("pendulum.home")


# -- handlers --------------------------------------------------------------------------------
def on_home_opened(ctx: EventContext) -> None:
    event = ctx.event
    if event.get("tab", "home") != "home":
        return
    user_id = str(event.get("user") or "")
    if not user_id:
        return
    publish_home(ctx.services, ctx.client, ctx.team_id, user_id)


def _refresh(ctx: ActionContext) -> None:
    publish_home(ctx.services, ctx.client, ctx.team_id, ctx.user_id)


def _owned(ctx: ActionContext) -> Schedule | None:
    """The schedule named by the button, if it belongs to whoever pressed it."""
    try:
        schedule_id = int(ctx.value)
    except ValueError:
        return None
    schedule = get_schedule(ctx.services.store, ctx.team_id, schedule_id)
    if schedule is None or schedule.owner_user_id != ctx.user_id:
        return None
    return schedule


def on_checkin_on(ctx: ActionContext) -> Reply:
    try:
        status.enable(ctx.services, ctx.client, ctx.team_id, ctx.user_id, None, None)
    except sends.RecipientGone:
        return Reply()
    return Reply(later=lambda: _refresh(ctx))


def on_checkin_now(ctx: ActionContext) -> Reply:
    try:
        tz, _ = sends.refresh_person(ctx.services, ctx.client, ctx.team_id, ctx.user_id)
    except sends.RecipientGone:
        return Reply()
    result = sends.send_checkin_now(ctx.services, ctx.team_id, ctx.user_id, tz)
    reply = (
        None
        if result == "sent"
        else now_reply(ctx.services, result, status.current_period(ctx.services, tz))
    )
    return Reply(message=reply, later=lambda: _refresh(ctx))


def on_checkin_skip(ctx: ActionContext) -> Reply:
    status.skip_next(ctx.services, ctx.team_id, ctx.user_id)
    return Reply(later=lambda: _refresh(ctx))


def on_history(ctx: ActionContext) -> Reply:
    return Reply(message=status.history_message(ctx.services, ctx.team_id, ctx.user_id))


def on_pause(ctx: ActionContext) -> Reply:
    schedule = _owned(ctx)
    if schedule is not None:
        pause_schedule(
            ctx.services.store, ctx.services.clock, ctx.team_id, schedule.id, reason="paused"
        )
        if schedule.kind == sends.KIND:
            sends.cancel_pending(ctx.services, ctx.team_id, ctx.user_id, None, "paused")
    return Reply(later=lambda: _refresh(ctx))


def on_resume(ctx: ActionContext) -> Reply:
    schedule = _owned(ctx)
    if schedule is not None:
        resume_schedule(ctx.services.store, ctx.services.clock, ctx.team_id, schedule.id)
    return Reply(later=lambda: _refresh(ctx))


def on_delete(ctx: ActionContext) -> Reply:
    schedule = _owned(ctx)
    if schedule is not None:
        if schedule.kind == sends.KIND and schedule.target == ctx.user_id:
            sends.unenrol(ctx.services, ctx.team_id, ctx.user_id)
        else:
            delete_schedule(ctx.services.store, ctx.team_id, schedule.id)
    return Reply(later=lambda: _refresh(ctx))


def edit_modal(strings: Strings, schedule: Schedule) -> dict[str, Any]:
    days = [{"text": plain(d.capitalize(), 75), "value": str(i)} for i, d in enumerate(DAY_NAMES)]
    return {
        "type": "modal",
        "callback_id": EDIT_MODAL,
        "title": plain(kind_label(schedule.kind), 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"schedule_id": schedule.id}),
        "blocks": [
            section(
                strings.say(
                    "home_edit_when", kind=kind_label(schedule.kind).lower(), tz=schedule.tz
                )
            ),
            {
                "type": "input",
                "block_id": "weekday",
                "label": plain("Day", 2000),
                "element": {
                    "type": "static_select",
                    "action_id": views.VALUE,
                    "options": days,
                    "initial_option": days[schedule.weekday],
                },
            },
            {
                "type": "input",
                "block_id": "local_time",
                "label": plain("Time", 2000),
                "element": {
                    "type": "timepicker",
                    "action_id": views.VALUE,
                    "initial_time": schedule.local_time,
                },
            },
        ],
    }


def on_edit(ctx: ActionContext) -> Reply:
    schedule = _owned(ctx)
    if schedule is None or not ctx.trigger_id:
        return Reply(later=lambda: _refresh(ctx))
    ctx.client.views_open(
        trigger_id=ctx.trigger_id, view=edit_modal(ctx.services.strings, schedule)
    )
    return Reply()


def on_edit_submit(ctx: ViewContext) -> Reply:
    services = ctx.services
    try:
        schedule_id = int(json.loads(ctx.view.get("private_metadata") or "{}")["schedule_id"])
    except (KeyError, TypeError, ValueError):
        return Reply()
    schedule = get_schedule(services.store, ctx.team_id, schedule_id)
    if schedule is None or schedule.owner_user_id != ctx.user_id:
        return Reply()
    errors: dict[str, str] = {}
    raw_day = ctx.value("weekday", views.VALUE) or ""
    weekday = int(raw_day) if raw_day.isdigit() and int(raw_day) < 7 else None
    if weekday is None:
        errors["weekday"] = services.strings.say("home_edit_pick_day")
    local_time = parse_time(ctx.value("local_time", views.VALUE) or "")
    if local_time is None:
        errors["local_time"] = services.strings.say("home_edit_pick_time")
    if errors:
        return Reply(ack={"response_action": "errors", "errors": errors})
    try:
        update_schedule(
            services.store,
            services.clock,
            ctx.team_id,
            schedule.id,
            weekday=weekday,
            local_time=local_time,
        )
    except ScheduleValueError as exc:
        return Reply(ack={"response_action": "errors", "errors": {"local_time": str(exc)}})
    client, team_id, user_id = ctx.client, ctx.team_id, ctx.user_id
    return Reply(later=lambda: publish_home(services, client, team_id, user_id))


def install(router: Router) -> None:
    router.event("app_home_opened", on_home_opened)
    router.action(CHECKIN_ON, on_checkin_on)
    router.action(CHECKIN_NOW, on_checkin_now)
    router.action(CHECKIN_SKIP, on_checkin_skip)
    router.action(HISTORY, on_history)
    router.action(EDIT, on_edit)
    router.action(PAUSE, on_pause)
    router.action(RESUME, on_resume)
    router.action(DELETE, on_delete)
    router.view(EDIT_MODAL, on_edit_submit)
