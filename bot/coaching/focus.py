"""Focus blocks, as plain data: reading `/pendulum focus set …`, the rules a set of blocks
must follow, and which stored schedule each block uses.

A block is a weekly stretch on one weekday, `start`–`end` local time, ending the same day.
Rules: at most `MAX_BLOCKS`; each ends after it starts; blocks on the same day never overlap
(back to back is fine).

`focus set tue,thu 09:00-11:00` gives two blocks; groups repeat:
`focus set mon-fri 9-10:30, wed 14:00-16:00`. Days: names or abbreviations, comma lists,
ranges (`mon-fri`, wrapping `fri-mon`), `weekdays`, `weekends`, `daily`. Times: 24-hour
`HH:MM` (or `9`, `9.30`, `2pm`); a range is `start-end`, `start–end` or `start to end`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.coaching.when import DAY_ABBREVIATIONS, DAY_NAMES, minutes_of, parse_day, parse_time

MAX_BLOCKS = 10
_GROUPS = {
    "weekdays": (0, 1, 2, 3, 4),
    "workdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "weekend": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
    "everyday": (0, 1, 2, 3, 4, 5, 6),
}
_DASHES = re.compile(r"\s*[-–—]\s*|\s+to\s+|\s+until\s+", re.IGNORECASE)
_AMPM = re.compile(r"(\d)\s+(am|pm)\b", re.IGNORECASE)
FILLER = frozenset({"and", "on", "at", "from", "every", "each", "&"})
EXAMPLE = "`focus set tue,thu 09:00-11:00`"


class FocusError(ValueError):
    """Unreadable or invalid focus blocks; the message names the problem and the fix."""


@dataclass(frozen=True, order=True)
class Block:
    weekday: int  # 0 = Monday
    start: str  # 'HH:MM' local
    end: str  # 'HH:MM' local, after start, same day

    @property
    def start_minutes(self) -> int:
        return minutes_of(self.start)

    @property
    def end_minutes(self) -> int:
        return minutes_of(self.end)

    @property
    def label(self) -> str:
        return f"{DAY_ABBREVIATIONS[self.weekday].capitalize()} {self.start}–{self.end}"

    def overlaps(self, other: Block) -> bool:
        return (
            self.weekday == other.weekday
            and self.start_minutes < other.end_minutes
            and other.start_minutes < self.end_minutes
        )


def _clip(word: str) -> str:
    return word if len(word) <= 40 else word[:39] + "…"


def _days(token: str) -> tuple[int, ...] | None:
    """`tue,thu` / `mon-fri` / `weekdays` → weekdays; None if any part isn't a day."""
    found: list[int] = []
    for part in token.lower().split(","):
        part = part.strip()
        if not part:
            continue
        if part in _GROUPS:
            found.extend(_GROUPS[part])
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = parse_day(first), parse_day(last)
            if a is None or b is None:
                return None
            span = (b - a) % 7
            found.extend((a + i) % 7 for i in range(span + 1))
            continue
        day = parse_day(part)
        if day is None:
            return None
        found.append(day)
    return tuple(found) if found else None


def _range(token: str) -> tuple[str, str] | None:
    """`09:00-11:00` → ('09:00', '11:00'); None if it isn't two times."""
    if "-" not in token:
        return None
    first, _, last = token.partition("-")
    start, end = parse_time(first), parse_time(last)
    if start is None or end is None:
        return None
    return start, end


def _tokens(text: str) -> list[str]:
    text = _AMPM.sub(r"\1\2", text)
    text = _DASHES.sub("-", text.strip())
    text = re.sub(r"\s*,\s*", ",", text)
    # "tue,thu 9-11,fri 14-16": a comma after a time range separates groups
    text = re.sub(r"(\d(?:am|pm)?),(?=\S)", r"\1 ", text, flags=re.IGNORECASE)
    return [t.strip(",") for t in text.split() if t.strip(",")]


