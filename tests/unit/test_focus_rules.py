"""Focus blocks as plain data: reading `focus set …`, the overlap and end-after-start rules,
and which delivery kind each block gets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.coaching.focus import (
    MAX_BLOCKS,
    Block,
    FocusError,
    assign,
    describe,
    leave_for_later,
    parse_blocks,
    validate,
)

TUE, THU = 1, 3


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("tue,thu 09:00-11:00", [Block(TUE, "09:00", "11:00"), Block(THU, "09:00", "11:00")]),
        ("tue, thu 9-11", [Block(TUE, "09:00", "11:00"), Block(THU, "09:00", "11:00")]),
        ("Tuesday 9:00 – 11:00", [Block(TUE, "09:00", "11:00")]),
        ("tue 9am to 11am", [Block(TUE, "09:00", "11:00")]),
        ("tue 9 am - 10:30 am", [Block(TUE, "09:00", "10:30")]),
        (
            "mon,wed 9-11, fri 14:00-16:00",
            [Block(0, "09:00", "11:00"), Block(2, "09:00", "11:00"), Block(4, "14:00", "16:00")],
        ),
        (
            "tue 09:00-11:00 tue 11:00-12:00",  # back to back is fine
            [Block(TUE, "09:00", "11:00"), Block(TUE, "11:00", "12:00")],
        ),
        ("mon-wed 8-9", [Block(d, "08:00", "09:00") for d in (0, 1, 2)]),
        ("sat-mon 8-9", [Block(d, "08:00", "09:00") for d in (0, 5, 6)]),
        ("weekdays 13:00-14:00", [Block(d, "13:00", "14:00") for d in range(5)]),
        ("tue,tue 9-10", [Block(TUE, "09:00", "10:00")]),
    ],
)
def test_reading_blocks(text: str, blocks: list[Block]) -> None:
    assert parse_blocks(text) == blocks


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("tue 11:00-09:00", "end after it starts"),
        ("tue 09:00-09:00", "end after it starts"),
        ("tue 22:00-01:00", "past midnight"),
        ("tue 09:00-11:00 tue 10:00-12:00", "overlap"),
        ("tue,thu 09:00-11:00 thu 10:30-10:45", "overlap"),
        ("tue 9-11 tue 9-11", "overlap"),
        ("9-11", "Which days"),
        ("tue", "time range too"),
        ("tue 9:00", "start and an end"),
        ("tue 9-11 blursday", "blursday"),
        ("", "Tell me when"),
        ("daily 8-9 daily 10-11", f"at most {MAX_BLOCKS}"),
    ],
)
def test_invalid_blocks_say_what_is_wrong(text: str, needle: str) -> None:
    with pytest.raises(FocusError, match=needle):
        parse_blocks(text)


def test_describe_groups_days_that_share_a_time() -> None:
    blocks = parse_blocks("tue,thu 09:00-11:00 fri 14:00-16:00")
    assert describe(blocks) == ["Tuesdays and Thursdays, 09:00–11:00", "Fridays, 14:00–16:00"]
    assert describe(parse_blocks("mon,wed,fri 8-9")) == [
        "Mondays, Wednesdays and Fridays, 08:00–09:00"
    ]


def test_assign_keeps_unchanged_blocks_and_avoids_kinds_spent_this_week() -> None:
    pool = [f"focus_{n}" for n in range(1, 7)]
    tue, thu, fri = (Block(d, "09:00", "11:00") for d in (TUE, THU, 4))
    plan = assign({"focus_1": tue, "focus_2": thu}, [tue, fri], pool, spent={"focus_2", "focus_3"})
    assert plan.keep == ["focus_1"]
    assert plan.delete == ["focus_2"]
    assert plan.create == [("focus_4", fri)]  # not focus_2/focus_3: they sent this week
    # every kind spent: still assigned (the week's DM may be lost, the schedule is not)
    plan = assign({}, [tue], pool[:1], spent={"focus_1"})
    assert plan.create == [("focus_1", tue)]


def test_leave_for_later_is_stable_and_varied() -> None:
    items = [f"item {i}" for i in range(12)]
    assert leave_for_later(items, "U1:2026-03-10:09:00") == leave_for_later(
        items, "U1:2026-03-10:09:00"
    )
    assert len({leave_for_later(items, f"U1:2026-03-{d:02d}:09:00") for d in range(1, 29)}) > 4
    assert leave_for_later([], "x")


times = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")
raw_blocks = st.lists(st.tuples(st.integers(0, 6), times, times), max_size=12)


def minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


@settings(max_examples=500, deadline=None)
@given(raw_blocks)
def test_validate_accepts_exactly_the_non_overlapping_sets(raw: list[tuple[int, str, str]]) -> None:
    blocks = [Block(d, s, e) for d, s, e in raw]
    bad_order = any(minutes(b.end) <= minutes(b.start) for b in blocks)
    occupied: dict[tuple[int, int], int] = {}
    clash = False
    for i, b in enumerate(blocks):
        for m in range(minutes(b.start), minutes(b.end)):
            if occupied.setdefault((b.weekday, m), i) != i:
                clash = True
    too_many = len(blocks) > MAX_BLOCKS
    try:
        result = validate(blocks)
    except FocusError:
        assert bad_order or clash or too_many
    else:
        assert not (bad_order or clash or too_many)
        assert result == sorted(blocks)


FOCUS_WORDS = st.sampled_from(
    ["tue", "thu,", "mon-fri", "weekdays", "9", "9-11", "09:00-11:00", "11:00-09:00", "to", "-",
     "–", "am", "pm", ",", "and", "daily", "<!channel>", "🙂", "25:00", "sat-sun", "12am-1am"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.lists(st.one_of(FOCUS_WORDS, st.text(max_size=8)), max_size=10).map(" ".join), st.text()
    )
)
def test_fuzzed_focus_text_parses_to_valid_blocks_or_a_readable_error(text: str) -> None:
    try:
        blocks = parse_blocks(text)
    except FocusError as exc:
        assert str(exc) and len(str(exc)) < 400
        return
    assert 1 <= len(blocks) <= MAX_BLOCKS
    assert validate(blocks) == blocks
