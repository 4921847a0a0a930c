"""Fuzz: everything that reads what people type after `/pendulum` — the command splitter, the
router, did-you-mean, the check-in day/time and pause-date readers, and the critical-path
reader — with ≥ 1,000 texts each from the same generator as tests/unit/test_commands_properties.py
(mentions, links, emoji, other scripts, code fences, huge and empty input). Each either
answers or raises its own documented error, never anything else."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import build_router
from bot.coaching.critical.classifier import readable
from bot.coaching.when import (
    DAY_NAMES,
    WhenError,
    parse_pause_until,
    parse_when,
)
from bot.content.markup import code, escape
from bot.router import MAX_COMMAND_TEXT, closest, normalize, split_command
from tests.support.command_text import command_text

ROUTER = build_router()
WORDS = ROUTER.command_words()
FUZZ = settings(max_examples=1000, deadline=None)
TODAY = date(2026, 11, 22)


@FUZZ
@given(text=st.one_of(command_text, st.none()))
def test_the_splitter_reads_anything(text: str | None) -> None:
    word, rest = split_command(text)
    clean = normalize(text)
    assert len(clean) <= MAX_COMMAND_TEXT
    assert word == word.lower() and " " not in word
    assert rest == rest.strip()
    # nothing is lost or reordered: the first word (lower-cased) and the rest, normalised
    head, _, tail = clean.partition(" ")
    assert word == head.lower() and rest == tail.strip()
    assert normalize(rest) == rest
    assert bool(word) == bool(clean)


@FUZZ
@given(text=command_text)
def test_the_router_and_did_you_mean_take_any_word(text: str) -> None:
    word, _ = split_command(text)
    found = ROUTER.resolve_command(word)
    assert found is None or word in WORDS
    suggestions = closest(word, WORDS)
    assert len(suggestions) <= 3 and set(suggestions) <= set(WORDS)


@FUZZ
@given(text=command_text)
def test_check_in_times_are_read_or_refused_politely(text: str) -> None:
    try:
        weekday, local_time = parse_when(text)
    except WhenError as exc:
        assert str(exc)  # a message for the person, not a traceback
        return
    assert weekday is None or 0 <= weekday < len(DAY_NAMES)
    if local_time is not None:
        hours, minutes = local_time.split(":")
        assert 0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59


@FUZZ
@given(text=command_text)
def test_pause_dates_are_read_or_refused_politely(text: str) -> None:
    try:
        day = parse_pause_until(text, TODAY)
    except WhenError as exc:
        assert str(exc)
        return
    assert TODAY < day <= date(2027, 11, 23)


@FUZZ
@given(text=command_text)
def test_user_text_shown_back_can_never_be_slack_markup(text: str) -> None:
    """What the critical-path check reads, and how any typed text is echoed (`code`,
    `escape`): no `<`, `>` or unescaped `&` survives, so nothing can ping or link."""
    for shown in (escape(readable(text)), code(text), code(readable(text))):
        assert "<" not in shown and ">" not in shown
        assert "&" not in shown.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    assert "\n" not in code(text)
