"""Compact text charts (App Home) and the 12-week table (`/pendulum history`)."""

from __future__ import annotations

from pathlib import Path

from bot.coaching.checkin_rules import AWAY, SKIPPED, Checkin, questions_from
from bot.coaching.trends import (
    BARS,
    NO_DATA,
    NOT_ANSWERED,
    bar,
    chart_lines,
    history_lines,
    last_weeks,
    summary,
)
from bot.content.library import load_library

QUESTIONS = questions_from(load_library(Path(__file__).resolve().parents[2] / "prompts").checkin)


def week(period: str, **kw: object) -> Checkin:
    base: dict[str, object] = {
        "hands_on": "2to5",
        "critical_path": "no",
        "focus_blocks": 2,
        "energy": 60,
    }
    base.update(kw)
    return Checkin(period, **base)  # type: ignore[arg-type]


def test_last_weeks_fills_gaps_and_ends_with_the_current_week() -> None:
    weeks = last_weeks([week("2026-W08"), week("2025-W40")], "2026-W10", 8)
    assert [w.period for w in weeks] == [
        "2026-W03",
        "2026-W04",
        "2026-W05",
        "2026-W06",
        "2026-W07",
        "2026-W08",
        "2026-W09",
        "2026-W10",
    ]
    assert [w.answered for w in weeks] == [False] * 5 + [True, False, False]


def test_last_weeks_cross_the_year_boundary() -> None:
    weeks = last_weeks([], "2026-W02", 4)
    assert [w.period for w in weeks] == ["2025-W51", "2025-W52", "2026-W01", "2026-W02"]


def test_bars_scale_from_the_lowest_to_the_highest_block() -> None:
    assert bar(0, 100) == BARS[0]
    assert bar(100, 100) == BARS[-1]
    assert bar(50, 100) in BARS[3:5]
    assert bar(150, 100) == BARS[-1] and bar(-5, 100) == BARS[0]
    assert bar(3, 0) == BARS[0]


def test_chart_rows_show_each_metric_and_missing_weeks() -> None:
    rows = [
        week("2026-W07", hands_on="none", critical_path="no", focus_blocks=0, energy=0),
        Checkin("2026-W08", status=SKIPPED),
        week("2026-W09", hands_on="gt10", critical_path="yes", focus_blocks=10, energy=100),
        Checkin("2026-W10", status=AWAY),
    ]
    lines = chart_lines(last_weeks(rows, "2026-W10", 5), QUESTIONS)
    head, hands, critical, focus, energy = lines
    assert head.split() == ["Week", "06", "07", "08", "09", "10"]
    assert hands.split()[1:6] == [NO_DATA, BARS[0], NOT_ANSWERED, BARS[-1], NOT_ANSWERED]
    assert "latest: >10 h" in hands
    assert critical.split()[2:7] == [NO_DATA, "○", NOT_ANSWERED, "●", NOT_ANSWERED]
    assert focus.split()[1:6] == [NO_DATA, "0", NOT_ANSWERED, "10", NOT_ANSWERED]
    assert energy.split()[1:6] == [NO_DATA, BARS[0], NOT_ANSWERED, BARS[-1], NOT_ANSWERED]
    assert energy.endswith("latest: 100%")
    # every row lines up under the week numbers
    assert len({len(line.split("   latest")[0].rstrip()) for line in lines}) <= 2
    assert max(len(line) for line in lines) <= 60


def test_chart_with_no_data_at_all_has_no_latest_values() -> None:
    lines = chart_lines(last_weeks([], "2026-W10", 8), QUESTIONS)
    assert all("latest" not in line for line in lines)
    assert lines[1].split()[1:] == [NO_DATA] * 8


def test_an_unknown_hands_on_value_shows_a_question_mark() -> None:
    lines = chart_lines(
        last_weeks([week("2026-W10", hands_on="retired")], "2026-W10", 1), QUESTIONS
    )
    assert lines[1].split()[1] == "?"


def test_history_table_is_newest_first_with_dates() -> None:
    rows = [
        week(
            "2026-W10",
            hands_on="lt2",
            critical_path="unsure",
            focus_blocks=3,
            energy=40,
            note="private",
        ),
        Checkin("2026-W09", status=SKIPPED),
        Checkin("2026-W08", status=AWAY),
    ]
    lines = history_lines(last_weeks(rows, "2026-W10", 12), QUESTIONS)
    assert len(lines) == 13
    assert lines[0].split() == ["Week", "From", "Hands-on", "Crit.path", "Focus", "Energy"]
    assert lines[1].startswith("2026-W10  Mar 02")
    assert "<2 h" in lines[1] and "not sure" in lines[1] and "40%" in lines[1]
    assert lines[1].endswith("✎")  # a note is flagged, never shown
    assert "private" not in "\n".join(lines)
    assert lines[2].endswith("skipped") and lines[3].endswith("away")
    assert lines[4].endswith(NO_DATA)
    assert lines[12].startswith("2025-W51")


def test_summary() -> None:
    assert summary(last_weeks([], "2026-W10", 8), QUESTIONS) == "No check-ins yet."
    rows = [
        week("2026-W09", hands_on="none", energy=20),
        week("2026-W10", critical_path="yes", energy=61),
    ]
    text = summary(last_weeks(rows, "2026-W10", 8), QUESTIONS)
    assert text == (
        "2 check-ins in 8 weeks: hands-on work in 1, on the critical path in 1, average tank 40%."
    )
