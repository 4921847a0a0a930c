"""The Monday nudge's composer (kind `nudge`): the DM (`prompts/messages/nudge-monday.md.j2`)
names one way to keep hands warm off the critical path (`prompts/nudges.yaml` hands_warm_ideas),
walking that list without repeats (pool `hands_warm` of `rotation_picks`), shows the real week
from the person's calendar feed when there is one, and asks for focus blocks when the person
has none. Once it went out, its after-send hook checks career milestones
(bot/features/milestones.py).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.coaching.profile import Profile
from bot.content.blocks import context
from bot.content.compose import template_message
from bot.delivery.model import SENT, Kind, Outbox, Outcome, Schedule
from bot.delivery.timing import Occurrence, period_key
from bot.features import calendar_sync, focus_sends, milestones
from bot.features.assess import profile_for
from bot.features.calendar_week import nudge_context, week_view
from bot.features.checkin_sends import as_schedule
from bot.features.tip_sends import current_pick, pick_for_period
from bot.router import Router
from bot.services import Deps
from bot.store import calendars, people

log = logging.getLogger("pendulum.nudges")

KIND = "nudge"
POOL = "hands_warm"


def profile_of(services: Deps, team_id: str, user_id: str) -> Profile | None:
    """The person's latest self-assessment aged to now, or None (see `assess.profile_for`)."""
    return profile_for(services.store, services.library, team_id, user_id, services.clock.now())


def ideas(services: Deps) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in services.library.nudges.get("hands_warm_ideas") or []:
        if isinstance(item, dict) and item.get("id") and item.get("text"):
            out[str(item["id"])] = str(item["text"])
    return out


# -- the composer ----------------------------------------------------------------------------
def prepare_nudge(services: Deps, schedule: Schedule, occurrence: Occurrence) -> None:
    """Pick this week's idea of the person's rotation (before the composer reads it)."""
    pool = ideas(services)
    if pool:
        pick_for_period(
            services,
            team_id=schedule.team_id,
            pool=POOL,
            kind=KIND,
            target=schedule.target,
            period=period_key(occurrence.local_date),
            items=list(pool),
        )


def after_nudge(
    services: Deps, outbox: Outbox, schedule: Schedule, occurrence: Occurrence, outcome: Outcome
) -> None:
    """Once the nudge went out: the career milestones it unlocks, each DMed once."""
    if outcome.status != SENT:
        return
    try:
        milestones.check(services, schedule.team_id, schedule.target, outbox)
    except Exception:  # a milestone problem must never cost the week's nudge
        log.exception("milestone check failed")


def compose_nudge(
    services: Deps, schedule: Schedule, occurrence: Occurrence
) -> dict[str, Any] | None:
    """This week's Monday nudge for the schedule's person (kind `nudge`). Pure: the engine
    skips it while their status says away, and for someone who left."""
    sched = as_schedule(schedule)
    team_id, user_id = sched.team_id, sched.target
    pool = ideas(services)
    idea = services.strings.say("nudge_fallback_idea")
    if pool:
        idea_id = current_pick(
            services,
            team_id=team_id,
            pool=POOL,
            target=user_id,
            period=period_key(occurrence.local_date),
            items=list(pool),
        )
        idea = pool[idea_id]
    week = calendar_week_of(services, team_id, user_id)
    needs_blocks = week is None and not focus_sends.has_focus_blocks(services, team_id, user_id)
    msg = template_message(
        services.library,
        "nudge-monday",
        profile_of(services, team_id, user_id),
        {"idea": idea, "needs_focus_blocks": needs_blocks, "week": week},
    )
    say = services.strings.say
    notes = []
    if needs_blocks:
        notes.append(say("nudge_book_blocks"))
    notes.append(say("nudge_turn_off"))
    blocks = [*msg["blocks"], context(" · ".join(notes))]
    return {"channel": user_id, "text": msg["text"], "blocks": blocks}


def calendar_week_of(services: Deps, team_id: str, user_id: str) -> dict[str, Any] | None:
    """The real week from the person's calendar feed (focus ahead, goal, open stretches, the
    recurring meeting to question), or None without a calendar that has been read."""
    cal = calendars.get(services.store, calendar_sync.secret_box(services), team_id, user_id)
    if cal is None or cal.fetched_at is None:
        return None
    tz = people.get_tz(services.store, team_id, user_id) or cal.tz
    view = week_view(cal, tz, services.clock.now(), calendar_sync.min_focus(services))
    return nudge_context(view)


def install(router: Router) -> None:
    router.kind(Kind(KIND, compose_nudge, after=after_nudge, prepare=prepare_nudge))
