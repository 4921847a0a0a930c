"""`/pendulum help` (and empty input), plus the answer to anything unknown."""

from __future__ import annotations

from collections import defaultdict

from bot.content.blocks import context, divider, header, message, section
from bot.content.markup import Trusted, code
from bot.content.strings import Strings
from bot.router import CommandContext, Reply, Router, Subcommand, closest, split_command

GROUP_ORDER = ("Coaching", "Check-ins", "Reminders", "Privacy")


def help_message(router: Router, strings: Strings, command: str) -> dict[str, object]:
    groups: dict[str, list[Subcommand]] = defaultdict(list)
    for sub in router.subcommands.values():
        if not sub.hidden:
            groups[sub.group].append(sub)
    blocks = [
        header(strings.say("help_header")),
        section(strings.say("help_intro")),
    ]
    ordered = [g for g in GROUP_ORDER if g in groups] + sorted(set(groups) - set(GROUP_ORDER))
    for group in ordered:
        lines = [f"• `{command} {sub.example}` — {sub.summary}" for sub in groups[group]]
        blocks.append(section(f"*{group}*\n" + "\n".join(lines)))
    blocks += [divider(), context(strings.say("help_privacy"))]
    return message(strings.say("help_title"), blocks)


def unknown_message(
    router: Router, strings: Strings, command: str, word: str, known: list[str]
) -> dict[str, object]:
    suggestions = closest(word, known)
    lines = [strings.say("help_unknown_word", word=code(word))]
    if suggestions:
        options = Trusted(" or ".join(f"`{command} {s}`" for s in suggestions))
        lines.append(strings.say("help_did_you_mean", options=options))
    lines.append(strings.say("help_try_help"))
    return message(strings.say("help_unknown_title"), [section(" ".join(lines))])


def unknown_reply(router: Router, ctx: CommandContext) -> Reply:
    """Answer unknown input: "I don't know `…`", did-you-mean, and a pointer to help."""
    word, _ = split_command(ctx.text)
    known = router.command_words() + ctx.services.library.topic_names()
    return Reply(
        message=unknown_message(router, ctx.services.strings, ctx.services.command, word, known)
    )


def install(router: Router) -> None:
    built: dict[tuple[str, int], dict[str, object]] = {}

    def on_help(ctx: CommandContext) -> Reply:
        # the same for everyone: built once per command name (and set of subcommands)
        key = (ctx.services.command, len(router.subcommands))
        if key not in built:
            built[key] = help_message(router, ctx.services.strings, ctx.services.command)
        return Reply(message=built[key])

    def on_unknown(ctx: CommandContext) -> Reply:
        return unknown_reply(router, ctx)

    router.command(
        Subcommand(
            name="help",
            summary="what I can do (this message)",
            example="help",
            handler=on_help,
            aliases=("hi", "hello"),
        )
    )
    if router.fallback is None:
        router.fallback = on_unknown
