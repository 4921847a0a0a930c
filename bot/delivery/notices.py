"""The one DM an owner gets when Pendulum had to pause their schedule (its sentences are in
prompts/strings/delivery.yaml)."""

from __future__ import annotations

from functools import cache

from bot.config import DEFAULT_COMMAND, packaged_prompts_dir
from bot.content.library import load_library
from bot.content.markup import Trusted
from bot.content.strings import Strings
from bot.delivery.model import NoticeComposer, OutgoingMessage, Schedule, is_user_id

# the Slack error codes with a sentence of their own (`notice_why_<code>`)
_EXPLAINED = (
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
    "user_not_found",
    "missing_scope",
    "invalid_auth",
)
# the kinds with a name and a way back on of their own (`notice_name_<kind>`)
_NAMED = ("checkin", "tip", "nudge", "focus")


def compose_notice(strings: Strings, schedule: Schedule, code: str) -> OutgoingMessage:
    say = strings.say
    if is_user_id(schedule.target):
        where = Trusted(say("notice_to_dm"))
    else:
        where = Trusted(f"<#{schedule.target}>")
    why = say(f"notice_why_{code}") if code in _EXPLAINED else say("notice_why_other", code=code)
    family = schedule.kind.split("_", 1)[0]
    if family in _NAMED:
        name, resume = say(f"notice_name_{family}"), say(f"notice_resume_{family}")
    else:
        name, resume = schedule.kind.replace("_", " "), say("notice_resume_other")
    text = say("notice_paused", name=name, where=where, why=Trusted(why), resume=Trusted(resume))
    return {
        "channel": schedule.owner_user_id,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def notice_composer(strings: Strings) -> NoticeComposer:
    def notice(schedule: Schedule, code: str) -> OutgoingMessage:
        return compose_notice(strings, schedule, code)

    return notice


@cache
def _packaged_strings() -> Strings:
    return Strings(load_library(packaged_prompts_dir()).strings, command=DEFAULT_COMMAND)


def default_notice(schedule: Schedule, code: str) -> OutgoingMessage:
    """The notice in the packaged prompts' words (an engine built without `notice=`, e.g. in
    tests; the app passes its own library's, `notice_composer(deps.strings)`)."""
    return compose_notice(_packaged_strings(), schedule, code)
