"""`/pendulum help` (and empty input), plus the answer to anything unknown."""

from __future__ import annotations

from collections import defaultdict

from bot.content.blocks import context, divider, header, message, section
from bot.content.markup import code
from bot.router import CommandContext, Reply, Router, Subcommand, closest, split_command

PRIVACY_LINE = (
    ":lock: Your check-in answers are visible to you only. "
    "`/pendulum privacy` shows what is stored; `/pendulum forget me` deletes it."
)
GROUP_ORDER = ("Coaching", "Check-ins", "Reminders", "Privacy")


def help_message(router: Router, command: str) -> dict[str, object]:
    groups: dict[str, list[Subcommand]] = defaultdict(list)
    for sub in router.subcommands.values():
        if not sub.hidden:
            groups[sub.group].append(sub)
    blocks = [
        header("Pendulum: coaching for engineering managers"),
        section(
            "I help you keep the engineer/manager pendulum in view: advice on when to swing, "
            "how to keep your hands warm without blocking your team, and a private weekly "
            "check-in. Everything below answers only you unless you choose to share it."
        ),
    ]
    ordered = [g for g in GROUP_ORDER if g in groups] + sorted(set(groups) - set(GROUP_ORDER))
    for group in ordered:
        lines = [f"• `{command} {sub.example}` — {sub.summary}" for sub in groups[group]]
        blocks.append(section(f"*{group}*\n" + "\n".join(lines)))
    blocks += [divider(), context(PRIVACY_LINE)]
    return message("Pendulum help: what I can do", blocks)


def unknown_message(router: Router, command: str, word: str, known: list[str]) -> dict[str, object]:
    suggestions = closest(word, known)
    lines = [f"I don't know {code(word)}."]
    if suggestions:
        lines.append("Did you mean " + " or ".join(f"`{command} {s}`" for s in suggestions) + "?")
    lines.append(f"Try `{command} help` to see everything I can do.")
    return message(f"I don't know that command. Try {command} help.", [section(" ".join(lines))])


def unknown_reply(router: Router, ctx: CommandContext) -> Reply:
    """Answer unknown input: "I don't know `…`", did-you-mean, and a pointer to help."""
    word, _ = split_command(ctx.text)
    known = router.command_words() + ctx.services.library.topic_names()
    return Reply(message=unknown_message(router, ctx.services.command, word, known))


def install(router: Router) -> None:
    built: dict[tuple[str, int], dict[str, object]] = {}

    def on_help(ctx: CommandContext) -> Reply:
        # the same for everyone: built once per command name (and set of subcommands)
        key = (ctx.services.command, len(router.subcommands))
        if key not in built:
            built[key] = help_message(router, ctx.services.command)
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
