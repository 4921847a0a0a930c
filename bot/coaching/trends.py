"""Recent weeks of check-ins as compact, monospace text: the App Home charts and the
`/pendulum history` table. Pure: weeks in, lines of text out.

Cells: `·` no check-in that week, `–` skipped or away; hands-on and energy are drawn as
bars (`▁`…`█`), focus blocks as numbers, the critical path as `●` yes, `○` no, `?` not sure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.coaching.checkin_rules import Checkin, Questions, period_start, shift_period

BARS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
NOT_ANSWERED = "–"
CRITICAL = {"yes": "●", "no": "○", "unsure": "?"}
CHART_WEEKS = 8
HISTORY_WEEKS = 12
SHORT_HANDS_ON = {
    "none": "none",
    "lt2": "<2 h",
    "2to5": "2-5 h",
    "5to10": "5-10 h",
    "gt10": ">10 h",
}
LEGEND = (
    f"{NO_DATA} no check-in   {NOT_ANSWERED} skipped or away   "
    f"{CRITICAL['yes']} on the critical path   {CRITICAL['no']} not   {CRITICAL['unsure']} not sure"
)


@dataclass(frozen=True)
class Week:
    period: str
    checkin: Checkin | None

    @property
    def answered(self) -> bool:
        return self.checkin is not None and self.checkin.answered

    @property
    def number(self) -> str:
        return self.period[-2:]


def last_weeks(checkins: Iterable[Checkin], current_period: str, count: int) -> list[Week]:
    """The `count` weeks ending with `current_period`, oldest first."""
    by_period = {c.period: c for c in checkins}
    periods = [shift_period(current_period, -i) for i in range(count - 1, -1, -1)]
    return [Week(p, by_period.get(p)) for p in periods]


def bar(value: float, top: float) -> str:
    if top <= 0:
        return BARS[0]
    index = round(max(0.0, min(value, top)) / top * (len(BARS) - 1))
    return BARS[index]


def _cell(week: Week, answered: str) -> str:
    if week.checkin is None:
        return NO_DATA
    if not week.checkin.answered:
        return NOT_ANSWERED
    return answered


def hands_on_cell(week: Week, questions: Questions) -> str:
    if not week.answered or week.checkin is None:
        return _cell(week, "")
    level = questions.hands_on_level(week.checkin.hands_on)
    top = max(len(questions["hands_on"].options) - 1, 1)
    return "?" if level is None else bar(level, top)


def critical_cell(week: Week) -> str:
    value = week.checkin.critical_path if week.checkin else None
    return _cell(week, CRITICAL.get(value or "", "?"))


def focus_cell(week: Week) -> str:
    value = week.checkin.focus_blocks if week.checkin else None
    return _cell(week, "?" if value is None else str(value))


def energy_cell(week: Week) -> str:
    value = week.checkin.energy if week.checkin else None
    return _cell(week, "?" if value is None else bar(value, 100))


def _row(label: str, cells: Sequence[str], tail: str = "") -> str:
    body = "".join(c.rjust(3) for c in cells)
    return f"{label:<11}{body}{'   ' + tail if tail else ''}".rstrip()


def latest_answered(weeks: Sequence[Week]) -> Checkin | None:
    for week in reversed(weeks):
        if week.answered:
            return week.checkin
    return None


def chart_lines(weeks: Sequence[Week], questions: Questions) -> list[str]:
    """Four rows (hands-on, critical path, focus, energy) under a row of ISO week numbers."""
    latest = latest_answered(weeks)
    hands_tail = energy_tail = focus_tail = ""
    if latest is not None:
        hands_tail = f"latest: {short_hands_on(latest.hands_on, questions)}"
        focus_tail = f"latest: {latest.focus_blocks}"
        energy_tail = f"latest: {latest.energy}%"
    return [
        _row("Week", [w.number for w in weeks]),
        _row("Hands-on", [hands_on_cell(w, questions) for w in weeks], hands_tail),
        _row("Crit. path", [critical_cell(w) for w in weeks]),
        _row("Focus", [focus_cell(w) for w in weeks], focus_tail),
        _row("Energy", [energy_cell(w) for w in weeks], energy_tail),
    ]


def short_hands_on(value: str | None, questions: Questions) -> str:
    if value in SHORT_HANDS_ON:
        return SHORT_HANDS_ON[value]
    label = questions["hands_on"].label_for(value)
    return label if len(label) <= 10 else label[:9] + "…"


_CRITICAL_WORDS = {"yes": "yes", "no": "no", "unsure": "not sure"}


def history_lines(weeks: Sequence[Week], questions: Questions) -> list[str]:
    """A table, newest week first: week, dates, hands-on, critical path, focus, energy."""
    lines = [f"{'Week':<9} {'From':<6} {'Hands-on':<9} {'Crit.path':<9} {'Focus':>5} {'Energy':>6}"]
    for week in reversed(weeks):
        start = period_start(week.period).strftime("%b %d")
        head = f"{week.period:<9} {start:<6}"
        item = week.checkin
        if item is None:
            lines.append(f"{head} {NO_DATA}")
        elif not item.answered:
            lines.append(f"{head} {'away' if item.status == 'away' else 'skipped'}")
        else:
            crit = _CRITICAL_WORDS.get(item.critical_path or "", "?")
            mark = "  ✎" if item.note else ""
            lines.append(
                f"{head} {short_hands_on(item.hands_on, questions):<9} {crit:<9} "
                f"{item.focus_blocks!s:>5} {str(item.energy) + '%':>6}{mark}"
            )
    return lines


def summary(weeks: Sequence[Week], questions: Questions) -> str:
    """One plain sentence about the weeks shown (for screen readers and notifications)."""
    answered = [w.checkin for w in weeks if w.answered and w.checkin is not None]
    if not answered:
        return "No check-ins yet."
    none = questions.none_value
    hands = sum(1 for c in answered if c.hands_on != none)
    critical = sum(1 for c in answered if c.critical_path == "yes")
    energies = [c.energy for c in answered if c.energy is not None]
    average = round(sum(energies) / len(energies)) if energies else 0
    return (
        f"{len(answered)} check-in{'s' if len(answered) != 1 else ''} in {len(weeks)} weeks: "
        f"hands-on work in {hands}, on the critical path in {critical}, "
        f"average tank {average}%."
    )
