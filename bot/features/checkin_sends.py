"""How check-in DMs go out, all through the delivery engine (bot/delivery).

* The weekly DM is a stored schedule of kind `checkin` (owner = target = the person) and
  `compose_checkin` is its composer: the engine calls it at send time, once per local ISO
  week, with the recipient resolved through the people cache (bot/delivery/people.py). It is pure:
  it skips the week (None) when it is already answered or skipped, or `Skip(away)` when the
  person's Slack status says they're away; the engine unenrols someone who left. The writes
  that follow (queue the reminder, mark the week away) are `after_checkin`'s, run by the
  engine once the send or the skip is recorded.
* `on_person` hears of every person the people cache stores: a new time zone moves their
  DM schedules, a deactivated account unenrols them.
* The one reminder and "remind me later" are one-off ledger rows queued `pending` with a
  future `due_at` and the message already composed; the engine's drain sends them when due
  (exactly once: the ledger key is unique). Answering or skipping the week cancels them.
* Follow-ups and other immediate DMs go through `engine.send_once` with a stable key, so a
  Slack retry or a double submit never sends twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coaching.checkin_rules import (
    AWAY,
    period_of,
    questions_from,
)
from bot.coaching.followups import thresholds
from bot.delivery.model import (
    AWAY_SKIP,
    CLAIMED,
    SENT,
    Outbox,
    Outcome,
    OutgoingMessage,
    Person,
    Schedule,
    Skip,
)
from bot.delivery.people import person_from
from bot.delivery.people import valid_tz as valid_tz
from bot.delivery.slack_errors import RECIPIENT_GONE
from bot.delivery.timing import (
    Occurrence,
    local_date_of,
    resolve,
    utc_text,
    zone,
)
from bot.features.checkin_views import prompt_message, reminder_message
from bot.services import Deps, Services
from bot.store import checkins as checkin_store
from bot.store import deliveries, people
from bot.store.schedules import delete_kinds_for, list_by_owner, next_to_send, update_schedule

log = logging.getLogger("pendulum.checkins")

KIND = "checkin"  # the weekly schedule
REMINDER = "checkin_reminder"  # the one automatic reminder per week
LATER = "checkin_later"  # "remind me later"
FOLLOWUP = "checkin_followup"  # the follow-up after an answer
ADHOC = "checkin_adhoc"  # `checkin now` for someone not enrolled
ONE_OFF_KINDS = (REMINDER, LATER)
REMINDER_WINDOW = timedelta(hours=12)  # a late reminder is still welcome within this
MORNING = time(9, 0)
DEFAULT_TZ = "UTC"


class RecipientGone(Exception):
    """The person left the workspace or was deactivated."""


# -- schedules -----------------------------------------------------------------------------
def as_schedule(value: Any) -> Schedule:
    """The engine passes a Schedule; a raw `schedules` row (dict) is accepted too."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, dict):
        return Schedule.from_row(value)
    raise TypeError(f"not a schedule: {type(value).__name__}")


def checkin_schedule(services: Deps, team_id: str, user_id: str) -> Schedule | None:
    for schedule in list_by_owner(services.store, team_id, user_id):
        if schedule.kind == KIND and schedule.target == user_id:
            return schedule
    return None


def unenrol(services: Deps, team_id: str, user_id: str) -> bool:
    """Delete the person's check-in schedule and cancel anything queued for them."""
    cancel_pending(services, team_id, user_id, None, "check-in turned off")
    return delete_kinds_for(services.store, team_id, user_id, KIND.__eq__) > 0


# -- people --------------------------------------------------------------------------------
def user_info(client: WebClient, user_id: str) -> dict[str, Any]:
    """users.info's `user`; RecipientGone when the person left or was deactivated."""
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as exc:
        data = getattr(exc.response, "data", None)
        code = str(data.get("error", "")) if isinstance(data, dict) else ""
        if code in RECIPIENT_GONE:
            raise RecipientGone(code) from exc
        raise
    user = dict(response.get("user") or {})
    if user.get("deleted"):
        raise RecipientGone("account_inactive")
    return user


def apply_tz(services: Deps, team_id: str, user_id: str, tz: str) -> str | None:
    """Remember a person's zone; when it changed, move their DM schedules to it (the next
    send is the next occurrence in the new zone; the ledger still allows one per week).
    Returns the previous zone if it changed."""
    previous = people.remember_tz(services.store, team_id, user_id, tz, services.clock.now())
    if previous is None:
        return None
    for schedule in list_by_owner(services.store, team_id, user_id):
        if schedule.target == user_id and schedule.tz != tz:
            update_schedule(services.store, services.clock, team_id, schedule.id, tz=tz)
    log.info("time zone of a person changed; their DM schedules follow")
    return previous


