"""From command text to a handler's Reply: subcommands first, then topic names (the router's
fallback), then a friendly "I don't know that" with suggestions."""

from __future__ import annotations

from dataclasses import replace

from bot.errors import report, sorry_message
from bot.parse import split_command
from bot.router import CommandContext, Reply, Router


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
        ref = report(exc, where=f"{ctx.services.command} {word}")
        return Reply(message=sorry_message(ref))
