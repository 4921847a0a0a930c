"""`/pendulum calendar`: connect a read-only calendar feed; `calendar off` forgets it.

The command opens a form (callback `calendar_modal`): the feed address, working days and
hours, and a weekly focus goal. On submit the inputs are checked before the ack (inline
errors), then the ack swaps the form for a "checking…" view (callback `calendar_checking`)
and the worker reads the feed once: on success it saves everything and `views.update`s the
modal with this week's figures (callback `calendar_done`); on failure it puts the form back
with the reason on top, so the address can be fixed. Nothing is saved until a read works.

The address is a secret: it is never logged, never put back into a view (only its host, see
`redact_feed_url`), and stored sealed (bot/store/secret.py).
"""

from __future__ import annotations

import logging
from datetime import date, time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calendar.fetch import FetchFailed, normalize_feed_url, redact_feed_url
from bot.calendar.model import WorkingHours
from bot.coaching.checkin_rules import period_of
from bot.coaching.focus_week import hours_text
from bot.coaching.when import DAY_ABBREVIATIONS
from bot.content.blocks import context, paragraphs, plain
from bot.content.compose import render_template, template_message
from bot.features import calendar_focus, common
from bot.features import calendar_sync as sync
from bot.features.calendar_week import week_context, week_text, week_view
from bot.features.home_view import publish_home_later
from bot.router import CommandContext, Reply, Router, Subcommand, ViewContext, split_command
from bot.services import Services
from bot.store import calendars, people

log = logging.getLogger("pendulum.calendar")

MODAL = "calendar_modal"
CHECKING = "calendar_checking"
DONE = "calendar_done"
VALUE = "value"
FEED, DAYS, START, END, GOAL = (
    "calendar_feed",
    "calendar_days",
    "calendar_start",
    "calendar_end",
    "calendar_goal",
)
MAX_GOAL = 60
ADDRESS_MAX = 2000


def defaults(services: Services) -> tuple[WorkingHours, float]:
    rules = services.library.rules.get("calendar") or {}
    start, end = rules.get("default_hours") or ["09:00", "17:00"]
    hours = WorkingHours(frozenset(range(5)), time.fromisoformat(start), time.fromisoformat(end))
    return hours, float(rules.get("default_goal_hours") or 8)


def say(services: Services, message_id: str, **values: Any) -> str:
    """A template's text (mrkdwn, escaped) from prompts/messages."""
    template = services.library.message(message_id)
    return render_template(services.library, template, None, values).strip()


# -- views -----------------------------------------------------------------------------------
def _day_option(day: int) -> dict[str, Any]:
    return {"text": plain(DAY_ABBREVIATIONS[day].capitalize(), 75), "value": str(day)}