def refresh_person(
    services: Services, client: WebClient, team_id: str, user_id: str
) -> tuple[str, str | None]:
    """(zone, previous zone if it just changed), asking Slack (users.info). Falls back to
    the stored zone (or UTC) when Slack can't be asked."""
    try:
        info = user_info(client, user_id)
        tz = valid_tz(info.get("tz"))
    except RecipientGone:
        raise
    except Exception as exc:
        log.warning("users.info failed (%s); using the stored time zone", type(exc).__name__)
        tz = None
    if tz is None:
        stored = people.get_tz(services.store, team_id, user_id)
        return stored or DEFAULT_TZ, None
    previous = apply_tz(services, team_id, user_id, tz)
    # they are using Pendulum: keep the people cache as fresh as this answer
    services.people.remember(team_id, [person_from(info, services.clock.now())])
    return tz, previous


# -- the weekly DM -------------------------------------------------------------------------
def compose_checkin(
    services: Deps, schedule: Schedule, occurrence: Occurrence
) -> dict[str, Any] | Skip | None:
    """The composer for kind `checkin` (called by the engine at send time). Pure."""
    sched = as_schedule(schedule)
    occ: Occurrence = occurrence
    return build_prompt(
        services,
        sched.team_id,
        sched.target,
        period=period_of(occ.local_date),
        manual=bool(getattr(occ, "manual", False)),
        recipient=getattr(occ, "recipient", None),
    )


def build_prompt(
    services: Deps,
    team_id: str,
    user_id: str,
    *,
    period: str,
    manual: bool,
    recipient: Person | None,
) -> dict[str, Any] | Skip | None:
    """This week's check-in DM, or None when there is nothing to send (already answered, or
    skipped unless asked for by hand), or `Skip(AWAY_SKIP)` when their status says away
    (unless asked for by hand). No Slack calls, no writes."""
    week = checkin_store.get_week(services.store, team_id, user_id, period)
    if week is not None and (week.answered or not manual):
        return None
    if not manual and recipient is not None and recipient.away_at(services.clock.now()):
        return Skip(AWAY_SKIP)
    questions = questions_from(services.library.checkin)
    return {
        "channel": user_id,
        **prompt_message(questions, period, services.strings.say("checkin_privacy_note")),
    }


def after_checkin(
    services: Deps, outbox: Outbox, schedule: Schedule, occurrence: Occurrence, outcome: Outcome
) -> None:
    """What follows the weekly DM (run by the engine once the ledger recorded it): after a
    send, queue the week's one reminder; after an away skip, mark the week away."""
    sched = as_schedule(schedule)
    occ: Occurrence = occurrence
    period = period_of(occ.local_date)
    if outcome.status == SENT:
        queue_reminder(services, sched.team_id, sched.target, period, occ.due_at, outbox)
    elif outcome.reason == AWAY_SKIP:
        checkin_store.mark_week(
            services.store, sched.team_id, sched.target, period, AWAY, services.clock.now()
        )
        log.info("check-in skipped: status says away")


def queue_reminder(
    services: Deps,
    team_id: str,
    user_id: str,
    period: str,
    due_at: datetime,
    outbox: Outbox | None = None,
) -> None:
    """The week's one automatic reminder, `reminder_after_hours` after the DM (once)."""
    hours = thresholds(services.library.rules)["reminder_after_hours"]
    if hours <= 0:
        return
    queue_one_off(
        services,
        team_id=team_id,
        user_id=user_id,
        kind=REMINDER,
        period=period,
        suffix=period,
        due_at=max(due_at, services.clock.now()) + timedelta(hours=hours),
        message=reminder_message(services.library, period),
        schedule_id=None,
        outbox=outbox,
    )


def on_person(services: Deps, team_id: str, person: Person) -> None:
    """The people cache (re)read someone: unenrol them if deactivated; if they use Pendulum
    and their zone changed, their DM schedules follow."""
    if person.deleted:
        if checkin_schedule(services, team_id, person.user_id) is not None:
            unenrol(services, team_id, person.user_id)
        return
    if person.tz is None:
        return
    stored = people.get_tz(services.store, team_id, person.user_id)
    if stored is not None and stored != person.tz:
        apply_tz(services, team_id, person.user_id, person.tz)


# -- one-off sends ---------------------------------------------------------------------------
def queue_one_off(
    services: Deps,
    *,
    team_id: str,
    user_id: str,
    kind: str,
    period: str,
    suffix: str,
    due_at: datetime,
    message: dict[str, Any],
    schedule_id: int | None,
    expires_after: timedelta = REMINDER_WINDOW,
    outbox: Outbox | None = None,
) -> bool:
    """A DM the engine sends at `due_at` (once: the key is unique), unless it is more than
    `expires_after` late. False if that key was queued or sent before."""
    outgoing: OutgoingMessage = {
        "channel": user_id,
        "text": message["text"],
        "blocks": message["blocks"],
    }
    return (outbox or services.outbox).send_later(
        team_id,
        (kind, user_id, suffix),
        outgoing,
        due_at=due_at,
        expires_after=expires_after,
        period=period,
        schedule_id=schedule_id,
    )


