"""The workbench's sample managers come with calendars (workbench/sample_calendars.py),
so a newcomer sees focus time in `/pendulum focus`, the Monday nudge and App Home without a
feed of their own. The feeds are handed to the app directly (`SampleFeeds`, given to
`build_services` in workbench/runner.py), not served."""

from __future__ import annotations

from bot.features import calendar
from bot.features.calendar_sync import SAMPLE_SCHEME, secret_box
from bot.services import Services
from bot.store import calendars, people
from workbench.sample import sample_users
from workbench.sample_calendars import sample_feed_ics


def connect_sample_calendars(services: Services, team_id: str) -> int:
    """Connect each sample manager who has a sample calendar and no calendar yet; the
    scheduler's next tick reads them (in the background, as for any feed)."""
    now = services.clock.now()
    hours, goal = calendar.defaults(services)
    connected = 0
    for user in sample_users():
        if sample_feed_ics(user.id, now.date()) is None:
            continue
        box = secret_box(services)
        if calendars.get(services.store, box, team_id, user.id) is not None:
            continue
        people.remember_tz(services.store, team_id, user.id, user.tz, now)
        calendars.connect(
            services.store,
            box,
            team_id=team_id,
            user_id=user.id,
            feed=SAMPLE_SCHEME + user.id,
            tz=user.tz,
            hours=hours,
            goal_hours=goal,
            now=now,
            next_fetch_at=now,
        )
        connected += 1
    return connected
