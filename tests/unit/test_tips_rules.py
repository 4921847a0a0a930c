"""The pure parts of channel tips: reading `remind …` arguments (with Hypothesis fuzzing) and
the rotation that walks the pool without repeats."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coaching.tips import (
    RemindArgs,
    RemindError,
    next_pick,
    parse_channel_only,
    parse_remind,
    parse_skip,
    shuffled,
)
from bot.coaching.when import parse_channel, parse_day, parse_time, parse_tz, split_words
from bot.content.library import load_library
from tests.support.checkin_world import REPO


# -- words -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "day"),
    [
        ("mon", 0),
        ("Monday", 0),
        ("mondays", 0),
        ("tue", 1),
        ("tues", 1),
        ("Thurs", 3),
        ("fri.", 4),
        ("su", 6),
        ("m", None),
        ("funday", None),
        ("monday-ish", None),
    ],
)
def test_days(word: str, day: int | None) -> None:
    assert parse_day(word) == day


@pytest.mark.parametrize(
    ("word", "hhmm"),
    [
        ("9:30", "09:30"),
        ("09:30", "09:30"),
        ("9", "09:00"),
        ("15h30", "15:30"),
        ("9.30am", "09:30"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("3pm", "15:00"),
        ("24:00", None),
        ("9:60", None),
        ("13pm", None),
        ("0pm", None),
        ("noon", None),
    ],
)
def test_times(word: str, hhmm: str | None) -> None:
    assert parse_time(word) == hhmm


def test_time_zones_are_iana_names_in_any_case() -> None:
    assert parse_tz("Europe/Berlin") == "Europe/Berlin"
    assert parse_tz("america/new_york") == "America/New_York"
    assert parse_tz("utc") == "UTC"
    assert parse_tz("EST") is None  # an abbreviation, not a zone people live in
    assert parse_tz("Mars/Olympus") is None
    assert parse_tz("../../etc/passwd") is None


def test_channels_as_slack_escapes_them() -> None:
    assert parse_channel("<#C0TEAM|team>") == "C0TEAM"
    assert parse_channel("<#G0LEADS|>") == "G0LEADS"
    assert parse_channel("<#C0TEAM>") == "C0TEAM"
    assert parse_channel("#team") is None
    assert parse_channel("<@U0ALICE|alice>") is None
    assert parse_channel("<!channel>") is None


def test_split_words_joins_am_pm_but_keeps_channel_names_whole() -> None:
    assert split_words("monday 9 am <#C1ABC|a,b>") == ["monday", "9am", "<#C1ABC|a,b>"]
    assert split_words("mon,9:30") == ["mon", "9:30"]


# -- remind arguments ------------------------------------------------------------------------
def test_remind_arguments_in_any_order() -> None:
    want = RemindArgs("C0TEAM", 3, "10:15", "Europe/Berlin")
    parts = ["<#C0TEAM|team>", "thursday", "10:15", "Europe/Berlin"]
    for order in itertools.permutations(parts):
        assert parse_remind(" ".join(order)) == want
    assert parse_remind("") == RemindArgs()
    assert parse_remind("on mondays at 9am") == RemindArgs(None, 0, "09:00", None)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("#team", "autocomplete"),
        ("<#C0A|a> <#C0B|b>", "one channel"),
        ("monday friday", "one day"),
        ("9:00 10:00", "one time"),
        ("blursday", "blursday"),
        ("Mars/Olympus", "Mars/Olympus"),
    ],
)
def test_remind_arguments_that_cannot_be_read_say_why(text: str, needle: str) -> None:
    with pytest.raises(RemindError, match=needle):
        parse_remind(text)


def test_skip_and_channel_only_arguments() -> None:
    assert parse_skip("2026-12-28") == (date(2026, 12, 28), None)
    assert parse_skip("<#C0TEAM|team> 2026-12-28") == (date(2026, 12, 28), "C0TEAM")
    with pytest.raises(RemindError, match="which date"):
        parse_skip("next monday")
    with pytest.raises(RemindError):
        parse_skip("2026-02-30")  # no such date: read as a word, and refused
    assert parse_channel_only("<#C0TEAM|team>") == "C0TEAM"
    assert parse_channel_only("") is None
    with pytest.raises(RemindError, match="Only a channel"):
        parse_channel_only("monday")


WORDS = st.sampled_from(
    [
        "<#C0TEAM|team>",
        "<#G0LEADS|leads>",
        "#team",
        "<!channel>",
        "<@U0ALICE|alice>",
        "monday",
        "Tue",
        "fridays",
        "9",
        "9:30",
        "25:00",
        "3",
        "pm",
        "am",
        "Europe/Berlin",
        "america/new_york",
        "UTC",
        "on",
        "at",
        ",",
        "2026-12-28",
        "🙂",
        "<",
        ">",
        "&",
    ]
)
TEXT = st.one_of(
    st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join), st.text()
)


@settings(max_examples=1500, deadline=None)
@given(TEXT)
def test_fuzzed_remind_arguments_parse_or_fail_with_a_readable_reason(text: str) -> None:
    for parse in (parse_remind, parse_channel_only, parse_skip):
        try:
            result = parse(text)
        except RemindError as exc:
            assert str(exc) and len(str(exc)) < 400
            continue
        if isinstance(result, RemindArgs):
            assert result.weekday is None or 0 <= result.weekday <= 6
            assert result.local_time is None or parse_time(result.local_time) == result.local_time
            assert result.tz is None or parse_tz(result.tz) == result.tz
            assert result.channel is None or result.channel[0] in "CG"


@settings(max_examples=300, deadline=None)
@given(
    channel=st.sampled_from(["C0TEAM", "G0LEADS", "C12345ABC"]),
    day=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    tz=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]),
    order=st.permutations(range(4)),
    day_style=st.sampled_from(["full", "abbr", "plural"]),
)
def test_every_valid_combination_reads_back(
    channel: str, day: int, hour: int, minute: int, tz: str, order: list[int], day_style: str
) -> None:
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    day_word = {"full": names[day], "abbr": names[day][:3], "plural": names[day] + "s"}[day_style]
    parts = [f"<#{channel}|x>", day_word, f"{hour}:{minute:02d}", tz.lower()]
    args = parse_remind(" ".join(parts[i] for i in order))
    assert args == RemindArgs(channel, day, f"{hour:02d}:{minute:02d}", tz)


# -- rotation --------------------------------------------------------------------------------
def walk(pool: list[str], weeks: int, seed: str = "T:tips:C0TEAM") -> list[str]:
    """Picks for `weeks` weeks, each one counted as used (sent)."""
    picks: list[str] = []
    used: set[str] = set()
    cycle = 0
    for _ in range(weeks):
        pick = next_pick(pool, used, cycle=cycle, last=picks[-1] if picks else None, seed=seed)
        if pick.cycle != cycle:
            cycle, used = pick.cycle, set()
        used.add(pick.item)
        picks.append(pick.item)
    return picks


def test_the_shipped_pool_is_walked_without_a_repeat_until_every_tip_was_used() -> None:
    tips = [t.id for t in load_library(REPO / "prompts").tips]
    assert len(tips) >= 26
    picks = walk(tips, 3 * len(tips))
    for start in range(0, len(picks), len(tips)):
        assert sorted(picks[start : start + len(tips)]) == sorted(tips)
    assert all(a != b for a, b in itertools.pairwise(picks))  # not even across cycles


def test_each_channel_gets_its_own_order_and_the_order_is_stable() -> None:
    pool = [f"tip-{i}" for i in range(30)]
    assert shuffled(pool, "a") == shuffled(list(reversed(pool)), "a")
    assert walk(pool, 5, "T:tips:C1") != walk(pool, 5, "T:tips:C2")


def test_new_tips_join_the_current_cycle_and_removed_ones_stop() -> None:
    pool = [f"tip-{i}" for i in range(5)]
    used = {"tip-0", "tip-1", "tip-2"}
    grown = [*pool, "tip-new"]
    seen = set(used)
    cycle, last = 0, "tip-2"
    while True:
        pick = next_pick(grown, seen, cycle=cycle, last=last, seed="s")
        if pick.cycle != cycle:
            break
        seen.add(pick.item)
        last = pick.item
    assert seen == set(grown)
    shrunk = ["tip-0", "tip-1"]
    assert (
        next_pick(shrunk, {"tip-0", "tip-1", "tip-4"}, cycle=0, last="tip-4", seed="s").cycle == 1
    )


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 40), weeks=st.integers(1, 120), seed=st.text(max_size=10))
def test_rotation_property_no_repeat_within_a_cycle(size: int, weeks: int, seed: str) -> None:
    pool = [f"t{i}" for i in range(size)]
    picks = walk(pool, weeks, seed)
    for start in range(0, len(picks), size):
        window = picks[start : start + size]
        assert len(set(window)) == len(window)
    if size > 1:
        assert all(a != b for a, b in itertools.pairwise(picks))


def test_an_empty_pool_is_an_error() -> None:
    with pytest.raises(ValueError):
        next_pick([], set(), cycle=0, last=None, seed="s")
