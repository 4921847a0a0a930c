"""Pure time rules of bot.delivery.timing: DST, local ISO weeks, the grace window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.delivery.timing import (
    Action,
    ScheduleValueError,
    WeeklySlot,
    expires_at,
    first_occurrence_from,
    next_occurrence,
    occurrence_on,
    period_key,
    plan,
    resolve,
    zone,
)

GRACE = timedelta(hours=12)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def occurrences(slot: WeeklySlot, start: datetime, end: datetime) -> list[datetime]:
    out = []
    occ = first_occurrence_from(slot, start)
    while occ.due_at < end:
        out.append(occ.due_at)
        occ = next_occurrence(slot, occ.due_at)
    return out


# -- DST ---------------------------------------------------------------------------------------
FALL_BACK = [
    # zone, fall-back Sunday, ambiguous wall time, its FIRST instant (UTC)
    ("America/New_York", date(2026, 11, 1), "01:30", utc(2026, 11, 1, 5, 30)),  # EDT
    ("Europe/Berlin", date(2026, 10, 25), "02:30", utc(2026, 10, 25, 0, 30)),  # CEST
    ("Australia/Sydney", date(2026, 4, 5), "02:30", utc(2026, 4, 4, 15, 30)),  # AEDT
]
SPRING_FORWARD = [
    # zone, spring-forward Sunday, non-existent wall time, instant (= wall time + 1 h)
    ("America/New_York", date(2026, 3, 8), "02:30", utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
    ("Europe/Berlin", date(2026, 3, 29), "02:30", utc(2026, 3, 29, 1, 30)),  # 03:30 CEST
    ("Australia/Sydney", date(2026, 10, 4), "02:30", utc(2026, 10, 3, 16, 30)),  # 03:30 AEDT
]


@pytest.mark.parametrize(("tz", "day", "hhmm", "first"), FALL_BACK)
def test_fall_back_wall_time_resolves_to_first_occurrence_and_fires_once(
    tz: str, day: date, hhmm: str, first: datetime
) -> None:
    slot = WeeklySlot.parse(6, hhmm, tz)  # Sunday
    assert occurrence_on(slot, day).due_at == first
    # Walking the slot across the whole fall-back week yields that day exactly once …
    around = occurrences(slot, first - timedelta(days=8), first + timedelta(days=8))
    assert [d for d in around if d.astimezone(zone(tz)).date() == day] == [first]
    assert len(around) == 3
    # … and asking for "the next one" from inside the repeated hour skips to next week.
    second_pass = first + timedelta(hours=1)  # same wall time, second fold
    assert second_pass.astimezone(zone(tz)).strftime("%H:%M") == hhmm
    assert next_occurrence(slot, second_pass).local_date == day + timedelta(days=7)


@pytest.mark.parametrize(("tz", "day", "hhmm", "instant"), SPRING_FORWARD)
def test_spring_forward_gap_time_is_shifted_forward_not_dropped(
    tz: str, day: date, hhmm: str, instant: datetime
) -> None:
    slot = WeeklySlot.parse(6, hhmm, tz)
    occ = occurrence_on(slot, day)
    assert occ.due_at == instant
    assert occ.due_at.astimezone(zone(tz)).strftime("%H:%M") == "03:30"
    around = occurrences(slot, instant - timedelta(days=8), instant + timedelta(days=8))
    assert instant in around and len(around) == 3


def test_weekly_slot_keeps_local_time_across_dst_not_utc_interval() -> None:
    slot = WeeklySlot.parse(0, "09:00", "Europe/Berlin")
    dates = occurrences(slot, utc(2026, 3, 20), utc(2026, 4, 10))
    local = [d.astimezone(zone("Europe/Berlin")) for d in dates]
    assert [x.strftime("%a %H:%M") for x in local] == ["Mon 09:00"] * 3
    assert [d.hour for d in dates] == [8, 7, 7]  # UTC shifts by the DST hour, wall time doesn't


def test_resolve_ordinary_time() -> None:
    assert resolve(date(2026, 11, 16), time(9, 0), zone("America/New_York")) == utc(
        2026, 11, 16, 14, 0
    )


# -- periods -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "key"),
    [
        (date(2026, 11, 16), "2026-W47"),
        (date(2026, 12, 31), "2026-W53"),  # 2026 has 53 ISO weeks
        (date(2027, 1, 1), "2026-W53"),  # a Friday in January still belongs to 2026-W53
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
        (date(2024, 12, 30), "2025-W01"),  # a December Monday in next year's week 1
        (date(2021, 1, 3), "2020-W53"),
    ],
)
def test_period_key_is_the_iso_week(day: date, key: str) -> None:
    assert period_key(day) == key


def test_period_follows_the_local_week_not_the_utc_one() -> None:
    # Monday 2027-01-04 09:00 in Auckland is still Sunday 2027-01-03 in UTC (2026-W53).
    slot = WeeklySlot.parse(0, "09:00", "Pacific/Auckland")
    occ = first_occurrence_from(slot, utc(2027, 1, 1))
    assert occ.due_at == utc(2027, 1, 3, 20, 0)
    assert period_key(occ.due_at.date()) == "2026-W53"
    assert period_key(occ.local_date) == "2027-W01"


def test_daily_period() -> None:
    assert period_key(date(2026, 1, 1), "day") == "2026-01-01"


# -- grace -----------------------------------------------------------------------------------------
def monday_9_berlin() -> WeeklySlot:
    return WeeklySlot.parse(0, "09:00", "Europe/Berlin")


MONDAY_9 = utc(2026, 11, 16, 8, 0)  # 09:00 CET


def test_due_occurrence_is_sent() -> None:
    p = plan(monday_9_berlin(), MONDAY_9, MONDAY_9, GRACE)
    assert [s.action for s in p.steps] == [Action.SEND]
    assert p.next_due_at == MONDAY_9 + timedelta(days=7)


def test_nothing_due_before_the_time() -> None:
    p = plan(monday_9_berlin(), MONDAY_9, MONDAY_9 - timedelta(seconds=1), GRACE)
    assert p.steps == [] and p.next_due_at == MONDAY_9


def test_late_same_day_within_grace_is_sent() -> None:
    p = plan(monday_9_berlin(), MONDAY_9, MONDAY_9 + timedelta(hours=11, minutes=59), GRACE)
    assert [s.action for s in p.steps] == [Action.SEND]


def test_late_beyond_grace_is_missed() -> None:
    p = plan(monday_9_berlin(), MONDAY_9, MONDAY_9 + timedelta(hours=12, minutes=1), GRACE)
    assert [s.action for s in p.steps] == [Action.MISSED]


def test_next_local_day_is_missed_even_within_grace() -> None:
    slot = WeeklySlot.parse(0, "23:00", "Europe/Berlin")
    due = first_occurrence_from(slot, MONDAY_9).due_at
    p = plan(slot, due, due + timedelta(hours=1, minutes=30), GRACE)  # Tuesday 00:30
    assert [s.action for s in p.steps] == [Action.MISSED]
    p = plan(slot, due, due + timedelta(minutes=59), GRACE)  # Monday 23:59
    assert [s.action for s in p.steps] == [Action.SEND]


def test_never_a_monday_tip_on_thursday() -> None:
    thursday = MONDAY_9 + timedelta(days=3)
    p = plan(monday_9_berlin(), MONDAY_9, thursday, GRACE)
    assert [s.action for s in p.steps] == [Action.MISSED]
    assert p.next_due_at == MONDAY_9 + timedelta(days=7)


def test_long_outage_records_each_missed_week_and_sends_only_today() -> None:
    now = MONDAY_9 + timedelta(days=21, hours=2)
    p = plan(monday_9_berlin(), MONDAY_9, now, GRACE)
    assert [s.action for s in p.steps] == [Action.MISSED] * 3 + [Action.SEND]
    assert [s.occurrence.local_date.isoformat() for s in p.steps] == [
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
        "2026-12-07",
    ]


def test_expiry_is_the_earlier_of_grace_and_end_of_local_day() -> None:
    slot = monday_9_berlin()
    occ = occurrence_on(slot, date(2026, 11, 16))
    assert expires_at(occ, slot.tz, GRACE) == occ.due_at + GRACE
    assert expires_at(occ, slot.tz, timedelta(hours=20)) == utc(2026, 11, 16, 22, 59, 59)


def test_pause_and_skip_dates() -> None:
    slot = monday_9_berlin()
    now = MONDAY_9 + timedelta(days=14, minutes=1)
    p = plan(
        slot,
        MONDAY_9,
        now,
        timedelta(days=30),
        paused_until=date(2026, 11, 23),
        skip_dates=frozenset({date(2026, 11, 23)}),
    )
    assert [s.action for s in p.steps] == [Action.PAUSED, Action.SKIPPED, Action.SEND]


# -- validation and speed ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weekday", "hhmm", "tz"),
    [(7, "09:00", "UTC"), (0, "9:00", "UTC"), (0, "24:00", "UTC"), (0, "09:00", "Mars/Base")],
)
def test_bad_slots_are_refused_with_the_value(weekday: int, hhmm: str, tz: str) -> None:
    with pytest.raises(ScheduleValueError) as info:
        WeeklySlot.parse(weekday, hhmm, tz)
    assert any(v in str(info.value) for v in (str(weekday), hhmm, tz))


def test_planning_ten_thousand_schedules_moves_every_cursor_forward() -> None:
    """Speed is measured by the benchmark (docs/BENCHMARKS.md), not asserted here."""
    zones = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC"]
    slots = [
        WeeklySlot.parse(i % 7, f"{(i // 7) % 24:02d}:{i % 60:02d}", zones[i % len(zones)])
        for i in range(10_000)
    ]
    now = utc(2026, 11, 16, 12, 0)
    cursors = [next_occurrence(s, now - timedelta(days=7)).due_at for s in slots]
    plans = [plan(s, c, now, GRACE) for s, c in zip(slots, cursors, strict=True)]
    assert all(p.next_due_at > now for p in plans)
