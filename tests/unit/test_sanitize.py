"""Text from Slack is made storable once, at the edge: no lone surrogate survives, and text
without one comes through unchanged (property tests)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.slack.sanitize import REPLACEMENT, clean_text

# any code point, surrogates included (what json.loads can hand us)
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF))
SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20,
)


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


@given(JSONISH)
def test_every_string_can_be_encoded_afterwards(body: Any) -> None:
    for text in strings_in(clean_text(body)):
        text.encode("utf-8")  # what SQLite does with it; raises on a lone surrogate


@given(SAFE_TEXT)
def test_text_without_surrogates_is_unchanged(text: str) -> None:
    assert clean_text(text) == text
    assert clean_text({"note": [text]}) == {"note": [text]}


@given(ANY_TEXT)
def test_each_lone_surrogate_becomes_one_replacement_character(text: str) -> None:
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    lone = sum(1 for c in text if 0xD800 <= ord(c) <= 0xDFFF)
    assert cleaned.count(REPLACEMENT) == text.count(REPLACEMENT) + lone
    assert clean_text(cleaned) == cleaned
