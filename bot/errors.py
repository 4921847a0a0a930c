"""What the user sees when something breaks, and what the operator gets to find out why.

The user gets a short apology with a reference id; the log gets the traceback under the same
id, so a support request ("it said ref 7f3a9c2e") leads straight to the cause.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from bot.content.blocks import context, message, section

log = logging.getLogger("pendulum.errors")


def new_ref() -> str:
    return secrets.token_hex(4)


def report(exc: BaseException, *, where: str) -> str:
    """Log the exception with a fresh reference id and return the id."""
    ref = new_ref()
    log.error("ref=%s unhandled error in %s", ref, where, exc_info=exc)
    return ref


def sorry_message(ref: str) -> dict[str, Any]:
    text = (
        ":warning: Sorry, something went wrong on my side and I couldn't finish that. "
        "Please try again in a minute."
    )
    return message(
        f"Something went wrong (ref {ref})",
        [section(text), context(f"If it keeps happening, tell your Slack admin: ref `{ref}`")],
    )


def busy_message() -> dict[str, Any]:
    return message(
        "Pendulum is busy",
        [section(":hourglass: I'm busy for a moment and couldn't save that. Please try again.")],
    )
