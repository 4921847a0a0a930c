"""The App Home chart: a real PNG whose bars stand as high as the figures say."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.calendar.chart import (
    FOCUS_COLOUR,
    GOAL_COLOUR,
    HEIGHT,
    MEETING_COLOUR,
    SCALE,
    WIDTH,
    ChartWords,
    bar_slots,
    plot_area,
    render_week_chart,
)
from bot.calendar.model import WeekFigures

WORDS = ChartWords(focus="Focus", meetings="Meetings", goal="Goal")
HOURS = [
    (6.0, 14.0),
    (9.5, 12.0),
    (4.0, 18.0),
    (12.0, 10.0),
    (0.0, 0.0),
    (7.0, 15.5),
    (10.0, 11.0),
    (8.5, 13.0),
]


def weeks(pairs: list[tuple[float, float]]) -> list[WeekFigures]:
    return [
        WeekFigures(date(2026, 1, 5) + timedelta(weeks=i), meeting, focus, 2.0, (), (), ())
        for i, (focus, meeting) in enumerate(pairs)
    ]


def column_height(image: Image.Image, x: int, colour: tuple[int, int, int]) -> int:
    """How many pixels of `colour` stand in column x (the bar's height, at 2x)."""
    rgb = image.convert("RGB")
    return sum(1 for y in range(rgb.height) if rgb.getpixel((x, y)) == colour)


def test_the_bars_stand_as_high_as_the_hours() -> None:
    """With at most 18 h the axis tops at 20 h and the plot is 400 - 48 - 44 = 308 px high
    (1x), so 6 h of focus stands 6/20 × 308 = 92.4 px, 185 px in the 2x image; each bar is
    checked against that scale, within two pixels of rounding."""
    data = weeks(HOURS)
    png = render_week_chart(data, WORDS, goal_hours=8)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (WIDTH * SCALE, HEIGHT * SCALE)
    area = plot_area(data, 8)
    assert area.top_hours == 20
    for (focus_x, meeting_x, width), week in zip(bar_slots(area, len(data)), data, strict=True):
        for x, hours, colour in (
            (focus_x, week.focus_hours, FOCUS_COLOUR),
            (meeting_x, week.meeting_hours, MEETING_COLOUR),
        ):
            expected = (area.bottom - area.y(hours)) * SCALE
            measured = column_height(image, round((x + width / 2) * SCALE), colour)
            assert abs(measured - expected) <= 2, (week.week_start, hours)


def test_the_goal_line_is_drawn_at_the_goal() -> None:
    data = weeks([(0.0, 0.0)] * 8)
    image = Image.open(io.BytesIO(render_week_chart(data, WORDS, goal_hours=8))).convert("RGB")
    area = plot_area(data, 8)

    y = round(area.y(8) * SCALE)
    row = [
        image.getpixel((x, y)) for x in range(round(area.left * SCALE), round(area.right * SCALE))
    ]
    assert row.count(GOAL_COLOUR) > len(row) // 3  # dashed
    no_goal = Image.open(io.BytesIO(render_week_chart(data, WORDS))).convert("RGB")
    assert GOAL_COLOUR not in [no_goal.getpixel((x, y)) for x in range(no_goal.width)]


def test_the_same_figures_make_the_same_image() -> None:
    labels = [f"W{i}" for i in range(8)]
    first = render_week_chart(weeks(HOURS), WORDS, week_labels=labels, goal_hours=8)

    assert render_week_chart(weeks(HOURS), WORDS, week_labels=labels, goal_hours=8) == first
    assert render_week_chart(weeks(HOURS[::-1]), WORDS, week_labels=labels, goal_hours=8) != first


def test_no_weeks_yet_is_still_a_chart() -> None:
    image = Image.open(io.BytesIO(render_week_chart([], WORDS)))

    assert image.size == (WIDTH * SCALE, HEIGHT * SCALE)


def test_one_label_per_week() -> None:
    with pytest.raises(ValueError):
        render_week_chart(weeks(HOURS), WORDS, week_labels=["only one"])
