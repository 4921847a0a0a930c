"""Scheduled and one-off delivery: stored weekly schedules → due sweep → claim → paced send
→ record.

Wiring::

    engine = DeliveryEngine(store, client_factory, clock, {"checkin": compose_checkin, ...})
    scheduler = Scheduler(engine, interval_s=30)
    scheduler.start()            # first run: engine.recover(), then engine.tick() every 30 s
    ...
    scheduler.shutdown(); engine.close()

`client_factory(team_id)` should return clients from `delivery_client()` (no slack_sdk retry
handlers: the engine retries itself and must see every failure).

Tables (migration m003_delivery; every one has `team_id`):

* `schedules` — weekly wall-clock slot (weekday 0=Mon, 'HH:MM', IANA tz), kind, owner,
  target (user id = DM, or channel id), params JSON, `paused_reason` (set alone = paused
  until resumed), `paused_until` (local date sends resume), `next_due_at` (sweep cursor, UTC).
* `schedule_skips` — (schedule_id, local_date) the owner skipped; cascades on delete.
* `deliveries` — the ledger, one row per `team:kind:target:period` key; see
  bot/store/deliveries.py for its states (pending → claimed → sent | failed | skipped).

Modules: `timing` (pure time rules), `model` (the shapes), `planner` (due schedules → ledger
rows), `outbox` (one-offs: queue, hold, cancel), `pacing` (rate math), `lanes` (a queue per
workspace, earliest deadline first), `sender` (one paced, retried send), `reconcile` (find a
send in conversation history), `engine`, `ticker`. DM recipients are resolved through the
people cache (`bot/delivery/people.py`); composers are pure and a kind's after-send hook does
the writes that follow a send. Every SQL statement is in bot/store/schedules.py and
bot/store/deliveries.py.

This package re-exports nothing: bot/store imports `bot.delivery.model` and `bot.delivery.timing`,
so importing the package must not import the engine.
"""
