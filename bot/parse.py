"""Reading what people type after `/pendulum` (pure functions; fuzz-tested)."""

from __future__ import annotations

import difflib
import re

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
