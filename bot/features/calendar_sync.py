"""Reading a manager's calendar feed: fetch, parse, measure, store; and the hourly refresh.

Never called from an ack: the connect form's check runs on the worker after a "checking…"
view went back, and refreshes run on the worker when the scheduler's tick finds feeds due.
`claim_fetch` makes "at most one fetch per feed per hour" hold across ticks and replicas.
The address is never logged: log lines name the outcome and the host at most.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.calendar.events import CalendarParseError, events_between
from bot.calendar.fetch import Fetched, FetchFailed, FetchPolicy, NotModified, fetch_feed
from bot.calendar.measure import MIN_FOCUS, measure_week
from bot.calendar.model import CalendarEvent, WeekFigures, WorkingHours
from bot.coaching.focus_week import week_start
from bot.delivery.timing import zone
from bot.features.calendar_focus import queue_focus_starts
from bot.services import Deps, SampleFeeds, Services
from bot.store import calendars, people
from bot.store.secret import SecretBox

log = logging.getLogger("pendulum.calendar")

REFRESH_EVERY = timedelta(hours=1)
WEEKS_BACK = 7  # with this week: the 8 weeks of the App Home chart
OK = "ok"
UNCHANGED = "not_modified"
MAX_REFRESHES_PER_TICK = 20


def secret_box(services: Deps) -> SecretBox:
    return services.calendars.secret_box


def fetch_policy(services: Deps) -> FetchPolicy:
    """Plain http and loopback feeds only when the app talks to a local emulator (tests, the
    workbench), by the same rule as the clock file; link-local addresses never (built in
    bot/app.py `build_services`)."""
    return services.calendars.policy


def focus_words(services: Deps) -> list[str]:
    words = (services.library.rules.get("calendar") or {}).get("focus_words") or []
    return [str(w) for w in words]


def min_focus(services: Deps) -> timedelta:
    hours = (services.library.rules.get("calendar") or {}).get("min_focus_hours")
    return timedelta(hours=float(hours)) if hours else MIN_FOCUS


SAMPLE_SCHEME = "workbench-sample:"


def sample_feeds(services: Deps) -> SampleFeeds | None:
    """The offline workbench's sample calendars (bot/services.py `SampleFeeds`); None elsewhere."""
    return services.calendars.sample_feeds


@dataclass(frozen=True)
class Read:
    """A fresh body, parsed: the events kept (this week on) and the figures per week."""

    events: tuple[CalendarEvent, ...]
    figures: tuple[WeekFigures, ...]
    etag: str | None
    last_modified: str | None

    def week(self, start: date) -> WeekFigures | None:
        return next((f for f in self.figures if f.week_start == start), None)


ReadOutcome = Read | NotModified | FetchFailed


def read_feed(
    services: Services,
    feed: str,
    tz: str,
    hours: WorkingHours,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> ReadOutcome:
    place = zone(tz)
    this_week = week_start(services.clock.now().astimezone(place).date())
    owner: str | None = None
    if feed.startswith(SAMPLE_SCHEME):
        samples = sample_feeds(services)
        user_id = feed.removeprefix(SAMPLE_SCHEME)
        body = samples.ics(user_id, this_week) if samples is not None else None
        if samples is None or body is None:
            return FetchFailed("not_allowed", "a sample feed outside the workbench")
        fetched: Fetched | NotModified | FetchFailed = Fetched(body, None, None)
        owner = samples.owner(user_id)
    else:
        fetched = fetch_feed(feed, fetch_policy(services), etag=etag, last_modified=last_modified)
    if isinstance(fetched, NotModified | FetchFailed):
        return fetched
    first = this_week - timedelta(weeks=WEEKS_BACK)
    start = datetime.combine(first, datetime.min.time(), tzinfo=place)
    end = datetime.combine(this_week + timedelta(weeks=2), datetime.min.time(), tzinfo=place)
    try:
        events = events_between(
            fetched.body, start, end, owner_email=owner, focus_words=focus_words(services), tz=place
        )
    except CalendarParseError:
        return FetchFailed("not_calendar", "the body is not iCalendar data")
    figures = tuple(
        measure_week(
            events, first + timedelta(weeks=n), hours, place, min_focus=min_focus(services)
        )
        for n in range(WEEKS_BACK + 2)
    )
    this_start = datetime.combine(this_week, datetime.min.time(), tzinfo=place)
    kept = tuple(e for e in events if e.end > this_start)
    return Read(kept, figures, fetched.etag, fetched.last_modified)


def save_read(
    services: Services, team_id: str, user_id: str, tz: str, outcome: ReadOutcome
) -> None:
    now = services.clock.now()
    if isinstance(outcome, Read):
        calendars.record_fetch(
            services.store,
            secret_box(services),
            team_id=team_id,
            user_id=user_id,
            now=now,
            outcome=OK,
            tz=tz,
            events=outcome.events,
            etag=outcome.etag,
            last_modified=outcome.last_modified,
            figures=outcome.figures,
        )
        queue_focus_starts(services, team_id, user_id, tz, outcome.events)
    else:
        if isinstance(outcome, NotModified):  # the same events: keep the DMs queued ahead
            cal = calendars.get(services.store, secret_box(services), team_id, user_id)
            if cal is not None:
                queue_focus_starts(services, team_id, user_id, tz, cal.events)
        result = UNCHANGED if isinstance(outcome, NotModified) else outcome.reason
        calendars.record_fetch(
            services.store,
            secret_box(services),
            team_id=team_id,
            user_id=user_id,
            now=now,
            outcome=result,
        )


def refresh_one(services: Services, team_id: str, user_id: str) -> ReadOutcome | None:
    """Re-read one feed (already claimed). Validators are only sent within the week they
    were fetched in: a new week needs the whole feed to measure it."""
    cal = calendars.get(services.store, secret_box(services), team_id, user_id)
    if cal is None:
        return None
    if cal.feed is None:
        calendars.record_fetch(
            services.store,
            secret_box(services),
            team_id=team_id,
            user_id=user_id,
            now=services.clock.now(),
            outcome="key",
        )
        return None
    tz = people.get_tz(services.store, team_id, user_id) or cal.tz
    now_week = week_start(services.clock.now().astimezone(ZoneInfo(tz)).date())
    same_week = cal.fetched_at is not None and cal.fetch_outcome in (OK, UNCHANGED)
    if same_week and cal.fetched_at is not None:
        same_week = week_start(cal.fetched_at.astimezone(ZoneInfo(tz)).date()) == now_week
    outcome = read_feed(
        services,
        cal.feed,
        tz,
        cal.hours,
        etag=cal.etag if same_week else None,
        last_modified=cal.last_modified if same_week else None,
    )
    save_read(services, team_id, user_id, tz, outcome)
    kind = "read" if isinstance(outcome, Read) else getattr(outcome, "reason", "not modified")
    log.info("calendar refreshed: %s", kind)
    return outcome


class CalendarRefresh:
    """Called on every scheduler tick: hands each due feed (claimed first) to the worker."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def __call__(self) -> int:
        services = self.services
        now = services.clock.now()
        started = 0
        for team_id, user_id in calendars.due(services.store, now, MAX_REFRESHES_PER_TICK):
            if not calendars.claim_fetch(
                services.store, team_id, user_id, now, now + REFRESH_EVERY
            ):
                continue
            services.worker.submit(
                partial(refresh_one_quietly, services, team_id, user_id), where="calendar refresh"
            )
            started += 1
        return started


def refresh_one_quietly(services: Services, team_id: str, user_id: str) -> None:
    refresh_one(services, team_id, user_id)
