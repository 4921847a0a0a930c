"""The command-text parser (property tests: any input is handled)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.router import MAX_COMMAND_TEXT, closest, normalize, split_command


def test_split_lowercases_the_word_and_keeps_the_rest() -> None:
    assert split_command("  CHECK   Write the  migration ") == ("check", "Write the migration")
    assert split_command("") == ("", "")
    assert split_command(None) == ("", "")


def test_did_you_mean() -> None:
    assert closest("hlep", ["help", "topics", "assess"]) == ["help"]
    assert closest("zzzz", ["help"]) == []


@given(st.text(max_size=6000))
def test_any_text_parses(text: str) -> None:
    word, rest = split_command(text)
    assert word == word.lower()
    assert " " not in word
    assert len(normalize(text)) <= MAX_COMMAND_TEXT
    assert rest == rest.strip()
