"""One reflective DM when a manager passes a career milestone (see bot/coaching/milestones).

Who: managers who took the self-assessment (`/pendulum assess`) AND have the Monday nudge on.
When: checked once the weekly nudge went out (its after-send hook, bot/features/nudge_sends.py),
so at most weekly, on Monday morning in the person's time zone, just after that week's nudge;
no extra schedule. How: `outbox.send_once(("milestone", user, "managing-2y"), team, msg)`, so each
milestone goes out once per person however often it is checked, and a send Slack could not
take right away is retried by later ticks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.coaching.milestones import MANAGER_ROLES, Milestone, Standing, due
from bot.coaching.profile import Profile, build_profile, months_between
from bot.content.blocks import button, context
from bot.content.compose import template_message
from bot.delivery.model import Outbox, OutgoingMessage
from bot.services import Deps, Services
from bot.store import deliveries, people

log = logging.getLogger("pendulum.milestones")

KIND = "milestone"
TOPIC_OPEN = "topic_open"


def delivered(services: Deps, team_id: str, user_id: str) -> set[str]:
    """Ids of the milestones already sent (or on their way) to this person."""
    keys = deliveries.keys_of_kind(services.store, team_id, user_id, KIND)
    return {key.rsplit(":", 1)[-1] for key in keys}


def standings(
    services: Deps, row: dict[str, Any], now: datetime
) -> tuple[Standing, Standing, Profile]:
    """(as assessed, aged to now, the aged profile)."""
    rules = services.library.rules
    then = build_profile(row, rules, None)
    aged = build_profile(row, rules, now)
    years_managing = aged.years_managing
    if then.years_managing == 0 and then.role in MANAGER_ROLES and row.get("created_at"):
        # a manager who started managing at the assessment: their months count from there
        elapsed = months_between(datetime.fromisoformat(str(row["created_at"])), now)
        years_managing = round(elapsed / 12, 1)
    return (
        Standing(then.role, then.years_managing, then.months_since_hands_on),
        Standing(aged.role, years_managing, aged.months_since_hands_on),
        aged,
    )


def milestone_message(services: Deps, milestone: Milestone, me: Profile) -> dict[str, Any]:
    library = services.library
    topic = library.topics.get(milestone.topic)
    buttons = [button(f"Read: {topic.title}", TOPIC_OPEN, topic.id)] if topic else None
    msg = template_message(
        library, milestone.message_id, me, {"years": milestone.years}, buttons=buttons
    )
    msg["blocks"].append(context(services.strings.say("milestone_footer")))
    return msg


def check(services: Deps, team_id: str, user_id: str, outbox: Outbox | None = None) -> list[str]:
    """Send every milestone due for this person (once each) through `outbox` (the nudge's
    after-send hook passes the engine's; `Services` bring their own engine). Returns the ids
    sent now."""
    if outbox is None and isinstance(services, Services):
        outbox = services.engine
    row = people.latest_assessment(services.store, team_id, user_id)
    if row is None or outbox is None:
        return []
    try:
        then, now, me = standings(services, row, services.clock.now())
    except (KeyError, TypeError, ValueError):
        log.warning("unreadable assessment; no milestone check")
        return []
    sent: list[str] = []
    for milestone in due(then, now, services.library.rules, delivered(services, team_id, user_id)):
        msg = milestone_message(services, milestone, me)
        outgoing: OutgoingMessage = {
            "channel": user_id,
            "text": msg["text"],
            "blocks": msg["blocks"],
        }
        outbox.send_once((KIND, user_id, milestone.id), team_id, outgoing, kind=KIND)
        log.info("milestone %s sent", milestone.id)
        sent.append(milestone.id)
    return sent
