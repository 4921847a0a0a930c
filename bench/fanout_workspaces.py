"""Benchmark 2b: fan-outs due at the same minute in two workspaces.

Each workspace has its own Slack limits, so a big fan-out in one must not hold the other's
sends. The delivery engine runs in-process (its lanes, pacer, ledger and people cache, with
a check-in-like composer) against two stand-in workspaces that each enforce Slack's limits
with the emulator's own limiter (`slack_emulator.limits`: chat.postMessage ≈ 1/s per channel,
300 per minute per workspace as a bucket that starts full, every other method by its tier),
answering 429 with Retry-After as Slack does. Workspace A has `big` recipients, B `small`,
all due at once.

Reported per workspace: when its first and last DM went out, against the posting bound of
that workspace alone (`fanout.minimum_seconds`: Slack's bucket, which starts full) and
against what Pendulum's own pacer allows one workspace alone (`paced_seconds`: its
conservative workspace rate, 5 a second after a burst of 10); and the whole run against the
larger bound (1.0× = the two ran fully in parallel; one after the other could not beat the
sum of the two).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bench.fanout import minimum_seconds
from bench.workspace import seed_checkins, user_ids
from bot.clock import SystemClock
from bot.delivery.engine import DeliveryEngine
from bot.delivery.model import OutgoingMessage, Schedule
from bot.delivery.pacing import RateLimits as PacerLimits
from bot.delivery.people import PeopleService
from bot.delivery.timing import Occurrence
from bot.store.db import Store
from slack_emulator.limits import RateLimits

TEAM_A, TEAM_B = "T0BIGFANOUT", "T0SMALLTEAM"


def _error(method: str, error: str, status: int, retry_after: int | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url=f"https://slack.test/api/{method}",
        req_args={},
        data={"ok": False, "error": error},
        headers={"Retry-After": str(retry_after)} if retry_after else {},
        status_code=status,
    )
    return SlackApiError(f"The request to the Slack API failed: {error}", response)  # type: ignore[no-untyped-call]


class StandInWorkspace:
    """The Web API methods the engine calls, with Slack's limits for one workspace."""

    def __init__(self, team_id: str, users: list[str], per_minute: int) -> None:
        self.team_id = team_id
        self.users = users
        self.limits = RateLimits(enabled=True, workspace_per_minute=per_minute)
        self.lock = threading.Lock()
        self.posts: list[tuple[float, str, str]] = []  # (monotonic, channel, ledger key)
        self.limited = 0
        self.limited_by: Counter[str] = Counter()  # 429s by method
        self._ts = 0

    def _check(self, method: str, channel: str | None = None) -> None:
        wait = self.limits.check(method, channel)
        if wait is not None:
            with self.lock:
                self.limited += 1
                self.limited_by[method] += 1
            raise _error(method, "ratelimited", 429, wait)

    def chat_postMessage(self, **args: Any) -> dict[str, Any]:
        channel = str(args["channel"])
        self._check("chat.postMessage", channel)
        key = str(((args.get("metadata") or {}).get("event_payload") or {}).get("key"))
        with self.lock:
            self._ts += 1
            self.posts.append((time.monotonic(), channel, key))
            ts = f"{1_700_000_000 + self._ts}.000100"
        return {"ok": True, "channel": channel, "ts": ts}

    def users_list(self, **args: Any) -> dict[str, Any]:
        self._check("users.list")
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 200)
        page = self.users[start : start + limit]
        members = [{"id": u, "tz": "UTC", "deleted": False, "profile": {}} for u in page]
        more = start + limit < len(self.users)
        return {
            "members": members,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def users_info(self, **args: Any) -> dict[str, Any]:
        self._check("users.info")
        return {"user": {"id": args["user"], "tz": "UTC", "deleted": False, "profile": {}}}

    def conversations_history(self, **args: Any) -> dict[str, Any]:
        self._check("conversations.history")
        return {"messages": [], "has_more": False}

    def conversations_open(self, **args: Any) -> dict[str, Any]:
        self._check("conversations.open")
        return {"channel": {"id": "D" + str(args["users"])[1:]}}


def paced_seconds(n: int) -> float:
    """When the pacer's last slot for `n` posts in one workspace falls (GCRA: a burst, then
    the steady rate)."""
    rate = PacerLimits().workspace
    return max(0, n - rate.burst) / rate.per_second


def _compose(schedule: Schedule, occ: Occurrence) -> OutgoingMessage:
    text = f"Your check-in for {occ.local_date:%G-W%V} is ready."
    return {
        "channel": schedule.target,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def run(
    workdir: Path,
    *,
    big: int = 1500,
    small: int = 300,
    workspace_per_minute: int = 300,
    timeout: float = 3600,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "pendulum.db"
    users = {TEAM_A: user_ids(big, prefix="U0BIG"), TEAM_B: user_ids(small, prefix="U0SML")}
    for team_id, ids in users.items():
        seed_checkins(db_path, ids, team_id=team_id)
    slack = {t: StandInWorkspace(t, ids, workspace_per_minute) for t, ids in users.items()}
    store = Store(db_path)
    clock = SystemClock()
    people = PeopleService(store, clock, lambda team_id: slack[team_id])  # type: ignore[arg-type,return-value]
    engine = DeliveryEngine(
        store,
        lambda team_id: slack[team_id],  # type: ignore[arg-type,return-value]
        clock,
        {"checkin": _compose},
        people=people,
        grace=timedelta(hours=12),
    )
    began = time.monotonic()
    try:
        engine.tick(wait=False)
        last_report = began
        while any(len(s.posts) < len(users[t]) for t, s in slack.items()):
            now = time.monotonic()
            if now - began > timeout:
                raise TimeoutError("the two fan-outs did not finish")
            if now - last_report >= 60:
                last_report = now
                done = ", ".join(f"{t}: {len(s.posts)}/{len(users[t])}" for t, s in slack.items())
                log(f"  two workspaces: {done} after {now - began:.0f} s")
            time.sleep(0.25)
        wall = time.monotonic() - began
        time.sleep(1.0)  # anything still in flight would show up as a duplicate
    finally:
        engine.close()
        store.close()
    per_workspace = {}
    for team_id, stand_in in slack.items():
        keys = [key for _, _, key in stand_in.posts]
        times = [at - began for at, _, _ in stand_in.posts]
        bound = minimum_seconds(len(users[team_id]), workspace_per_minute)
        per_workspace[team_id] = {
            "recipients": len(users[team_id]),
            "first_dm_seconds": min(times),
            "last_dm_seconds": max(times),
            "minimum_seconds": bound,
            "ratio": max(times) / bound if bound else float("nan"),
            "paced_seconds": paced_seconds(len(users[team_id])),
            "duplicated": len(keys) - len(set(keys)),
            "lost": len(set(users[team_id]) - {channel for _, channel, _ in stand_in.posts}),
            "rate_limited": stand_in.limited,
        }
    floor = max(w["minimum_seconds"] for w in per_workspace.values())
    paced = max(w["paced_seconds"] for w in per_workspace.values())
    return {
        "workspace_per_minute": workspace_per_minute,
        "wall_seconds": wall,
        "minimum_seconds": floor,
        "ratio": wall / floor if floor else float("nan"),
        "paced_seconds": paced,
        "paced_ratio": wall / paced if paced else float("nan"),
        # one workspace after the other could not beat the sum of the two
        "serial_minimum_seconds": sum(w["minimum_seconds"] for w in per_workspace.values()),
        "serial_paced_seconds": sum(w["paced_seconds"] for w in per_workspace.values()),
        "workspaces": per_workspace,
    }
