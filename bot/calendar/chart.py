"""The App Home chart: focus and meeting hours of the last weeks as a PNG (pure: figures in,
bytes out).

The words on the chart (legend, goal, week labels) come from the caller, who takes them from
`prompts/`; the same figures go out as text next to the image for screen readers.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from bot.calendar.model import WeekFigures

WIDTH, HEIGHT = 800, 400
SCALE = 2  # drawn at twice the size, so it stays sharp on high-density screens
# Okabe–Ito colours: told apart with every common colour-vision deficiency.
FOCUS_COLOUR = (0, 114, 178)
MEETING_COLOUR = (230, 159, 0)
GOAL_COLOUR = (90, 90, 90)
AXIS_COLOUR = (200, 200, 200)
TEXT_COLOUR = (40, 40, 40)
BACKGROUND = (255, 255, 255)

_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 24, 48, 44  # plot margins, in 1x pixels
_Scale = Callable[[float], int]


@dataclass(frozen=True)
class ChartWords:
    focus: str  # legend entry for focus hours
    meetings: str  # legend entry for meeting hours
    goal: str = ""  # label of the goal line; empty: no label
    hours_suffix: str = " h"  # after the numbers on the axis


@dataclass(frozen=True)
class PlotArea:
    """Where the bars go, in 1x pixels (exposed so tests can read the image)."""

    left: int
    top: int
    right: int
    bottom: int
    top_hours: float

    def y(self, hours: float) -> float:
        return self.bottom - (self.bottom - self.top) * hours / self.top_hours


def plot_area(weeks: Sequence[WeekFigures], goal_hours: float | None) -> PlotArea:
    highest = max(
        [w.focus_hours for w in weeks] + [w.meeting_hours for w in weeks] + [goal_hours or 0, 1]
    )
    return PlotArea(
        left=_LEFT,
        top=_TOP,
        right=WIDTH - _RIGHT,
        bottom=HEIGHT - _BOTTOM,
        top_hours=_tick_step(highest) * math.ceil(highest / _tick_step(highest)),
    )


def bar_slots(area: PlotArea, count: int) -> list[tuple[float, float, float]]:
    """Per week: (focus bar left, meeting bar left, bar width), in 1x pixels."""
    if count == 0:
        return []
    slot = (area.right - area.left) / count
    bar = min(36.0, slot * 0.32)
    slots = []
    for index in range(count):
        middle = area.left + slot * (index + 0.5)
        slots.append((middle - bar - 2, middle + 2, bar))
    return slots


def render_week_chart(
    weeks: Sequence[WeekFigures],
    words: ChartWords,
    *,
    week_labels: Sequence[str] | None = None,
    goal_hours: float | None = None,
) -> bytes:
    """A grouped bar chart (focus, meetings) per week, oldest first, as PNG bytes."""
    labels = list(week_labels) if week_labels is not None else [_default_label(w) for w in weeks]
    if len(labels) != len(weeks):
        raise ValueError("one label per week")
    area = plot_area(weeks, goal_hours)
    image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=13 * SCALE)

    def s(value: float) -> int:
        return round(value * SCALE)

    step = _tick_step(area.top_hours)
    tick = 0.0
    while tick <= area.top_hours + 1e-9:
        y = area.y(tick)
        draw.line([(s(area.left), s(y)), (s(area.right), s(y))], fill=AXIS_COLOUR, width=SCALE)
        text = f"{_number(tick)}{words.hours_suffix}"
        draw.text((s(area.left - 8), s(y)), text, fill=TEXT_COLOUR, font=font, anchor="rm")
        tick += step

    for (focus_x, meeting_x, width), week, label in zip(
        bar_slots(area, len(weeks)), weeks, labels, strict=True
    ):
        for x, hours, colour in (
            (focus_x, week.focus_hours, FOCUS_COLOUR),
            (meeting_x, week.meeting_hours, MEETING_COLOUR),
        ):
            if hours > 0:
                box = [(s(x), s(area.y(hours))), (s(x + width) - 1, s(area.bottom))]
                draw.rectangle(box, fill=colour)
        middle = (focus_x + meeting_x + width) / 2
        draw.text((s(middle), s(area.bottom + 8)), label, fill=TEXT_COLOUR, font=font, anchor="mt")

    if goal_hours:
        y = s(area.y(goal_hours))
        for x in range(s(area.left), s(area.right), 12 * SCALE):
            draw.line(
                [(x, y), (min(x + 7 * SCALE, s(area.right)), y)], fill=GOAL_COLOUR, width=SCALE
            )

    _legend(draw, font, words, s, with_goal=bool(goal_hours))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _legend(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    words: ChartWords,
    s: _Scale,
    *,
    with_goal: bool,
) -> None:
    x = float(_LEFT)
    for colour, text in ((FOCUS_COLOUR, words.focus), (MEETING_COLOUR, words.meetings)):
        draw.rectangle([(s(x), s(16)), (s(x + 14), s(30))], fill=colour)
        draw.text((s(x + 20), s(23)), text, fill=TEXT_COLOUR, font=font, anchor="lm")
        x += 20 + draw.textlength(text, font=font) / SCALE + 24
    if with_goal and words.goal:
        for dash in (0, 12):
            draw.line(
                [(s(x + dash), s(23)), (s(x + dash + 7), s(23))], fill=GOAL_COLOUR, width=SCALE
            )
        draw.text((s(x + 26), s(23)), words.goal, fill=TEXT_COLOUR, font=font, anchor="lm")


def _tick_step(highest: float) -> float:
    for step in (1, 2, 5, 10, 20, 50):
        if highest / step <= 6:
            return float(step)
    return 100.0


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _default_label(week: WeekFigures) -> str:
    return week.week_start.isoformat()[5:]  # "03-02": callers pass localised labels
