"""The weekly tip's composer (kind `tip`): the next tip of the channel's rotation
(`rotation_picks`, see bot/coaching/tips.py), with a "Read more" button (action `topic_open`,
value = topic id, handled by bot/features/topics.py: it answers whoever clicks, privately).

The rotation (`pick_for_period`, bot/store/rotation.py) is shared with the Monday nudge's
ideas: a kind's `prepare` step picks (a write), its composer reads the pick.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.coaching.tips import next_pick
from bot.content.blocks import context
from bot.content.compose import tip_message
from bot.delivery.model import Kind, Schedule
from bot.delivery.timing import Occurrence, period_key
from bot.features.checkin_sends import as_schedule
from bot.router import Router
from bot.services import Deps
from bot.store import rotation

log = logging.getLogger("pendulum.tips")

KIND = "tip"
POOL = "tips"


# -- rotation (also used for the Monday nudge's ideas) --------------------------------------
def pick_for_period(
    services: Deps,
    *,
    team_id: str,
    pool: str,
    kind: str,
    target: str,
    period: str,
    items: Sequence[str],
) -> str:
    """The pool item for `target` in `period`: the one already picked for that period (a
    message composed twice shows the same item), else the next of the rotation. Items count
    as used once the message carrying them was sent (a tip that never reached the channel
    comes round again). Writes the pick: a kind's `prepare` step, never its composer."""
    if not items:
        raise ValueError(f"the {pool} pool is empty")
    with services.store.write() as db:
        picked = rotation.picked(db, team_id, pool, target, period)
        if picked is not None and picked in items:
            return picked
        cycle = rotation.latest_cycle(db, team_id, pool, target)
        pick = next_pick(
            items,
            rotation.used_in_cycle(db, team_id, pool, kind, target, cycle),
            cycle=cycle,
            last=rotation.last_other(db, team_id, pool, target, period),
            seed=f"{team_id}:{pool}:{target}",
        )
        rotation.record(
            db, team_id, pool, target, period, pick.item, pick.cycle, services.clock.now()
        )
        return pick.item


def current_pick(
    services: Deps, *, team_id: str, pool: str, target: str, period: str, items: Sequence[str]
) -> str:
    """The item `prepare` picked for `target` in `period` (read only: for the composer)."""
    picked = rotation.picked(services.store.db, team_id, pool, target, period)
    return picked if picked is not None and picked in items else items[0]


# -- the composer ----------------------------------------------------------------------------
def prepare_tip(services: Deps, schedule: Schedule, occurrence: Occurrence) -> None:
    """Pick this week's tip of the channel's rotation (before the composer reads it)."""
    tips = [tip.id for tip in services.library.tips]
    if tips:
        pick_for_period(
            services,
            team_id=schedule.team_id,
            pool=POOL,
            kind=KIND,
            target=schedule.target,
            period=period_key(occurrence.local_date),
            items=tips,
        )


def compose_tip(
    services: Deps, schedule: Schedule, occurrence: Occurrence
) -> dict[str, Any] | None:
    """This week's tip for the schedule's channel (kind `tip`). Pure."""
    sched = as_schedule(schedule)
    tips = {tip.id: tip for tip in services.library.tips}
    if not tips:
        log.warning("no tips in prompts/tips.yaml: nothing to post")
        return None
    tip_id = current_pick(
        services,
        team_id=sched.team_id,
        pool=POOL,
        target=sched.target,
        period=period_key(occurrence.local_date),
        items=list(tips),
    )
    msg = tip_message(services.library, tips[tip_id])
    blocks = [
        *msg["blocks"],
        context(services.strings.say("tip_footer")),
    ]
    return {"channel": sched.target, "text": msg["text"], "blocks": blocks}


def install(router: Router) -> None:
    router.kind(Kind(KIND, compose_tip, prepare=prepare_tip))
