"""Where each Slack interaction goes.

Features (`bot/features/*`) register plain functions here; the Bolt listeners in
`bot/slack/listeners/` are thin adapters that turn a Slack request into a context object, call the
matching function, and turn its `Reply` into an ack. Keeping features free of Bolt makes them
easy to test and keeps the ack path short.

`run_command` takes command text to a handler's Reply: subcommands first, then topic names (the
router's fallback), then a friendly "I don't know that" with suggestions. The command-text
readers (`normalize`, `split_command`, `closest`) are pure functions, fuzz-tested.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from slack_sdk import WebClient

from bot.delivery.model import Kind, KindAfter, KindCompose, Person
from bot.errors import busy_message, report, sorry_message
from bot.services import Deps, Services
from bot.store.db import is_busy

log = logging.getLogger("pendulum.commands")

Message = dict[str, Any]


@dataclass
class Reply:
    """What a handler returns.

    `message` is answered to the user immediately and privately (the ack of a slash command,
    or an ephemeral/response_url message for an action). `ack` is a raw ack payload (a view
    submission's `response_action`). `later` runs after the ack, off the request thread.
    """

    message: Message | None = None
    ack: dict[str, Any] | None = None
    later: Callable[[], None] | None = None


@dataclass
class Actor:
    """Who did something, where, and how to answer them."""

    services: Services
    client: WebClient
    team_id: str
    user_id: str
    channel_id: str | None = None
    enterprise_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    user_name: str = ""


@dataclass
class CommandContext(Actor):
    text: str = ""  # the whole text after the slash command
    args: str = ""  # the text after the subcommand word


@dataclass
class ActionContext(Actor):
    action: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> str:
        if self.action.get("selected_option"):
            return str(self.action["selected_option"].get("value", ""))
        return str(self.action.get("value", ""))


@dataclass
class ViewContext(Actor):
    view: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    def value(self, block_id: str, action_id: str) -> str | None:
        """The submitted value of one input, whatever its element type."""
        state = self.view.get("state", {}).get("values", {})
        element = state.get(block_id, {}).get(action_id)
        if not element:
            return None
        if element.get("selected_option"):
            return str(element["selected_option"]["value"])
        if element.get("value") is not None:
            return str(element["value"])
        for key in ("selected_date", "selected_time", "selected_user", "selected_channel"):
            if element.get(key):
                return str(element[key])
        return None


@dataclass
class EventContext:
    services: Services
    client: WebClient
    team_id: str
    event: dict[str, Any]
    body: dict[str, Any]


CommandHandler = Callable[[CommandContext], Reply]
ActionHandler = Callable[[ActionContext], Reply]
ViewHandler = Callable[[ViewContext], Reply]
EventHandler = Callable[[EventContext], None]
# (deps, team_id, Person) -> None: a person's facts were (re)read (bot/delivery/people.py).
PersonListener = Callable[[Deps, str, Person], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    example: str
    handler: CommandHandler
    aliases: tuple[str, ...] = ()
    group: str = "Coaching"
    hidden: bool = False


class Router:
    def __init__(self) -> None:
        self.subcommands: dict[str, Subcommand] = {}
        self._command_names: dict[str, str] = {}
        self.fallback: CommandHandler | None = None
        self.actions: dict[str, ActionHandler] = {}
        self.views: dict[str, ViewHandler] = {}
        self.view_closed: dict[str, ViewHandler] = {}
        self.events: dict[str, EventHandler] = {}
        self.shortcuts: dict[str, ActionHandler] = {}
        self.kinds: dict[str, Kind[Deps]] = {}
        self.person_listeners: list[PersonListener] = []

    # -- registration ------------------------------------------------------------------------
    def command(self, sub: Subcommand) -> None:
        for name in (sub.name, *sub.aliases):
            if name in self._command_names:
                raise ValueError(f"subcommand {name!r} registered twice")
            self._command_names[name] = sub.name
        self.subcommands[sub.name] = sub

    def action(self, prefix: str, handler: ActionHandler) -> None:
        """Route every action whose action_id is `prefix` or starts with `prefix:`."""
        self.actions[prefix] = handler

    def view(self, callback_id: str, handler: ViewHandler) -> None:
        self.views[callback_id] = handler

    def on_view_closed(self, callback_id: str, handler: ViewHandler) -> None:
        self.view_closed[callback_id] = handler

    def event(self, event_type: str, handler: EventHandler) -> None:
        self.events[event_type] = handler

    def shortcut(self, callback_id: str, handler: ActionHandler) -> None:
        self.shortcuts[callback_id] = handler

    def kind(self, kind: Kind[Deps]) -> None:
        """Register a scheduled kind: how its message is composed (pure: no Slack calls, no
        writes) and, optionally, the writes that follow a send or a skip."""
        if kind.name in self.kinds:
            raise ValueError(f"kind {kind.name!r} registered twice")
        self.kinds[kind.name] = kind

    def composer(
        self, kind: str, fn: KindCompose[Deps], after: KindAfter[Deps] | None = None
    ) -> None:
        """Shorthand for `kind(Kind(kind, fn, after))`."""
        self.kind(Kind(kind, fn, after))

    def on_person(self, fn: PersonListener) -> None:
        """Hear of every person the people cache stores (bot/delivery/people.py)."""
        self.person_listeners.append(fn)

    # -- lookup ------------------------------------------------------------------------------
    def resolve_command(self, word: str) -> Subcommand | None:
        name = self._command_names.get(word)
        return self.subcommands[name] if name else None

    def command_words(self) -> list[str]:
        return list(self._command_names)

    def resolve_action(self, action_id: str) -> ActionHandler | None:
        prefix = action_id.split(":", 1)[0]
        return self.actions.get(prefix)


# -- reading what people type after the slash command ----------------------------------
MAX_COMMAND_TEXT = 4000
_SPACE = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    """Trim, fold runs of whitespace to one space, and cap the length."""
    if not text:
        return ""
    return _SPACE.sub(" ", text.strip())[:MAX_COMMAND_TEXT]


def split_command(text: str | None) -> tuple[str, str]:
    """("word", "rest") with the word lower-cased; ("", "") for empty input."""
    clean = normalize(text)
    if not clean:
        return "", ""
    word, _, rest = clean.partition(" ")
    return word.lower(), rest.strip()


def closest(word: str, candidates: list[str], limit: int = 3) -> list[str]:
    """Did-you-mean suggestions, best first."""
    if not word or len(word) > 40:
        return []
    return difflib.get_close_matches(word.lower(), candidates, n=limit, cutoff=0.6)


# -- running a command ------------------------------------------------------------------
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
            return Reply(message=busy_message(ctx.services.strings))
        ref = report(exc, where=f"{ctx.services.command} {word}")
        return Reply(message=sorry_message(ctx.services.strings, ref))
