"""The one DM an owner gets when Pendulum had to pause their schedule."""

from __future__ import annotations

from bot.delivery.model import OutgoingMessage, Schedule, is_user_id

_WHY = {
    "channel_not_found": "that channel no longer exists or I can't see it",
    "not_in_channel": "I'm not a member of that channel (invite me with `/invite @Pendulum`)",
    "is_archived": "that channel is archived",
    "account_inactive": "that account is deactivated",
    "user_not_found": "that person is no longer in this workspace",
    "missing_scope": "my app is missing a permission (ask whoever installed me to reinstall)",
    "invalid_auth": "my token is no longer valid (ask whoever installed me to reinstall)",
}

# what each kind is called, and the command that turns it back on
_KINDS = {
    "checkin": ("weekly check-in", "`/pendulum checkin on`"),
    "tip": ("weekly team tip", "`/pendulum remind` in that channel"),
    "nudge": ("Monday nudge", "`/pendulum nudge on`"),
    "focus": ("focus-block reminder", "`/pendulum focus`"),
}


def _describe(kind: str) -> tuple[str, str]:
    return _KINDS.get(kind.split("_", 1)[0], (kind.replace("_", " "), "`/pendulum help`"))


def default_notice(schedule: Schedule, code: str) -> OutgoingMessage:
    where = "you by DM" if is_user_id(schedule.target) else f"<#{schedule.target}>"
    why = _WHY.get(code, f"Slack answered `{code}`")
    name, resume = _describe(schedule.kind)
    text = (
        f"I couldn't deliver your *{name}* to {where}: {why}. "
        f"I've paused it so it stops failing; once that's fixed, turn it back on with {resume}."
    )
    return {
        "channel": schedule.owner_user_id,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
