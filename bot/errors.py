"""What the user sees when something breaks, and what the operator gets to find out why.

The user gets a short apology with a reference id; the log gets the traceback under the same
id, so a support request ("it said ref 7f3a9c2e") leads straight to the cause.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from bot.content.blocks import context, message, section
from bot.content.strings import Strings

log = logging.getLogger("pendulum.errors")


def new_ref() -> str:
    return secrets.token_hex(4)


def report(exc: BaseException, *, where: str) -> str:
    """Log the exception with a fresh reference id and return the id."""
    ref = new_ref()
    log.error("ref=%s unhandled error in %s", ref, where, exc_info=exc)
    return ref


def sorry_message(strings: Strings, ref: str) -> dict[str, Any]:
    """The apology (prompts/strings/edge-app.yaml), with the reference id the log has."""
    say = strings.say
    return message(
        say("sorry_fallback", ref=ref),
        [section(say("sorry_text")), context(say("sorry_ref", ref=ref))],
    )


def busy_message(strings: Strings) -> dict[str, Any]:
    return message(strings.say("busy_fallback"), [section(strings.say("busy_text"))])
