"""The people service: who a DM goes to (zone, away, deleted, bot), read in bulk and cached.

`users.info` is Tier 4 (~100 a minute): asking it once per DM makes a 5,000-person fan-out
take 2.5× what posting alone allows. Instead a whole workspace is read with `users.list`
(Tier 2, 200 people a page: 25 calls for 5,000) into `people_cache`, and the events
`user_change`, `user_status_changed` and `team_join` keep it fresh, so someone who set
"On vacation" an hour ago is skipped by the next check-in without asking Slack again.

A row is trusted for `max_age`; past it, the next `resolve` reads the workspace again (one
sweep at a time per workspace, in its own thread; a sender waits only for the page that
covers its recipient, so sends start after the first page, not the 25th). Someone a sweep
didn't cover (enrolled since) is looked up alone with `users.info`. When Slack can't be
asked, a stale row is better than nothing; with no row at all the recipient is unknown and
the DM goes out.

Only people Pendulum has a reason to know are stored (see bot/store/people_cache.py).
Listeners (`Router.on_person`, bound in bot/app.py) hear of every person stored, e.g. to move
a schedule to a new time zone or unenrol someone deactivated.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.coaching.checkin_rules import is_away
from bot.delivery.model import Person
from bot.delivery.pacing import Pacer, Rate, RateLimits
from bot.delivery.slack_errors import RECIPIENT_GONE
from bot.delivery.timing import ScheduleValueError, zone
from bot.store import people_cache
from bot.store.db import Store

log = logging.getLogger("pendulum.people")

MAX_AGE = timedelta(hours=1)
RETRY_SWEEP_AFTER = timedelta(minutes=1)  # after a failed sweep, serve stale rows this long
PAGE_SIZE = 200
LIST, INFO = "users.list", "users.info"
# Slack's tiers, with the burst a fresh minute allows
LIMITS = RateLimits(methods={LIST: Rate(20 / 60, 20), INFO: Rate(100 / 60, 20)})

PersonListener = Callable[[str, Person], None]  # (team_id, person)


def valid_tz(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        zone(name)
    except ScheduleValueError:
        return None
    return name


def person_from(user: Mapping[str, Any], fetched_at: datetime) -> Person:
    """A Slack user object (users.list / users.info / an event's `user`) → what we keep."""
    profile = user.get("profile") or {}
    away = is_away(profile)
    expiration = profile.get("status_expiration")
    until = float(expiration) if isinstance(expiration, int | float) and expiration > 0 else None
    return Person(
        user_id=str(user.get("id") or ""),
        tz=valid_tz(user.get("tz")),
        away=away,
        away_until=until if away else None,
        deleted=bool(user.get("deleted")),
        is_bot=bool(user.get("is_bot")),
        fetched_at=fetched_at,
    )


class PeopleService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        client_for: Callable[[str], WebClient],
        *,
        max_age: timedelta = MAX_AGE,
        listeners: Sequence[PersonListener] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.clock = clock
        self.client_for = client_for
        self.max_age = max_age
        self.listeners = list(listeners)
        self.sleep = sleep
        self.pacer = Pacer(clock, LIMITS)
        self._changed = threading.Condition()  # a page of a sweep was stored, or it ended
        self._sweeping: set[str] = set()  # workspaces being read right now
        self._failed: dict[str, datetime] = {}

    # -- reading -------------------------------------------------------------------------------
    def resolve(self, team_id: str, user_id: str) -> Person | None:
        """The recipient as the cache knows them, reading Slack first when the row is
        missing or older than `max_age`. None: unknown (Slack couldn't say)."""
        person = people_cache.get(self.store, team_id, user_id)
        if person is not None and self._fresh(person):
            return person
        with self._changed:
            while True:
                person = people_cache.get(self.store, team_id, user_id)
                if person is not None and self._fresh(person):
                    return person
                if team_id in self._sweeping:  # wait for the page that covers them
                    self._changed.wait(1.0)
                elif self._sweep_due(team_id):
                    self._sweeping.add(team_id)
                    threading.Thread(
                        target=self._sweep_in_background,
                        args=(team_id,),
                        name=f"people-sweep-{team_id}",
                        daemon=True,
                    ).start()
                else:
                    break
        if person is not None and team_id in self._failed:
            return person  # fresh; or Slack is failing: a stale row beats a call per DM
        return self.lookup(team_id, user_id) or person

    def person(self, team_id: str, user_id: str) -> Person | None:
        """A fresh cached row, else one `users.info` (for a single person on an interactive
        path: never a whole-workspace sweep)."""
        person = people_cache.get(self.store, team_id, user_id)
        if person is not None and self._fresh(person):
            return person
        return self.lookup(team_id, user_id) or person

    def lookup(self, team_id: str, user_id: str) -> Person | None:
        """One person with `users.info` (cached); None when Slack can't be asked."""
        self._nap(self.pacer.reserve_call(team_id, INFO))
        now = self.clock.now()
        try:
            response = self.client_for(team_id).users_info(user=user_id)
            person = person_from(dict(response.get("user") or {}), now)
        except SlackApiError as exc:
            data = getattr(exc.response, "data", None)
            code = str(data.get("error", "")) if isinstance(data, dict) else ""
            if code not in RECIPIENT_GONE:
                log.warning("users.info failed (%s)", code or type(exc).__name__)
                return None
            person = Person(user_id, None, False, None, deleted=True, is_bot=False, fetched_at=now)
        except Exception as exc:
            log.warning("users.info failed (%s)", type(exc).__name__)
            return None
        self.remember(team_id, [person])
        return person

    def sweep(self, team_id: str) -> int:
        """Read the whole workspace with `users.list`; store the people we know. Raises
        what the client raises (the caller decides what a failed sweep means)."""
        started = self.clock.now()  # the age of what this sweep reads
        known = people_cache.known_people(self.store, team_id)
        client = self.client_for(team_id)
        cursor: str | None = None
        stored = 0
        while True:
            self._nap(self.pacer.reserve_call(team_id, LIST))
            response = client.users_list(limit=PAGE_SIZE, cursor=cursor)
            now = self.clock.now()
            members = response.get("members") or []
            found = [person_from(u, now) for u in members if str(u.get("id") or "") in known]
            stored += self.remember(team_id, found)
            with self._changed:  # the threads waiting for these people can go on
                self._changed.notify_all()
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        people_cache.mark_swept(self.store, team_id, started)
        log.info("people: read the workspace in bulk, %d known people refreshed", stored)
        return stored

    # -- writing -------------------------------------------------------------------------------
    def remember(self, team_id: str, people: Iterable[Person]) -> int:
        """Store fresh facts about people (from a sweep, a look-up or an event) and tell the
        listeners."""
        batch = [p for p in people if p.user_id]
        people_cache.save(self.store, team_id, batch)
        for person in batch:
            for listener in self.listeners:
                try:
                    listener(team_id, person)
                except Exception:
                    log.exception("a people listener failed")
        return len(batch)

    def on_user(self, team_id: str, user: Mapping[str, Any]) -> bool:
        """An event's `user` object: stored (and heard by the listeners) if we know them."""
        user_id = str(user.get("id") or "")
        team_id = team_id or str(user.get("team_id") or "")
        if not user_id or not team_id:
            return False
        if not people_cache.is_known(self.store, team_id, user_id):
            return False  # nothing is stored about people who don't use Pendulum
        self.remember(team_id, [person_from(user, self.clock.now())])
        return True

    # -- internals -----------------------------------------------------------------------------
    def _fresh(self, person: Person) -> bool:
        return self.clock.now() - person.fetched_at <= self.max_age

    def _sweep_due(self, team_id: str) -> bool:
        now = self.clock.now()
        failed = self._failed.get(team_id)
        if failed is not None and now - failed < RETRY_SWEEP_AFTER:
            return False
        swept = people_cache.swept_at(self.store, team_id)
        return swept is None or now - swept > self.max_age

    def _sweep_in_background(self, team_id: str) -> None:
        try:
            self.sweep(team_id)
            self._failed.pop(team_id, None)
        except Exception as exc:
            self._failed[team_id] = self.clock.now()
            log.warning("people: users.list failed (%s); using what is cached", exc)
        finally:
            with self._changed:
                self._sweeping.discard(team_id)
                self._changed.notify_all()

    def _nap(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)
