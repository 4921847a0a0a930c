"""From command text to a handler's Reply: subcommands first, then topic names (the router's
fallback), then a friendly "I don't know that" with suggestions."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.errors import busy_message, report, sorry_message
from bot.parse import split_command
from bot.router import CommandContext, Reply, Router
from bot.store.db import is_busy

log = logging.getLogger("pendulum.commands")


def run_command(router: Router, ctx: CommandContext) -> Reply:
    word, rest = split_command(ctx.text)
    sub = router.resolve_command(word or "help")
    try:
        if sub is not None:
            return sub.handler(replace(ctx, args=rest))
        if router.fallback is not None:
            return router.fallback(replace(ctx, args=rest))
        raise LookupError("no fallback command handler registered")
    except Exception as exc:
        if is_busy(exc):  # the database is locked elsewhere: don't ack late, ask again
            log.warning("%s %s: database busy, asked to try again", ctx.services.command, word)
            return Reply(message=busy_message())
        ref = report(exc, where=f"{ctx.services.command} {word}")
        return Reply(message=sorry_message(ref))
