"""Turn due schedules into ledger rows (step 1 of a tick).

Reads schedules whose `next_due_at` has passed — an indexed range scan, so an idle tick is one
cheap query — works out every occurrence since (pure `schedule.plan`), and in one short
transaction per batch writes a `pending` row for each occurrence still inside its window, a
`skipped` row for each missed/paused/skipped one, and moves the cursor. The cursor move is a
compare-and-set on the old value, so two tickers (threads or processes) never plan the same
occurrence twice; the ledger's unique key would stop a duplicate send anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from bot.delivery.model import PENDING, SKIPPED, Schedule, delivery_key
from bot.delivery.timing import Action, Period, Plan, Step, period_key, plan, utc_text
from bot.store import deliveries, schedules
from bot.store.db import Store
from bot.store.sql import Database

log = logging.getLogger("pendulum.delivery")

PeriodOf = Callable[[str], Period]


def plan_due(
    store: Store, now: datetime, grace: timedelta, period_of: PeriodOf, batch_size: int = 500
) -> int:
    """Plan everything due at `now`; returns how many sends were queued."""
    planned = 0
    while True:
        rows = schedules.due_rows(store, now, batch_size)
        if not rows:
            return planned
        skips = schedules.skips_for(store, [int(r["id"]) for r in rows])
        work = [(row, _plan_row(row, skips, now, grace)) for row in rows]
        with store.write() as db:
            for row, planned_row in work:
                if isinstance(planned_row, str):  # unplannable: park it with the reason
                    schedules.park(db, row["id"], row["next_due_at"], planned_row[:500])
                    continue
                schedule, step_plan = planned_row
                if not schedules.move_cursor(
                    db, row["id"], row["next_due_at"], step_plan.next_due_at
                ):
                    continue  # another ticker planned these occurrences already
                for step in step_plan.steps:
                    planned += _record(db, schedule, step, now, period_of)
        if len(rows) < batch_size:
            return planned


def _plan_row(
    row: dict[str, Any], skips: dict[int, frozenset[date]], now: datetime, grace: timedelta
) -> tuple[Schedule, Plan] | str:
    """The plan for one due schedule, or why it cannot be planned."""
    try:
        schedule = Schedule.from_row(row)
        return schedule, plan(
            schedule.slot,
            schedule.next_due_at or now,
            now,
            grace,
            paused_until=schedule.paused_until,
            skip_dates=skips.get(schedule.id, frozenset()),
        )
    except Exception as exc:
        log.error("schedule %s cannot be planned: %s", row["id"], exc)
        return f"invalid schedule: {exc}"


def _record(
    db: Database, schedule: Schedule, step: Step, now: datetime, period_of: PeriodOf
) -> int:
    occ = step.occurrence
    period = period_key(occ.local_date, period_of(schedule.kind))
    fields: dict[str, Any] = {
        "key": delivery_key(schedule.team_id, schedule.kind, schedule.target, period),
        "team_id": schedule.team_id,
        "kind": schedule.kind,
        "schedule_id": schedule.id,
        "target": schedule.target,
        "period": period,
        "due_at": occ.due_at,
        "expires_at": step.expires_at,
        "now": now,
    }
    if step.action is Action.SEND:
        return int(deliveries.insert(db, status=PENDING, take_over=(SKIPPED,), **fields))
    reason = {
        Action.MISSED: f"missed: not running between {utc_text(occ.due_at)} and "
        f"{utc_text(step.expires_at)}",
        Action.PAUSED: f"paused until {schedule.paused_until}",
        Action.SKIPPED: "skipped by owner",
    }[step.action]
    deliveries.insert(db, status=SKIPPED, error=reason, **fields)
    return 0
