"""The weekly tip's composer (kind `tip`): the next tip of the channel's rotation
(`rotation_picks`, see bot/coaching/tips.py), with a "Read more" button (action `topic_open`,
value = topic id, handled by bot/features/topics.py: it answers whoever clicks, privately).

The rotation storage (`pick_for_period`) is shared with the Monday nudge's ideas.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.coaching.tips import next_pick
from bot.content.blocks import context
from bot.content.compose import tip_message
from bot.delivery.timing import period_key, utc_text
from bot.features.checkin_sends import as_schedule
from bot.router import Router

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("pendulum.tips")

KIND = "tip"
POOL = "tips"


# -- rotation storage (also used for the Monday nudge's ideas) -------------------------------
def pick_for_period(
    services: Services,
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
    comes round again)."""
    if not items:
        raise ValueError(f"the {pool} pool is empty")
    store = services.store
    with store.write() as db:
        row = db.execute(
            "SELECT item_id FROM rotation_picks WHERE team_id = ? AND pool = ? AND target = ?"
            " AND period = ?",
            [team_id, pool, target, period],
        ).fetchone()
        if row is not None and row[0] in items:
            return str(row[0])
        cycle_row = db.execute(
            "SELECT max(cycle) FROM rotation_picks WHERE team_id = ? AND pool = ? AND target = ?",
            [team_id, pool, target],
        ).fetchone()
        cycle = int(cycle_row[0]) if cycle_row and cycle_row[0] is not None else 0
        used = {
            str(r[0])
            for r in db.execute(
                "SELECT p.item_id FROM rotation_picks p JOIN deliveries d"
                " ON d.key = p.team_id || ':' || ? || ':' || p.target || ':' || p.period"
                " WHERE p.team_id = ? AND p.pool = ? AND p.target = ? AND p.cycle = ?"
                " AND d.status IN ('sent', 'claimed')",
                [kind, team_id, pool, target, cycle],
            ).fetchall()
        }
        last_row = db.execute(
            "SELECT item_id FROM rotation_picks WHERE team_id = ? AND pool = ? AND target = ?"
            " AND period != ? ORDER BY period DESC LIMIT 1",
            [team_id, pool, target, period],
        ).fetchone()
        pick = next_pick(
            items,
            used,
            cycle=cycle,
            last=str(last_row[0]) if last_row else None,
            seed=f"{team_id}:{pool}:{target}",
        )
        db.execute(
            "INSERT INTO rotation_picks (team_id, pool, target, period, item_id, cycle,"
            " picked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (team_id, pool, target, period) DO UPDATE SET"
            " item_id = excluded.item_id, cycle = excluded.cycle, picked_at = excluded.picked_at",
            [
                team_id,
                pool,
                target,
                period,
                pick.item,
                pick.cycle,
                utc_text(services.clock.now()),
            ],
        )
        return pick.item


# -- the composer ----------------------------------------------------------------------------
def compose_tip(services: Services, schedule: Any, occurrence: Any) -> dict[str, Any] | None:
    """This week's tip for the schedule's channel (kind `tip`)."""
    sched = as_schedule(schedule)
    tips = {tip.id: tip for tip in services.library.tips}
    if not tips:
        log.warning("no tips in prompts/tips.yaml: nothing to post")
        return None
    period = period_key(occurrence.local_date)
    tip_id = pick_for_period(
        services,
        team_id=sched.team_id,
        pool=POOL,
        kind=KIND,
        target=sched.target,
        period=period,
        items=list(tips),
    )
    msg = tip_message(services.library, tips[tip_id])
    blocks = [
        *msg["blocks"],
        context(f"Weekly tip for this channel from Pendulum · `{services.command} remind off`"),
    ]
    return {"channel": sched.target, "text": msg["text"], "blocks": blocks}


def install(router: Router) -> None:
    router.composer(KIND, compose_tip)