def cancel_pending(
    services: Deps, team_id: str, user_id: str, period: str | None, reason: str
) -> int:
    """Cancel queued reminders / "remind me later" DMs (of one week, or all of them)."""
    return services.outbox.cancel(
        team_id, user_id, kinds=ONE_OFF_KINDS, period=period, reason=reason
    )


def remind_later(
    services: Services, team_id: str, user_id: str, period: str, choice: str, tz: str
) -> datetime:
    """Queue the check-in DM again for later ("2h" or "tomorrow" 09:00 local); the automatic
    reminder is dropped (the person chose their own)."""
    now = services.clock.now()
    if choice == "tomorrow":
        day = local_date_of(now, zone(tz)) + timedelta(days=1)
        due = resolve(day, MORNING, zone(tz))
    else:
        due = now + timedelta(hours=2)
    cancel_pending(services, team_id, user_id, period, "rescheduled by the person")
    questions = questions_from(services.library.checkin)
    queue_one_off(
        services,
        team_id=team_id,
        user_id=user_id,
        kind=LATER,
        period=period,
        suffix=f"{period}@{utc_text(due)}",
        due_at=due,
        message=prompt_message(questions, period, services.strings.say("checkin_privacy_note")),
        schedule_id=None,
    )
    # the automatic reminder for this week is cancelled above and must not come back
    services.outbox.hold(
        team_id,
        (REMINDER, user_id, period),
        target=user_id,
        period=period,
        reason="the person asked to be reminded later",
    )
    return due


def send_dm(
    services: Services,
    client: WebClient,
    team_id: str,
    key: tuple[str, ...],
    message: dict[str, Any],
    user_id: str,
    *,
    period: str = "once",
) -> None:
    """An immediate DM, at most once per key, through the engine's outbox (`client` is unused:
    the engine posts with its own; the parameter stays for the callers). `period` is the
    ledger's period: a week's check-in prompt carries its ISO week, so it is found (and marked
    "Checked in") once that week is answered."""
    outgoing: OutgoingMessage = {
        "channel": user_id,
        "text": message["text"],
        "blocks": message["blocks"],
    }
    services.engine.send_once(key, team_id, outgoing, kind=key[0], period=period)


def send_checkin_now(services: Services, team_id: str, user_id: str, tz: str) -> str:
    """`checkin now`: this week's check-in DM, sent now. For someone enrolled it IS this
    week's send (the scheduled one then sends nothing). Returns what happened, for the reply:
    "sent", "already" (this week's is already in the DM), or "answered"."""
    now = services.clock.now()
    period = period_of(local_date_of(now, zone(tz)))
    week = checkin_store.get_week(services.store, team_id, user_id, period)
    if week is not None and week.answered:
        return "answered"
    schedule = checkin_schedule(services, team_id, user_id)
    outbox = services.engine
    if schedule is not None:
        if outbox.status(team_id, (KIND, user_id, period)) in (SENT, CLAIMED):
            return "already"
        row = outbox.send_now(KIND, schedule.id, team_id=team_id)
        return "sent" if row.status in (SENT, CLAIMED) else "nothing"
    if outbox.status(team_id, (ADHOC, user_id, period)) in (SENT, CLAIMED):
        return "already"
    recipient = services.people.person(team_id, user_id)
    if recipient is not None and recipient.deleted:
        unenrol(services, team_id, user_id)
        return "nothing"
    message = build_prompt(
        services, team_id, user_id, period=period, manual=True, recipient=recipient
    )
    if not isinstance(message, dict):
        return "nothing"
    send_dm(
        services,
        services.client_for(team_id),
        team_id,
        (ADHOC, user_id, period),
        message,
        user_id,
        period=period,
    )
    queue_reminder(services, team_id, user_id, period, now)
    return "sent"


def prompt_location(
    services: Services, team_id: str, user_id: str, period: str
) -> list[tuple[str, str]]:
    """(channel, ts) of this week's check-in DMs that went out (weekly, ad hoc, later, the
    reminder), so they can be updated once answered."""
    return deliveries.sent_locations(
        services.store, team_id, user_id, period, (KIND, ADHOC, REMINDER, LATER)
    )


# -- when is the next one? -----------------------------------------------------------------
def next_send(services: Services, schedule: Schedule, now: datetime) -> Occurrence | None:
    """The next check-in that will really go out: after now, not skipped, not inside a pause,
    and not in a week whose check-in already went out or was answered."""

    def answered(period: str) -> bool:
        if schedule.kind != KIND:
            return False
        week = checkin_store.get_week(services.store, schedule.team_id, schedule.target, period)
        return week is not None and week.answered

    return next_to_send(services.store, schedule, now, also_skip=answered)
