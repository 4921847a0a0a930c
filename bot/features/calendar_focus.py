"""Focus-start DMs for focus events in the manager's calendar (titles with a focus word,
see `prompts/rules.yaml` calendar.focus_words), like those for typed focus blocks.

After each read of the feed, the focus events starting in the next 36 hours are queued as
one-off deliveries (kind `calendar_focus`, one key per event start, so a re-read never
queues one twice); a queued DM whose event moved or went is dropped. The hourly refresh
keeps the queue ahead of time. `calendar off` and `forget me` drop them too.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.calendar.model import CalendarEvent
from bot.coaching.focus import leave_for_later
from bot.coaching.focus_week import focus_events_starting
from bot.content.blocks import context
from bot.content.compose import template_message
from bot.delivery.model import delivery_key
from bot.delivery.timing import period_key, zone
from bot.features.checkin_sends import queue_one_off
from bot.services import Deps

log = logging.getLogger("pendulum.calendar")

KIND = "calendar_focus"
LOOKAHEAD = timedelta(hours=36)
LATE = timedelta(minutes=30)  # a focus-start DM later than this is noise


def event_suffix(event: CalendarEvent) -> str:
    return event.start.astimezone(zone("UTC")).strftime("%Y%m%dT%H%M")


def focus_start_message(services: Deps, event: CalendarEvent, tz: str) -> dict[str, Any]:
    place = zone(tz)
    items = [str(x) for x in (services.library.nudges.get("leave_for_later") or [])]
    later = leave_for_later(items, f"calendar:{event_suffix(event)}")
    msg = template_message(
        services.library,
        "focus-start",
        None,
        {"until": f"{event.end.astimezone(place):%H:%M}", "leave_for_later": later.rstrip(".")},
    )
    msg["blocks"] = [*msg["blocks"], context(services.strings.say("calendar_focus_footer"))]
    return msg


def queue_focus_starts(
    services: Deps, team_id: str, user_id: str, tz: str, events: tuple[CalendarEvent, ...]
) -> int:
    """Queue DMs for focus events starting soon; drop queued ones the calendar no longer has.
    Returns how many were newly queued."""
    now = services.clock.now()
    upcoming = focus_events_starting(events, now, now + LOOKAHEAD)
    wanted = {delivery_key(team_id, KIND, user_id, event_suffix(e)): e for e in upcoming}
    services.outbox.cancel(
        team_id, user_id, kinds=(KIND,), reason="calendar changed", keep=wanted.keys()
    )
    queued = 0
    for event in wanted.values():
        local_day = event.start.astimezone(zone(tz)).date()
        if queue_one_off(
            services,
            team_id=team_id,
            user_id=user_id,
            kind=KIND,
            period=period_key(local_day),
            suffix=event_suffix(event),
            due_at=event.start,
            expires_after=min(LATE, event.end - event.start),
            message=focus_start_message(services, event, tz),
            schedule_id=None,
        ):
            queued += 1
    return queued


def drop_queued(services: Deps, team_id: str, user_id: str) -> int:
    return services.outbox.cancel(team_id, user_id, kinds=(KIND,), reason="calendar off")