def form_view(
    services: Services,
    *,
    hours: WorkingHours,
    goal: float,
    connected: str | None,
    problem: str | None = None,
    host: str = "",
) -> dict[str, Any]:
    """The connect form; `problem` (a FetchFailed reason) puts the error on top."""
    blocks: list[dict[str, Any]] = []
    if problem is not None:
        blocks += paragraphs(say(services, "calendar-error", reason=problem, host=host))
    blocks += paragraphs(say(services, "calendar-intro", connected=connected or ""))
    feed: dict[str, Any] = {
        "type": "input",
        "block_id": FEED,
        "label": plain(services.strings.say("calendar_feed_label"), 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": VALUE,
            "max_length": ADDRESS_MAX,
            "placeholder": plain(services.strings.say("calendar_feed_placeholder"), 150),
        },
    }
    if connected:
        feed["optional"] = True
    days = [_day_option(d) for d in range(7)]
    chosen = [o for o in days if int(o["value"]) in hours.days]
    day_element: dict[str, Any] = {"type": "checkboxes", "action_id": VALUE, "options": days}
    if chosen:
        day_element["initial_options"] = chosen
    blocks += [
        feed,
        {
            "type": "input",
            "block_id": DAYS,
            "label": plain("Working days", 2000),
            "element": day_element,
        },
        {
            "type": "input",
            "block_id": START,
            "label": plain(services.strings.say("calendar_day_starts_label"), 2000),
            "element": {
                "type": "timepicker",
                "action_id": VALUE,
                "initial_time": f"{hours.start:%H:%M}",
            },
        },
        {
            "type": "input",
            "block_id": END,
            "label": plain(services.strings.say("calendar_day_ends_label"), 2000),
            "element": {
                "type": "timepicker",
                "action_id": VALUE,
                "initial_time": f"{hours.end:%H:%M}",
            },
        },
        {
            "type": "input",
            "block_id": GOAL,
            "label": plain(services.strings.say("calendar_goal_label"), 2000),
            "element": {
                "type": "number_input",
                "action_id": VALUE,
                "is_decimal_allowed": False,
                "min_value": "0",
                "max_value": str(MAX_GOAL),
                "initial_value": f"{goal:g}",
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": MODAL,
        "title": plain("Your calendar", 24),
        "submit": plain("Connect", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def checking_view(services: Services, host: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CHECKING,
        "title": plain("Your calendar", 24),
        "close": plain("Close", 24),
        "blocks": paragraphs(say(services, "calendar-checking", host=host)),
    }


def done_view(services: Services, week: str) -> dict[str, Any]:
    saved = say(services, "calendar-status", state="saved")
    return {
        "type": "modal",
        "callback_id": DONE,
        "title": plain("Your calendar", 24),
        "close": plain("Done", 24),
        "blocks": [
            *paragraphs(saved),
            *paragraphs(week),
            context(services.strings.say("calendar_done_note")),
        ],
    }


# -- reading the form ------------------------------------------------------------------------
def _state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(block_id) or {}).get(VALUE)
    return element if isinstance(element, dict) else {}


def read_form(
    services: Services, ctx: ViewContext, connected: bool
) -> tuple[str | None, WorkingHours, float, dict[str, str]]:
    """(address or None to keep the stored one, hours, goal, inline errors by block id)."""
    errors: dict[str, str] = {}
    view = ctx.view
    address = (ctx.value(FEED, VALUE) or "").strip()
    local = services.config.local_emulator
    if not address and not connected:
        errors[FEED] = say(services, "calendar-form", problem="no_address")
    elif address:
        url = normalize_feed_url(address)
        allowed = url.lower().startswith("https://") or (
            local and url.lower().startswith("http://")
        )
        if not allowed or len(url) > ADDRESS_MAX:
            errors[FEED] = say(services, "calendar-form", problem="bad_address")
    picked = _state(view, DAYS).get("selected_options") or []
    days = frozenset(int(o["value"]) for o in picked if str(o.get("value", "")).isdigit())
    days = frozenset(d for d in days if 0 <= d <= 6)
    if not days:
        errors[DAYS] = say(services, "calendar-form", problem="no_days")
    default_hours, default_goal = defaults(services)
    try:
        start = time.fromisoformat(ctx.value(START, VALUE) or f"{default_hours.start:%H:%M}")
        end = time.fromisoformat(ctx.value(END, VALUE) or f"{default_hours.end:%H:%M}")
    except ValueError:
        start, end = default_hours.start, default_hours.end
        errors[END] = say(services, "calendar-form", problem="bad_hours")
    if end <= start:
        errors[END] = say(services, "calendar-form", problem="bad_hours")
    goal_text = (ctx.value(GOAL, VALUE) or "").strip()
    try:
        goal = float(goal_text) if goal_text else default_goal
    except ValueError:
        goal = -1
    if not 0 <= goal <= MAX_GOAL:
        errors[GOAL] = say(services, "calendar-form", problem="bad_goal")
    return address or None, WorkingHours(days, start, end), goal, errors


# -- handlers --------------------------------------------------------------------------------
def on_command(ctx: CommandContext) -> Reply:
    word, _ = split_command(ctx.args)
    services = ctx.services
    if word in ("off", "stop", "disconnect", "forget"):
        removed = calendars.disconnect(services.store, ctx.team_id, ctx.user_id)
        calendar_focus.drop_queued(services, ctx.team_id, ctx.user_id)
        log.info("calendar disconnected (%d rows)", removed)
        state = "off" if removed else "none"
        text = say(services, "calendar-status", state=state)
        client, team_id, user_id = ctx.client, ctx.team_id, ctx.user_id
        return Reply(
            message=common.note(text),
            later=lambda: publish_home_later(services, client, team_id, user_id),
        )
    if word in ("status", "show"):
        return Reply(message=common.note(status_text(services, ctx.team_id, ctx.user_id)))
    trigger_id = ctx.trigger_id
    if not trigger_id:
        return Reply(message=common.note(status_text(services, ctx.team_id, ctx.user_id)))
    cal = calendars.get(services.store, sync.secret_box(services), ctx.team_id, ctx.user_id)
    hours, goal = defaults(services)
    connected = None
    if cal is not None:
        hours, goal = cal.hours, cal.goal_hours
        connected = redact_feed_url(cal.feed) if cal.feed else None
    view = form_view(services, hours=hours, goal=goal, connected=connected)
    client = ctx.client

    def open_form() -> None:
        client.views_open(trigger_id=trigger_id, view=view)

    return Reply(later=open_form)


def status_text(services: Services, team_id: str, user_id: str) -> str:
    cal = calendars.get(services.store, sync.secret_box(services), team_id, user_id)
    if cal is None:
        return say(services, "calendar-status", state="none")
    days = ", ".join(DAY_ABBREVIATIONS[d].capitalize() for d in sorted(cal.hours.days))
    fetched = common.format_local(cal.fetched_at, cal.tz) if cal.fetched_at else ""
    problem = ""
    if cal.fetch_outcome not in (None, sync.OK, sync.UNCHANGED):
        problem = say(
            services,
            "calendar-error",
            reason=cal.fetch_outcome,
            host=redact_feed_url(cal.feed or ""),
        )
    return say(
        services,
        "calendar-status",
        state="connected",
        host=redact_feed_url(cal.feed) if cal.feed else "…",
        days=days,
        start=f"{cal.hours.start:%H:%M}",
        end=f"{cal.hours.end:%H:%M}",
        goal=f"{cal.goal_hours:g} h",
        fetched=fetched,
        problem=problem,
    )


def on_submit(ctx: ViewContext) -> Reply:
    services = ctx.services
    box = sync.secret_box(services)
    cal = calendars.get(services.store, box, ctx.team_id, ctx.user_id)
    stored = cal.feed if cal is not None else None
    address, hours, goal, errors = read_form(services, ctx, connected=stored is not None)
    if errors:
        return Reply(ack={"response_action": "errors", "errors": errors})
    feed = address or stored
    assert feed is not None  # read_form asks for an address when none is stored
    view_id = str(ctx.view.get("id") or "")
    client, team_id, user_id = ctx.client, ctx.team_id, ctx.user_id
    host = redact_feed_url(feed)

    def check() -> None:
        check_and_save(services, client, team_id, user_id, view_id, feed, hours, goal)

    return Reply(
        ack={"response_action": "update", "view": checking_view(services, host)}, later=check
    )


def check_and_save(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    view_id: str,
    feed: str,
    hours: WorkingHours,
    goal: float,
) -> None:
    """Read the feed once; save it only if that works; show the figures or the form again."""
    try:
        tz = common.person_tz(services, client, team_id, user_id)
    except common.RecipientGone:
        return
    now = services.clock.now()
    people.remember_tz(services.store, team_id, user_id, tz, now)
    outcome = sync.read_feed(services, feed, tz, hours)
    if isinstance(outcome, FetchFailed) or not isinstance(outcome, sync.Read):
        reason = outcome.reason if isinstance(outcome, FetchFailed) else "http_error"
        log.info("calendar connect failed: %s", reason)
        connected = calendars.get(services.store, sync.secret_box(services), team_id, user_id)
        view = form_view(
            services,
            hours=hours,
            goal=goal,
            connected=redact_feed_url(connected.feed) if connected and connected.feed else None,
            problem=reason,
            host=redact_feed_url(feed),
        )
        _update(client, view_id, view)
        return
    calendars.connect(
        services.store,
        sync.secret_box(services),
        team_id=team_id,
        user_id=user_id,
        feed=feed,
        tz=tz,
        hours=hours,
        goal_hours=goal,
        now=now,
        next_fetch_at=now + sync.REFRESH_EVERY,
    )
    sync.save_read(services, team_id, user_id, tz, outcome)
    log.info("calendar connected")
    cal = calendars.get(services.store, sync.secret_box(services), team_id, user_id)
    if cal is None:  # turned off meanwhile
        return
    week = week_text(services.library, week_view(cal, tz, now, sync.min_focus(services)))
    _update(client, view_id, done_view(services, week))
    publish_home_later(services, client, team_id, user_id)


def _update(client: WebClient, view_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:  # closed by the person meanwhile: nothing to show
        log.info("calendar modal not updated: %s", exc.response.get("error"))


def week_message(services: Services, team_id: str, user_id: str) -> dict[str, Any] | None:
    """This week from the calendar as a message (`/pendulum focus`), or None unconnected."""
    cal = calendars.get(services.store, sync.secret_box(services), team_id, user_id)
    if cal is None or cal.fetched_at is None:
        return None
    tz = people.get_tz(services.store, team_id, user_id) or cal.tz
    view = week_view(cal, tz, services.clock.now(), sync.min_focus(services))
    return template_message(services.library, "calendar-week", None, week_context(view))


def measured_focus(
    services: Services, team_id: str, user_id: str, since: date, until: date
) -> tuple[dict[str, float], float | None]:
    """Focus hours measured from the calendar by check-in period (`2026-W10`), and the
    person's weekly goal; ({}, None) without a calendar."""
    cal = calendars.get(services.store, sync.secret_box(services), team_id, user_id)
    if cal is None:
        return {}, None
    rows = calendars.weeks(services.store, team_id, user_id, since, until)
    return {period_of(w.week_start): w.focus_hours for w in rows}, cal.goal_hours


def checkin_prefill(
    services: Services, team_id: str, user_id: str, week: date
) -> tuple[int, str] | None:
    """The check-in's focus question from the calendar: (focus stretches, the hint saying
    so), or None without a calendar measured for that week."""
    rows = calendars.weeks(services.store, team_id, user_id, week, week)
    if not rows:
        return None
    stored = rows[0]
    hint = say(
        services,
        "checkin-calendar",
        blocks=stored.focus_blocks,
        hours=hours_text(stored.focus_hours),
    )
    return stored.focus_blocks, hint


def install(router: Router) -> None:
    router.command(
        Subcommand(
            name="calendar",
            summary="measure your focus time from a read-only calendar feed; `calendar off` "
            "forgets it",
            example="calendar",
            handler=on_command,
            group="Reminders",
        )
    )
    router.view(MODAL, on_submit)
