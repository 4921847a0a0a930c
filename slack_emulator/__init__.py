"""A local, strict Slack for tests and the offline workbench (see `Emulator`)."""

from slack_emulator.delivery import Delivery
from slack_emulator.directory import Bot
from slack_emulator.emulator import Emulator
from slack_emulator.errors import NotConnectedError, UserActionError
from slack_emulator.models import (
    Call,
    Channel,
    Ephemeral,
    Message,
    Problem,
    ResponsePost,
    User,
    View,
)
from slack_emulator.signing import signature, signed_headers

__all__ = [
    "Bot",
    "Call",
    "Channel",
    "Delivery",
    "Emulator",
    "Ephemeral",
    "Message",
    "NotConnectedError",
    "Problem",
    "ResponsePost",
    "User",
    "UserActionError",
    "View",
    "signature",
    "signed_headers",
]
