"""What the app will send next, read from its own tables, and moving the clock to it.

The delivery engine keeps everything it will ever send in SQLite: weekly schedules
(`schedules.next_due_at` is the instant of the next occurrence) and one-off sends queued in
the ledger (`deliveries` rows still `pending`, e.g. a check-in reminder). The workbench only
reads these; the app's own scheduler tick does the sending once the clock has moved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.delivery.timing import ScheduleValueError, local_date_of, parse_utc, utc_text, zone
from bot.store.inspect import LedgerReader
from workbench.clock import MovableClock

KIND_LABELS = {
    "checkin": "Weekly check-in",
    "checkin_reminder": "Check-in reminder",
    "checkin_later": "Check-in (remind me later)",
    "checkin_followup": "Check-in follow-up",
    "checkin_adhoc": "Check-in",
    "nudge": "Nudge",
    "focus": "Focus block",
    "focus_block": "Focus block",
    "focus_blocks": "Focus block",
    "tip": "Channel tip",
    "tips": "Channel tip",
    "channel_tip": "Channel tip",
    "notice": "Notice",
    "milestone": "Milestone",
}
SETTLE_TIMEOUT = 15.0


def kind_label(kind: str) -> str:
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    if kind.startswith("focus_"):  # focus_1, focus_2…: one schedule per weekly focus block
        return "Focus block"
    return kind.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Upcoming:
    """One send the app will make (unless it decides there is nothing to say then)."""

    due_at: datetime
    kind: str
    target: str
    source: str  # "schedule" (a weekly schedule) or "queued" (a one-off in the ledger)
    tz: str | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "due_at": utc_text(self.due_at),
            "kind": self.kind,
            "label": kind_label(self.kind),
            "target": self.target,
            "source": self.source,
            "tz": self.tz,
            "note": self.note,
        }


@dataclass(frozen=True)
class Outcome:
    """What happened to one ledger row while the clock moved."""

    kind: str
    target: str
    status: str
    due_at: str
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": kind_label(self.kind),
            "target": self.target,
            "status": self.status,
            "due_at": self.due_at,
            "error": self.error,
        }


class Timeline:
    """Reads the app's schedule and ledger tables through bot.store.inspect's read-only
    connection (the app's per-thread connections belong to the app's threads)."""

    def __init__(self, db_path: Path, clock: MovableClock) -> None:
        self.clock = clock
        self._ledger = LedgerReader(db_path)

    def close(self) -> None:
        self._ledger.close()

    def upcoming(self, limit: int = 8) -> list[Upcoming]:
        """The next sends, soonest first."""
        found: list[Upcoming] = []
        skips: dict[int, set[str]] = {}
        for row in self._ledger.skips():
            skips.setdefault(int(row["schedule_id"]), set()).add(str(row["local_date"]))
        for row in self._ledger.next_schedules(limit):
            due = parse_utc(row["next_due_at"])
            found.append(
                Upcoming(
                    due,
                    str(row["kind"]),
                    str(row["target"]),
                    "schedule",
                    str(row["tz"]),
                    _schedule_note(row, due, skips.get(int(row["id"]), set())),
                )
            )
        for row in self._ledger.pending_sends(limit):
            found.append(
                Upcoming(parse_utc(row["due_at"]), str(row["kind"]), str(row["target"]), "queued")
            )
        found.sort(key=lambda u: u.due_at)
        return found[:limit]

    def statuses(self) -> dict[str, str]:
        return self._ledger.statuses()

    def settled(self) -> bool:
        """Nothing due is left for the tick: every schedule's cursor is in the future and
        every ledger row due by now is sent, skipped or failed."""
        now = utc_text(self.clock.now())
        return self._ledger.due_schedules(now) == 0 and self._ledger.open_due(now) == 0

    def changes_since(self, before: dict[str, str]) -> list[Outcome]:
        out = []
        for row in self._ledger.deliveries():
            if before.get(str(row["key"])) != row["status"]:
                out.append(
                    Outcome(
                        str(row["kind"]),
                        str(row["target"]),
                        str(row["status"]),
                        str(row["due_at"]),
                        row["error"],
                    )
                )
        return out

    # -- moving the clock --------------------------------------------------------------------
    def wait_settled(
        self, timeout: float = SETTLE_TIMEOUT, sleep: Callable[[float], None] = time.sleep
    ) -> bool:
        deadline = time.monotonic() + timeout
        while not self.settled():
            if time.monotonic() >= deadline:
                return False
            sleep(0.05)
        # one more beat: the tick may still be recording what it just sent
        sleep(0.05)
        return True

    def jump_to_next(self) -> dict[str, Any]:
        """Move the clock to the next send and wait for the app's tick to make it."""
        upcoming = self.upcoming(1)
        if not upcoming:
            return {
                "ok": False,
                "error": "Nothing is scheduled yet. Try `/pendulum checkin on` first.",
            }
        return self._move(upcoming[0].due_at, upcoming[0])

    def advance(self, delta: timedelta) -> dict[str, Any]:
        """Move the clock forward by `delta`, stopping at every send on the way so the app
        makes each one on time instead of finding it missed."""
        if delta <= timedelta(0):
            return {"ok": False, "error": "Only forward, please."}
        target = self.clock.now() + delta
        outcomes: list[dict[str, Any]] = []
        settled = True
        for _ in range(200):
            nxt = self.upcoming(1)
            if not nxt or nxt[0].due_at > target:
                break
            result = self._move(nxt[0].due_at, nxt[0])
            outcomes.extend(result["outcomes"])
            if not result["settled"]:
                settled = False
                break
        before = self.statuses()
        self.clock.jump_to(target)
        settled = self.wait_settled() and settled
        outcomes.extend(o.to_json() for o in self.changes_since(before))
        return {
            "ok": True,
            "now": utc_text(self.clock.now()),
            "outcomes": outcomes,
            "settled": settled,
        }

    def _move(self, instant: datetime, reason: Upcoming) -> dict[str, Any]:
        before = self.statuses()
        self.clock.jump_to(instant + timedelta(seconds=1))
        settled = self.wait_settled()
        return {
            "ok": True,
            "now": utc_text(self.clock.now()),
            "reason": reason.to_json(),
            "outcomes": [o.to_json() for o in self.changes_since(before)],
            "settled": settled,
        }


def _schedule_note(row: dict[str, Any], due: datetime, skipped: set[str]) -> str:
    if row.get("paused_reason") and not row.get("paused_until"):
        return "paused"
    try:
        local = local_date_of(due, zone(str(row["tz"])))
    except ScheduleValueError:
        return ""
    if local.isoformat() in skipped:
        return "skipped by its owner"
    until = row.get("paused_until")
    if until and local < date.fromisoformat(str(until)):
        return f"paused until {until}"
    return ""
