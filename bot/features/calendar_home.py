"""App Home's calendar section: this week's figures, and the last 8 weeks of focus and
meeting hours as a chart image with the same figures as text (for screen readers).

The chart is a PNG (bot/calendar/chart.py) uploaded with `files_upload_v2` and shown with an
image block naming the file (`slack_file`), which works the same in Socket Mode, in HTTP mode
and in the emulator. It is uploaded again only when its figures change (`chart_key`), and the
previous file is deleted then.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from bot.calendar.chart import ChartWords, render_week_chart
from bot.calendar.model import WeekFigures
from bot.coaching.focus_week import hours_text, week_start
from bot.content.blocks import context, paragraphs
from bot.content.compose import render_template
from bot.delivery.timing import zone
from bot.features import calendar_sync as sync
from bot.features.calendar_week import week_text, week_view
from bot.services import Services
from bot.store import calendars, people
from bot.store.calendars import Calendar, StoredWeek

log = logging.getLogger("pendulum.calendar")

CHART_WEEKS = 8
TEMPLATE = "calendar-chart"


def chart_weeks(services: Services, cal: Calendar, tz: str) -> list[StoredWeek]:
    """The last 8 weeks (this one included) the calendar has figures for, oldest first."""
    this_week = week_start(services.clock.now().astimezone(zone(tz)).date())
    first = this_week - timedelta(weeks=CHART_WEEKS - 1)
    return calendars.weeks(services.store, cal.team_id, cal.user_id, first, this_week)


def chart_key(weeks: list[StoredWeek], goal: float) -> str:
    text = (
        ";".join(f"{w.week_start}:{w.focus_hours:.2f}:{w.meeting_hours:.2f}" for w in weeks)
        + f"|{goal:.2f}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _label(week: StoredWeek) -> str:
    return f"{week.week_start.day} {week.week_start:%b}"


def chart_png(services: Services, weeks: list[StoredWeek], goal: float) -> bytes:
    meta = services.library.message(TEMPLATE).meta.get("words") or {}
    words = ChartWords(
        focus=str(meta.get("focus", "Focus")),
        meetings=str(meta.get("meetings", "Meetings")),
        goal=str(meta.get("goal", "")),
        hours_suffix=str(meta.get("hours_suffix", " h")),
    )
    figures = [
        WeekFigures(w.week_start, w.meeting_hours, w.focus_hours, w.fragmented_hours, (), (), ())
        for w in weeks
    ]
    return render_week_chart(
        figures, words, week_labels=[_label(w) for w in weeks], goal_hours=goal or None
    )


def ensure_chart(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """Upload this person's chart when its figures changed since the last upload. Runs off
    the request path (App Home is published from the worker)."""
    cal = calendars.get(services.store, sync.secret_box(services), team_id, user_id)
    if cal is None or cal.fetched_at is None:
        return
    tz = people.get_tz(services.store, team_id, user_id) or cal.tz
    weeks = chart_weeks(services, cal, tz)
    if not weeks:
        return
    key = chart_key(weeks, cal.goal_hours)
    if key == cal.chart_key and cal.chart_file_id:
        return
    title = str(services.library.message(TEMPLATE).meta.get("title") or "Chart")
    answer = client.files_upload_v2(
        content=chart_png(services, weeks, cal.goal_hours),
        filename="pendulum-focus-chart.png",
        title=title,
    )
    files = answer.get("files") or [answer.get("file") or {}]
    file_id = str((files[0] or {}).get("id") or "")
    if not file_id:
        log.warning("chart upload returned no file id")
        return
    calendars.set_chart(services.store, team_id, user_id, key, file_id)
    if cal.chart_file_id:
        try:
            client.files_delete(file=cal.chart_file_id)
        except Exception as exc:  # an old chart left behind is untidy, not wrong
            log.info("old chart not deleted (%s)", type(exc).__name__)


def home_blocks(
    services: Services, team_id: str, user_id: str, *, with_image: bool = True
) -> list[dict[str, Any]]:
    """The section's blocks: this week, the chart image, the chart's figures as text."""
    library, cmd = services.library, services.command
    cal = calendars.get(services.store, sync.secret_box(services), team_id, user_id)
    if cal is None or cal.fetched_at is None:
        text = render_template(
            library, library.message(TEMPLATE), None, {"connected": False, "command": cmd}
        )
        return paragraphs(text.strip())
    tz = people.get_tz(services.store, team_id, user_id) or cal.tz
    view = week_view(cal, tz, services.clock.now(), sync.min_focus(services))
    weeks = chart_weeks(services, cal, tz)
    rows = [
        {
            "label": _label(w),
            "focus": hours_text(w.focus_hours),
            "meetings": hours_text(w.meeting_hours),
        }
        for w in weeks
    ]
    figures_text = render_template(
        library,
        library.message(TEMPLATE),
        None,
        {"connected": True, "weeks": rows, "goal": hours_text(cal.goal_hours), "command": cmd},
    ).strip()
    blocks = paragraphs(week_text(library, view).strip())
    if with_image and cal.chart_file_id and weeks:
        title = str(library.message(TEMPLATE).meta.get("title") or "Chart")
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": cal.chart_file_id},
                "alt_text": _alt(figures_text),
                "title": {"type": "plain_text", "text": title[:2000]},
            }
        )
    blocks += paragraphs(figures_text)
    blocks.append(context(services.strings.say("calendar_home_note")))
    return blocks


def _alt(text: str) -> str:
    plain = text.replace("*", "").replace("• ", "")
    return plain[:2000]
