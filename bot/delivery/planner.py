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

import sqlite_utils

from bot.delivery.model import PENDING, SKIPPED, Schedule, delivery_key
from bot.delivery.timing import Action, Period, Plan, Step, period_key, plan, utc_text
from bot.store import deliveries
from bot.store.db import Store

log = logging.getLogger("pendulum.delivery")

PeriodOf = Callable[[str], Period]


def plan_due(
    store: Store, now: datetime, grace: timedelta, period_of: PeriodOf, batch_size: int = 500
) -> int:
    """Plan everything due at `now`; returns how many sends were queued."""
    planned = 0
    while True:
        cursor = store.db.execute(
            "SELECT * FROM schedules WHERE next_due_at IS NOT NULL AND next_due_at <= ?"
            " ORDER BY next_due_at LIMIT ?",
            [utc_text(now), batch_size],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        if not rows:
            return planned
        skips = _skips(store, [int(r["id"]) for r in rows])
        work = [(row, _plan_row(row, skips, now, grace)) for row in rows]
        with store.write() as db:
            for row, planned_row in work:
                if isinstance(planned_row, str):  # unplannable: park it with the reason
                    db.execute(
                        "UPDATE schedules SET next_due_at = NULL, paused_reason = ?"
                        " WHERE id = ? AND next_due_at = ?",
                        [planned_row[:500], row["id"], row["next_due_at"]],
                    )
                    continue
                schedule, step_plan = planned_row
                moved = db.execute(
                    "UPDATE schedules SET next_due_at = ? WHERE id = ? AND next_due_at = ?",
                    [utc_text(step_plan.next_due_at), row["id"], row["next_due_at"]],
                )
                if moved.rowcount == 0:
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


def _skips(store: Store, ids: list[int]) -> dict[int, frozenset[date]]:
    placeholders = ", ".join("?" for _ in ids)
    found: dict[int, set[date]] = {}
    for schedule_id, day in store.db.execute(
        f"SELECT schedule_id, local_date FROM schedule_skips WHERE schedule_id IN ({placeholders})",
        ids,
    ).fetchall():
        found.setdefault(int(schedule_id), set()).add(date.fromisoformat(day))
    return {k: frozenset(v) for k, v in found.items()}


def _record(
    db: sqlite_utils.Database, schedule: Schedule, step: Step, now: datetime, period_of: PeriodOf
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
