"""App Home: where you are on the pendulum, your check-in and its last 8 weeks, the schedules
you own, topics and privacy. Published (`views.publish`) on `app_home_opened` and after every
change made from it or by a check-in.

Action ids: `home_checkin_on`, `home_checkin_now`, `home_checkin_skip`, `home_history`,
`home_schedule_edit` / `home_schedule_pause` / `home_schedule_resume` /
`home_schedule_delete` (value: schedule id), `topic_open` (value: topic id; handled by the
topics feature). Modal callback id: `home_schedule_modal` (private_metadata
`{"schedule_id": N}`).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coaching.checkin_rules import questions_from, shift_period
from bot.coaching.profile import Profile
from bot.coaching.trends import CHART_WEEKS, LEGEND, chart_lines, last_weeks, summary
from bot.coaching.when import DAY_NAMES, parse_time
from bot.content.blocks import actions, button, context, divider, header, plain, section
from bot.content.markup import channel_link, escape
from bot.delivery.model import Schedule, is_user_id
from bot.delivery.timing import ScheduleValueError
from bot.features import calendar_home, checkins
from bot.features import checkin_sends as sends
from bot.features import checkin_views as views
from bot.features.privacy import privacy_actions
from bot.router import ActionContext, EventContext, Reply, Router, ViewContext
from bot.store import checkins as checkin_store
from bot.store.schedules import (
    delete_schedule,
    get_schedule,
    list_by_owner,
    pause_schedule,
    resume_schedule,
    update_schedule,
)

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pendulum.home")

CHECKIN_ON = "home_checkin_on"
CHECKIN_NOW = "home_checkin_now"
CHECKIN_SKIP = "home_checkin_skip"
HISTORY = "home_history"
EDIT = "home_schedule_edit"
PAUSE = "home_schedule_pause"
RESUME = "home_schedule_resume"
DELETE = "home_schedule_delete"
EDIT_MODAL = "home_schedule_modal"
TOPIC_OPEN = "topic_open"
MAX_SCHEDULES = 12
MAX_TOPIC_BUTTONS = 25
HOME_BLOCKS_MAX = 100

KIND_LABELS = {
    "checkin": "Weekly check-in",
    "tip": "Weekly tip",
    "nudge": "Monday nudge",
}


def kind_label(kind: str) -> str:
    if kind.startswith("focus"):  # focus_1 … focus_20: one kind per block (see focus.py)
        return "Focus block"
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


# -- the view --------------------------------------------------------------------------------
def pendulum_blocks(me: Profile | None, command: str) -> list[dict[str, Any]]:
    if me is None:
        return [
            section(
                "*Where you are on the pendulum*\nTake the one-minute self-assessment with "
                f"`{command} assess` and I'll show where you sit between hands-on engineering "
                "and management, and what that means for your next move."
            )
        ]
    months = me.months_since_hands_on
    since = "hands-on now" if months == 0 else f"{months} months since hands-on work"
    return [
        section(
            f"*Where you are on the pendulum: {escape(me.position_label)}*\n"
            f"{escape(me.role_label).capitalize()}, {escape(since)}. "
            f"{escape(me.position_summary)}"
        ),
        context(
            "From your latest self-assessment; the time since hands-on work keeps counting. "
            f"`{command} assess` to retake it."
        ),
    ]


def checkin_blocks(
    services: Services, team_id: str, user_id: str, schedule: Schedule | None
) -> list[dict[str, Any]]:
    lines = checkins.status_lines(services, schedule, services.command)
    blocks = [section("\n".join(lines), block_id="home_checkin_status")]
    if schedule is None:
        blocks.append(
            actions(
                button("Turn on weekly check-in", CHECKIN_ON, "on", style="primary"),
                button("Check in now", CHECKIN_NOW, "now"),
                block_id="home_checkin_actions",
            )
        )
        return blocks
    paused = schedule.paused_reason is not None or schedule.paused_until is not None
    buttons = [
        button("Check in now", CHECKIN_NOW, "now", style="primary"),
        button("Change day or time", EDIT, str(schedule.id)),
        button("Skip the next one", CHECKIN_SKIP, "skip"),
        button("Resume", RESUME, str(schedule.id))
        if paused
        else button("Pause", PAUSE, str(schedule.id)),
        _delete_button(schedule, "Turn off"),
    ]
    blocks.append(actions(*buttons, block_id="home_checkin_actions"))
    return blocks


def _delete_button(schedule: Schedule, label: str) -> dict[str, Any]:
    element = button(label, DELETE, str(schedule.id), style="danger")
    element["confirm"] = {
        "title": plain(f"{label}?", 100),
        "text": {
            "type": "mrkdwn",
            "text": f"This stops your {kind_label(schedule.kind).lower()}. You can set it up "
            "again any time.",
        },
        "confirm": plain(label, 30),
        "deny": plain("Keep it", 30),
        "style": "danger",
    }
    return element


def trend_blocks(services: Services, team_id: str, user_id: str, tz: str) -> list[dict[str, Any]]:
    questions = questions_from(services.library.checkin)
    period = checkins.current_period(services, tz)
    rows = checkin_store.recent(
        services.store, team_id, user_id, since=shift_period(period, -(CHART_WEEKS - 1))
    )
    weeks = last_weeks(rows, period, CHART_WEEKS)
    if not any(w.checkin for w in weeks):
        return [
            section(
                "*Your last 8 weeks*\nNothing yet. After your first check-in, this shows your "
                "hands-on time, critical-path work, focus blocks and energy, week by week."
            )
        ]
    chart = "\n".join(chart_lines(weeks, questions)).replace("`", "'")
    return [
        section(f"*Your last 8 weeks*\n```{escape(chart)}```"),
        context(escape(summary(weeks, questions)) + "  " + escape(LEGEND)),
        actions(button("Show 12 weeks as a table", HISTORY, "12"), block_id="home_history"),
    ]


def schedule_line(services: Services, schedule: Schedule) -> str:
    where = "by DM" if is_user_id(schedule.target) else _channel(schedule.target)
    when = checkins.when_text(schedule.weekday, schedule.local_time, schedule.tz)
    text = f"*{escape(kind_label(schedule.kind))}* {where}: {when}."
    if schedule.paused_reason is not None and schedule.paused_until is None:
        text += " _Paused._"
    elif schedule.paused_until is not None:
        text += f" _Paused until {schedule.paused_until.isoformat()}._"
    occ = sends.next_send(services, schedule, services.clock.now())
    if occ is not None:
        text += f"\nNext: {views.format_local(occ.due_at, schedule.tz)}."
    return text


def _channel(target: str) -> str:
    try:
        return "in " + channel_link(target)
    except ValueError:
        return "in " + escape(target)


def other_schedule_blocks(services: Services, schedules: list[Schedule]) -> list[dict[str, Any]]:
    if not schedules:
        return [
            section(
                "*Your other schedules*\nFocus blocks and channel tips you set up show here, "
                f"with buttons to change them. See `{services.command} help`."
            )
        ]
    blocks = [section("*Your other schedules*")]
    for schedule in schedules[:MAX_SCHEDULES]:
        paused = schedule.paused_reason is not None or schedule.paused_until is not None
        blocks.append(section(schedule_line(services, schedule)))
        blocks.append(
            actions(
                button("Change day or time", EDIT, str(schedule.id)),
                button("Resume", RESUME, str(schedule.id))
                if paused
                else button("Pause", PAUSE, str(schedule.id)),
                _delete_button(schedule, "Delete"),
                block_id=f"home_schedule_{schedule.id}",
            )
        )
    if len(schedules) > MAX_SCHEDULES:
        blocks.append(context(f"…and {len(schedules) - MAX_SCHEDULES} more."))
    return blocks


def topic_blocks(services: Services) -> list[dict[str, Any]]:
    topics = list(services.library.topics.values())[:MAX_TOPIC_BUTTONS]
    if not topics:
        return []
    return [
        section("*Topics*\nShort reads on the pendulum, the ladder, and keeping your hands warm."),
        actions(
            # action ids must be unique within a block; the router matches "topic_open"
            *[button(t.title, f"{TOPIC_OPEN}:{t.id}", t.id) for t in topics],
            block_id="home_topics",
        ),
    ]


def home_view(
    services: Services, team_id: str, user_id: str, *, chart: bool = True
) -> dict[str, Any]:
    """The whole Home tab for one person (≤ 100 blocks; renders for someone brand new).
    `chart=False` leaves out the calendar chart image (its figures stay, as text)."""
    owned = list_by_owner(services.store, team_id, user_id)
    checkin = next((s for s in owned if s.kind == sends.KIND and s.target == user_id), None)
    others = [s for s in owned if s is not checkin]
    tz = checkins.person_tz(services, team_id, user_id)
    me = checkins.profile_of(services, team_id, user_id)
    blocks: list[dict[str, Any]] = [
        header("Pendulum"),
        section(
            "Your private coaching space for the engineer/manager pendulum. "
            "Everything here is visible to you only."
        ),
        divider(),
        *pendulum_blocks(me, services.command),
        divider(),
        header("Weekly check-in"),
        *checkin_blocks(services, team_id, user_id, checkin),
        *trend_blocks(services, team_id, user_id, tz),
        divider(),
        header("Focus time"),
        *calendar_home.home_blocks(services, team_id, user_id, with_image=chart),
        divider(),
        *other_schedule_blocks(services, others),
        divider(),
        *topic_blocks(services),
        divider(),
        section(
            "*Privacy*\n:lock: Your check-in answers are visible to you only: never posted to a "
            "channel, never shown to admins or teammates, and never written to logs."
        ),
        privacy_actions("home_privacy"),
    ]
    if len(blocks) > HOME_BLOCKS_MAX:
        blocks = [*blocks[: HOME_BLOCKS_MAX - 1], context("_(shortened)_")]
    return {"type": "home", "callback_id": "pendulum_home", "blocks": blocks}


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    try:
        calendar_home.ensure_chart(services, client, team_id, user_id)
    except Exception:  # no chart is better than no Home
        log.warning("calendar chart not uploaded", exc_info=True)
    try:
        client.views_publish(user_id=user_id, view=home_view(services, team_id, user_id))
    except SlackApiError as exc:
        if exc.response.get("error") != "invalid_blocks":
            raise
        # e.g. a chart file Slack hasn't finished processing: the figures are there as text
        log.info("App Home refused with the chart image; published without it")
        view = home_view(services, team_id, user_id, chart=False)
        client.views_publish(user_id=user_id, view=view)


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
        checkins.enable(ctx.services, ctx.client, ctx.team_id, ctx.user_id, None, None)
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
        else checkins.now_reply(result, checkins.current_period(ctx.services, tz))
    )
    return Reply(message=reply, later=lambda: _refresh(ctx))


def on_checkin_skip(ctx: ActionContext) -> Reply:
    checkins.skip_next(ctx.services, ctx.team_id, ctx.user_id)
    return Reply(later=lambda: _refresh(ctx))


def on_history(ctx: ActionContext) -> Reply:
    return Reply(message=checkins.history_message(ctx.services, ctx.team_id, ctx.user_id))


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


def edit_modal(schedule: Schedule) -> dict[str, Any]:
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
                f"When should your {escape(kind_label(schedule.kind).lower())} arrive? "
                f"Times are in {escape(schedule.tz)} time."
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
    ctx.client.views_open(trigger_id=ctx.trigger_id, view=edit_modal(schedule))
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
        errors["weekday"] = "Pick a day of the week."
    local_time = parse_time(ctx.value("local_time", views.VALUE) or "")
    if local_time is None:
        errors["local_time"] = "Pick a time, like 15:00."
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