def parse_blocks(text: str) -> list[Block]:
    """Read and validate blocks (see the module docstring); FocusError says what's wrong."""
    if len(text) > 500:
        raise FocusError("That's too long for a list of focus blocks.")
    blocks: list[Block] = []
    days: list[int] = []
    for token in _tokens(text):
        if token.lower() in FILLER:
            continue
        span = _range(token)
        if span is not None:
            if not days:
                raise FocusError(
                    f"Which days is {_clip(token)!r} for? Put the days first, like {EXAMPLE}."
                )
            start, end = span
            if minutes_of(end) <= minutes_of(start):
                raise FocusError(
                    f"A focus block has to end after it starts: {start}–{end} doesn't. "
                    "Blocks can't run past midnight."
                )
            for day in dict.fromkeys(days):
                blocks.append(Block(day, start, end))
            days = []
            continue
        found = _days(token)
        if found is not None:
            days.extend(found)
            continue
        if parse_time(token) is not None:
            raise FocusError(
                f"{_clip(token)!r} is one time; a focus block needs a start and an end, "
                f"like {EXAMPLE}."
            )
        raise FocusError(
            f"I couldn't read {_clip(token)!r} as days or a time range. Try {EXAMPLE}."
        )
    if days:
        raise FocusError(f"Give the days a time range too, like {EXAMPLE}.")
    if not blocks:
        raise FocusError(f"Tell me when, like {EXAMPLE}.")
    return validate(blocks)


def validate(blocks: Iterable[Block]) -> list[Block]:
    """Sorted blocks, or FocusError: too many, ending before starting, or overlapping."""
    ordered = sorted(blocks)
    for block in ordered:
        if block.end_minutes <= block.start_minutes:
            raise FocusError(f"{block.label} ends before it starts.")
    for a, b in pairwise(ordered):
        if a.overlaps(b):
            raise FocusError(
                f"{a.label} and {b.label} overlap. Make them one block or move one of them."
            )
    if len(ordered) > MAX_BLOCKS:
        raise FocusError(
            f"That's {len(ordered)} focus blocks; I keep at most {MAX_BLOCKS} a week. "
            "Fewer, longer blocks work better anyway."
        )
    return ordered


def describe(blocks: Sequence[Block]) -> list[str]:
    """One line per distinct time range: `Tuesdays and Thursdays, 09:00–11:00`."""
    by_range: dict[tuple[str, str], list[int]] = {}
    for block in sorted(blocks, key=lambda b: (b.start, b.end, b.weekday)):
        by_range.setdefault((block.start, block.end), []).append(block.weekday)
    lines = []
    for (start, end), days in sorted(by_range.items(), key=lambda kv: (min(kv[1]), kv[0])):
        names = [DAY_NAMES[d].capitalize() + "s" for d in sorted(days)]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        lines.append(f"{joined}, {start}–{end}")
    return lines


# -- which schedule each block uses ----------------------------------------------------------
@dataclass(frozen=True)
class Assignment:
    keep: list[str]  # kinds whose schedule stays as it is
    delete: list[str]  # kinds whose schedule goes
    create: list[tuple[str, Block]]  # new schedules


def assign(
    current: dict[str, Block], wanted: Sequence[Block], pool: Sequence[str], spent: Collection[str]
) -> Assignment:
    """Map the wanted blocks onto stored schedules, one delivery kind each.

    Unchanged blocks keep their schedule. New blocks take a kind from `pool` that no kept
    block uses, preferring kinds not `spent` (already sent or queued this week): a weekly
    kind sends at most once a week, so a reused spent kind would swallow this week's DM."""
    wanted_set = set(wanted)
    keep = [kind for kind, block in current.items() if block in wanted_set]
    kept_blocks = {current[kind] for kind in keep}
    delete = [kind for kind in current if kind not in keep]
    taken = set(keep)
    free = [k for k in pool if k not in taken and k not in spent]
    free += [k for k in pool if k not in taken and k in spent]
    create: list[tuple[str, Block]] = []
    for block in sorted(wanted_set - kept_blocks):
        if not free:
            raise FocusError(f"I keep at most {MAX_BLOCKS} focus blocks a week.")
        create.append((free.pop(0), block))
    return Assignment(keep, delete, create)


def leave_for_later(items: Sequence[str], seed: str) -> str:
    """One thing to set aside, varied by block and day but stable for a given seed."""
    if not items:
        return "Everything that isn't this block's one thing"
    return items[zlib.crc32(seed.encode("utf-8")) % len(items)]
