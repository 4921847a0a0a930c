"""The short sentences the features say (`prompts/strings/<area>.yaml`), by id.

Each area file maps an id to one mrkdwn sentence, e.g.
`tip_paused: "I paused the weekly tip in {{ channel }}. `{{ command }} remind` resumes it."`,
plus an optional `samples:` mapping (id → the variables `content lint` renders it with).
All areas share one namespace; the loader (`bot.content.library`) refuses an id defined twice.

The texts are rendered with the templates' sandboxed Jinja environment: every `{{ value }}` is
escaped unless it is `Trusted` markup, a missing variable is an error, and the markup written
in the YAML text is kept as it is. `{{ command }}` is always the configured slash command
(`Config.command`), never a literal `/pendulum`. Unlike message templates, a sentence is not
tidied: its spaces and line breaks come out exactly as written.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Template, TemplateError

from bot.content.library import StringText
from bot.content.render import RenderError, make_environment

_ENV = make_environment()


class Strings:
    """`strings.say("tip_paused", channel=link)` → the sentence, with `command` filled in."""

    def __init__(self, texts: Mapping[str, StringText], *, command: str) -> None:
        self.texts = texts
        self.command = command
        self._compiled: dict[str, Template] = {}

    def __contains__(self, string_id: object) -> bool:
        return string_id in self.texts

    def say(self, string_id: str, /, **values: object) -> str:
        if "command" in values:
            raise ValueError("`command` comes from the configuration; don't pass it")
        entry = self.texts.get(string_id)
        if entry is None:
            raise KeyError(f"no string {string_id!r} in prompts/strings/")
        try:
            template = self._compiled.get(string_id)
            if template is None:
                template = self._compiled[string_id] = _ENV.from_string(entry.text)
            return template.render(**values, command=self.command)
        except TemplateError as exc:
            raise RenderError(f"{entry.path}: {string_id}: {exc}") from exc
