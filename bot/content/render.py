"""Rendering content templates safely.

Templates are authored by coaches (trusted), but the values they print may come from users
(a task description, a check-in note). Every `{{ value }}` therefore passes through `escape`
unless it is `Trusted` markup the bot built itself, so nothing a user typed can ping
`<!channel>` or forge a link. The sandbox keeps a broken or hostile content directory from
reaching Python internals; StrictUndefined turns a typo into an error the linter reports.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.content.markup import escape

if TYPE_CHECKING:  # Jinja2 is imported on the first render: start-up and the first acks skip it
    from jinja2 import Template
    from jinja2.sandbox import ImmutableSandboxedEnvironment


def _finalize(value: object) -> str:
    if value is None:
        return ""
    return escape(value)


def make_environment() -> ImmutableSandboxedEnvironment:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["plural"] = plural
    env.filters["years"] = years
    return env


def plural(count: float, singular: str, many: str | None = None) -> str:
    """`{{ n|plural("week") }}` → "1 week" / "3 weeks"."""
    word = singular if count == 1 else (many or singular + "s")
    return f"{_number(count)} {word}"


def years(value: float) -> str:
    """`{{ me.years_managing|years }}` → "4 years", "1 year", "2.5 years"."""
    return plural(value, "year")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


_ENV: list[ImmutableSandboxedEnvironment] = []
_ENV_LOCK = threading.Lock()


def environment() -> ImmutableSandboxedEnvironment:
    """The one shared environment, built on first use."""
    if not _ENV:
        with _ENV_LOCK:
            if not _ENV:
                _ENV.append(make_environment())
    return _ENV[0]


@functools.lru_cache(maxsize=512)
def compiled(source: str) -> Template:
    """A template compiled once: the content is fixed for the life of the process."""
    return environment().from_string(source)


class RenderError(Exception):
    """A template failed to compile or render; the message says where."""


def render(source: str, context: Mapping[str, Any], *, name: str = "<template>") -> str:
    from jinja2 import TemplateError

    try:
        text = compiled(source).render(**context)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{name}:{line}" if line else name
        raise RenderError(f"{where}: {exc}") from exc
    return tidy(text)


def tidy(text: str) -> str:
    """Collapse the blank lines Jinja's `{% if %}` blocks leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out)
