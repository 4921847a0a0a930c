"""A local, strict Slack for tests and the offline workbench (see `Emulator`)."""

from bot.emulator.delivery import Delivery
from bot.emulator.directory import Bot
from bot.emulator.emulator import Emulator
from bot.emulator.errors import NotConnectedError, UserActionError
from bot.emulator.models import (
    Call,
    Channel,
    Ephemeral,
    Message,
    Problem,
    ResponsePost,
    User,
    View,
)
from bot.emulator.signing import signature, signed_headers

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
