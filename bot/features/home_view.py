"""The App Home view: where you are on the pendulum, your check-in and its last 8 weeks, the
schedules you own, topics and privacy; and publishing it (`views.publish`).

The Home's actions live in home.py; this module imports no Home, check-in command or calendar
command module, so all of those can refresh the Home through `publish_home_later`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coaching.checkin_rules import questions_from, shift_period
from bot.coaching.profile import Profile
from bot.coaching.trends import CHART_WEEKS, LEGEND, chart_lines, last_weeks, summary
from bot.content.blocks import actions, button, context, divider, header, plain, section
from bot.content.markup import Trusted, channel_link, escape
from bot.content.strings import Strings
from bot.delivery.model import Schedule, is_user_id
from bot.features import calendar_home
from bot.features import checkin_sends as sends
from bot.features import checkin_status as status
from bot.features import checkin_views as views
from bot.services import Services
from bot.store import checkins as checkin_store
from bot.store.schedules import list_by_owner

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


# the privacy buttons (handled in privacy.py)
PRIVACY_SHOW = "privacy_show"
PRIVACY_EXPORT = "privacy_export"
PRIVACY_FORGET = "privacy_forget"


def privacy_actions(strings: Strings, block_id: str) -> dict[str, Any]:
    return actions(
        button(strings.say("privacy_show_button"), PRIVACY_SHOW, "show"),
        button(strings.say("privacy_export_button"), PRIVACY_EXPORT, "export"),
        button(strings.say("privacy_forget_button"), PRIVACY_FORGET, "forget", style="danger"),
        block_id=block_id,
    )


# -- the view --------------------------------------------------------------------------------
def pendulum_blocks(me: Profile | None, strings: Strings) -> list[dict[str, Any]]:
    if me is None:
        return [section(strings.say("home_pendulum_none"))]
    months = me.months_since_hands_on
    since = (
        strings.say("home_hands_on_now")
        if months == 0
        else strings.say("home_months_since_hands_on", months=months)
    )
    return [
        section(
            strings.say(
                "home_pendulum",
                position=me.position_label,
                role=Trusted(escape(me.role_label).capitalize()),
                since=since,
                summary=me.position_summary,
            )
        ),
        context(strings.say("home_pendulum_note")),
    ]


def checkin_blocks(
    services: Services, team_id: str, user_id: str, schedule: Schedule | None
) -> list[dict[str, Any]]:
    say = services.strings.say
    lines = status.status_lines(services, schedule)
    blocks = [section("\n".join(lines), block_id="home_checkin_status")]
    if schedule is None:
        blocks.append(
            actions(
                button(say("home_checkin_on_button"), CHECKIN_ON, "on", style="primary"),
                button(say("home_checkin_now_button"), CHECKIN_NOW, "now"),
                block_id="home_checkin_actions",
            )
        )
        return blocks
    paused = schedule.paused_reason is not None or schedule.paused_until is not None
    buttons = [
        button(say("home_checkin_now_button"), CHECKIN_NOW, "now", style="primary"),
        button(say("home_change_button"), EDIT, str(schedule.id)),
        button(say("home_skip_next_button"), CHECKIN_SKIP, "skip"),
        button("Resume", RESUME, str(schedule.id))
        if paused
        else button("Pause", PAUSE, str(schedule.id)),
        _delete_button(services, schedule, "Turn off"),
    ]
    blocks.append(actions(*buttons, block_id="home_checkin_actions"))
    return blocks


def _delete_button(services: Services, schedule: Schedule, label: str) -> dict[str, Any]:
    element = button(label, DELETE, str(schedule.id), style="danger")
    element["confirm"] = {
        "title": plain(f"{label}?", 100),
        "text": {
            "type": "mrkdwn",
            "text": services.strings.say(
                "home_delete_confirm", kind=Trusted(kind_label(schedule.kind).lower())
            ),
        },
        "confirm": plain(label, 30),
        "deny": plain("Keep it", 30),
        "style": "danger",
    }
    return element


def trend_blocks(services: Services, team_id: str, user_id: str, tz: str) -> list[dict[str, Any]]:
    questions = questions_from(services.library.checkin)
    period = status.current_period(services, tz)
    rows = checkin_store.recent(
        services.store, team_id, user_id, since=shift_period(period, -(CHART_WEEKS - 1))
    )
    weeks = last_weeks(rows, period, CHART_WEEKS)
    if not any(w.checkin for w in weeks):
        return [section(services.strings.say("home_trend_empty"))]
    chart = "\n".join(chart_lines(weeks, questions)).replace("`", "'")
    return [
        section(services.strings.say("home_trend", chart=chart)),
        context(escape(summary(weeks, questions)) + "  " + escape(LEGEND)),
        actions(
            button(services.strings.say("home_history_button"), HISTORY, "12"),
            block_id="home_history",
        ),
    ]


def schedule_line(services: Services, schedule: Schedule) -> str:
    where = "by DM" if is_user_id(schedule.target) else _channel(schedule.target)
    when = status.when_text(services, schedule.weekday, schedule.local_time, schedule.tz)
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
        return [section(services.strings.say("home_other_schedules_none"))]
    blocks = [section(services.strings.say("home_other_schedules"))]
    for schedule in schedules[:MAX_SCHEDULES]:
        paused = schedule.paused_reason is not None or schedule.paused_until is not None
        blocks.append(section(schedule_line(services, schedule)))
        blocks.append(
            actions(
                button(services.strings.say("home_change_button"), EDIT, str(schedule.id)),
                button("Resume", RESUME, str(schedule.id))
                if paused
                else button("Pause", PAUSE, str(schedule.id)),
                _delete_button(services, schedule, "Delete"),
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
        section(services.strings.say("home_topics")),
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
    tz = status.person_tz(services, team_id, user_id)
    me = status.profile_of(services, team_id, user_id)
    blocks: list[dict[str, Any]] = [
        header("Pendulum"),
        section(services.strings.say("home_intro")),
        divider(),
        *pendulum_blocks(me, services.strings),
        divider(),
        header(services.strings.say("home_checkin_header")),
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
        section(services.strings.say("home_privacy")),
        privacy_actions(services.strings, "home_privacy"),
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


def publish_home_later(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Refresh the Home after a change, from a `Reply.later` job: a failure is only logged."""
    try:
        publish_home(services, client, team_id, user_id)
    except Exception:
        log.warning("could not refresh App Home", exc_info=True)
