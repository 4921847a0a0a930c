"""Reading days, times, dates, time zones and channel references out of command words.

Pure and forgiving: `tue`, `Tuesdays`, `9:30`, `9.30am`, `15h`, `europe/berlin`,
`<#C123|team>`. Every reader returns None for a word it can't read; callers decide what an
unreadable word means and say so (naming the word and the form they expected). Shared by
`/pendulum remind` (bot/coaching/tips.py), `/pendulum focus` (bot/coaching/focus.py) and
check-in enrolment (`parse_when`, `parse_pause_until` below).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, timedelta
from functools import lru_cache

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_ABBREVIATIONS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "tues": 1,
    "wednes": 2,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
    "mo": 0,
    "tu": 1,
    "we": 2,
    "th": 3,
    "fr": 4,
    "sa": 5,
    "su": 6,
}
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?h?\s*(am|pm)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# With `should_escape: true` Slack sends a channel as <#C123|name> (name may be empty).
_CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]{2,30})(?:\|[^<>]*)?>$")
MAX_WORD = 64


def parse_day(word: str) -> int | None:
    """`mon`, `Monday`, `mondays`, `tues` → 0..6 (Monday = 0)."""
    word = word.strip().lower().rstrip(".,")
    if not 2 <= len(word) <= 12:
        return None
    if word in _DAY_ALIASES:
        return _DAY_ALIASES[word]
    for index, name in enumerate(DAY_NAMES):
        if word == name + "s" or (len(word) >= 3 and name.startswith(word)):
            return index
    return None


def parse_time(word: str) -> str | None:
    """`15:00`, `9:30`, `9`, `3pm`, `9.30am`, `15h30` → 'HH:MM' (24-hour); None otherwise."""
    if len(word) > 10:
        return None
    match = _TIME.match(word.strip().lower())
    if match is None:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def minutes_of(local_time: str) -> int:
    """'HH:MM' → minutes since midnight."""
    hours, minutes = local_time.split(":")
    return int(hours) * 60 + int(minutes)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_date(word: str) -> date | None:
    """`2026-12-24` → a date; None for anything else (including impossible dates)."""
    if not _DATE.match(word):
        return None
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_tz(word: str) -> str | None:
    """An IANA zone name in any letter case (`europe/berlin` → 'Europe/Berlin'), or `UTC`."""
    if not 2 <= len(word) <= MAX_WORD:
        return None
    lowered = word.lower()
    if lowered in ("utc", "gmt", "z"):
        return "UTC"
    if "/" not in lowered:
        return None  # bare abbreviations (EST, CET) are ambiguous or not IANA zones
    return _zones().get(lowered)


def parse_channel(word: str) -> str | None:
    """`<#C123|team>` or `<#C123>` (what Slack sends with should_escape) → 'C123'; None for
    anything else (a plain `#team` can't be resolved to a channel safely)."""
    if len(word) > 120:
        return None
    match = _CHANNEL_REF.match(word)
    return match.group(1) if match else None


def looks_like_channel(word: str) -> bool:
    """A word the person meant as a channel (`#team`, `<#…>`), readable or not."""
    return word.startswith(("#", "<#"))


def split_words(text: str) -> list[str]:
    """Words, with `3 pm` joined to `3pm` and commas outside channel references as spaces."""
    words: list[str] = []
    for raw in text.split():
        parts = [raw] if raw.startswith("<#") else raw.replace(",", " ").split()
        for part in parts:
            if part.lower() in ("am", "pm") and words and parse_time(words[-1] + part):
                words[-1] += part.lower()
            else:
                words.append(part)
    return words


# -- enrolment -----------------------------------------------------------------------------
DEFAULT_WEEKDAY = 4  # Friday
DEFAULT_TIME = "15:00"


class WhenError(ValueError):
    """A day or time the user typed could not be read; the message says what would work."""


def parse_when(text: str) -> tuple[int | None, str | None]:
    """`[day] [time]` in either order (both optional) → (weekday 0=Monday, 'HH:MM')."""
    words = text.replace(",", " ").split()
    # "3 pm" → "3pm"
    merged: list[str] = []
    for word in words:
        if word.lower() in ("am", "pm") and merged:
            merged[-1] += word.lower()
        else:
            merged.append(word)
    weekday: int | None = None
    local_time: str | None = None
    for word in merged:
        if word.lower() in ("at", "on", "every", "each"):
            continue
        # Enrolment wants at least three letters of a day ("fr" is refused), unlike
        # `remind`/`focus`, which also take the two-letter forms.
        day = parse_day(word) if len(word) >= 3 else None
        if day is not None and weekday is None:
            weekday = day
            continue
        clock = parse_time(word)
        if clock is not None and local_time is None:
            local_time = clock
            continue
        raise WhenError(
            f"I couldn't read {word!r} as a day or a time. Try a day like `friday` and a "
            "24-hour time like `15:00` (or `3pm`)."
        )
    return weekday, local_time


def parse_pause_until(text: str, today: date) -> date:
    """`until YYYY-MM-DD` (or just the date) → a local date after today, within a year."""
    words = text.split()
    if words and words[0].lower() == "until":
        words = words[1:]
    if len(words) != 1:
        raise WhenError("Tell me when to resume, like `pause until 2026-08-31`.")
    try:
        day = date.fromisoformat(words[0])
    except ValueError as exc:
        raise WhenError(
            f"I couldn't read {words[0]!r} as a date. Use YYYY-MM-DD, like `2026-08-31`."
        ) from exc
    if day <= today:
        raise WhenError(f"{day.isoformat()} isn't in the future. Pick a later date.")
    if day > today + timedelta(days=366):
        raise WhenError("I can pause for up to a year. Pick an earlier date, or turn it off.")
    return day
