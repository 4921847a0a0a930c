"""Prometheus metrics at `GET /metrics` (text exposition format 0.0.4), hand-written: a few
thread-safe counters, one histogram, and gauges computed when scraped. No dependency.

What is exported:

- `pendulum_slack_requests_total{kind,status}`: Slack requests handled (HTTP or Socket Mode).
- `pendulum_commands_total{subcommand}`: `/pendulum` commands handled, by subcommand (words the
  router does not know count as `other`, so user text never becomes a label).
- `pendulum_ack_latency_seconds{kind}`: time from receiving a request to acking it.
- `pendulum_deliveries_total{outcome}`: scheduled sends by outcome (sent, failed, skipped,
  deferred, unsure, busy) and `pendulum_delivery_retries_total`: sends put back for a later
  attempt (deferred after 429/5xx, or unsure and left to reconcile). Fed by `observe_tick`.
- `pendulum_scheduler_ticks_total`, `pendulum_scheduler_last_tick_age_seconds`.
- `pendulum_pending_sends`, `pendulum_pending_sends_due`, `pendulum_ledger_deliveries{status}`,
  `pendulum_workspaces`: read from the database at scrape time, so they are right even after
  a restart.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("pendulum.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Labels = tuple[tuple[str, str], ...]
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
RETRY_OUTCOMES = frozenset({"deferred", "unsure"})


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: Labels = ()) -> str:
    pairs = labels + extra
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _key(labels: Mapping[str, str]) -> Labels:
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


class _Metric:
    kind = "untyped"

    def __init__(self, name: str, help_text: str) -> None:
        self.name = name
        self.help = help_text
        self._lock = threading.Lock()

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]

    def lines(self) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, *, labelled: bool = True) -> None:
        super().__init__(name, help_text)
        self.labelled = labelled
        self._values: dict[Labels, float] = {} if labelled else {(): 0.0}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = _key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        with self._lock:
            return self._values.get(_key(labels), 0.0)

    def lines(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items())
        return [*self.header(), *(f"{self.name}{_labels(k)} {_number(v)}" for k, v in items)]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, buckets: Sequence[float] = ACK_BUCKETS) -> None:
        super().__init__(name, help_text)
        self.buckets = tuple(sorted(buckets))
        self._series: dict[Labels, tuple[list[int], list[float]]] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = _key(labels)
        with self._lock:
            counts, total = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    counts[i] += 1
            counts[-1] += 1  # +Inf, also the count
            total[0] += value

    def count(self, **labels: str) -> int:
        with self._lock:
            series = self._series.get(_key(labels))
            return series[0][-1] if series else 0

    def lines(self) -> list[str]:
        with self._lock:
            items = sorted((k, (list(c), t[0])) for k, (c, t) in self._series.items())
        out = self.header()
        for key, (counts, total) in items:
            for bound, n in zip((*self.buckets, math.inf), counts, strict=True):
                out.append(f"{self.name}_bucket{_labels(key, (('le', _number(bound)),))} {n}")
            out.append(f"{self.name}_sum{_labels(key)} {_number(total)}")
            out.append(f"{self.name}_count{_labels(key)} {counts[-1]}")
        return out


@dataclass(frozen=True)
class Sample:
    """One gauge value computed at scrape time."""

    name: str
    help: str
    value: float
    labels: Mapping[str, str] | None = None
    kind: str = "gauge"


Collector = Callable[[], Iterable[Sample]]


class Metrics:
    """Pendulum's metrics: one instance per process, shared by every thread."""

    def __init__(self) -> None:
        self.started = time.time()
        self.requests = Counter(
            "pendulum_slack_requests_total", "Slack requests handled, by kind and HTTP status."
        )
        self.commands = Counter("pendulum_commands_total", "Slash commands handled, by subcommand.")
        self.ack_latency = Histogram(
            "pendulum_ack_latency_seconds",
            "Seconds from receiving a Slack request to acking it (Slack allows 3).",
        )
        self.deliveries = Counter(
            "pendulum_deliveries_total", "Scheduled sends finished by a tick, by outcome."
        )
        self.retries = Counter(
            "pendulum_delivery_retries_total",
            "Sends put back for another attempt (rate limited, Slack errors, outcome unknown).",
            labelled=False,
        )
        self._collectors: list[Collector] = []
        self._lock = threading.Lock()

    # -- recording ---------------------------------------------------------------------------
    def observe_request(
        self, kind: str, status: int, seconds: float, subcommand: str | None = None
    ) -> None:
        self.requests.inc(kind=kind, status=str(status))
        self.ack_latency.observe(seconds, kind=kind)
        if subcommand is not None:
            self.commands.inc(subcommand=subcommand)

    def count_delivery(self, outcome: str, n: int = 1) -> None:
        if n <= 0:
            return
        self.deliveries.inc(n, outcome=outcome)
        if outcome in RETRY_OUTCOMES:
            self.retries.inc(n)

    def observe_tick(self, report: Any) -> None:
        """Count a tick's outcomes (a `bot.delivery.TickReport`, or anything with an
        `outcomes` mapping of outcome → count)."""
        for outcome, n in dict(getattr(report, "outcomes", {}) or {}).items():
            self.count_delivery(str(outcome), int(n))

    def add_collector(self, collector: Collector) -> None:
        with self._lock:
            self._collectors.append(collector)

    # -- exposition --------------------------------------------------------------------------
    def render(self) -> str:
        out: list[str] = []
        for metric in (
            self.requests,
            self.commands,
            self.ack_latency,
            self.deliveries,
            self.retries,
        ):
            out.extend(metric.lines())
        samples: list[Sample] = [
            Sample(
                "pendulum_process_start_time_seconds",
                "Start time of this process (Unix seconds).",
                self.started,
            )
        ]
        with self._lock:
            collectors = list(self._collectors)
        errors = 0
        for collector in collectors:
            try:
                samples.extend(collector())
            except Exception as exc:
                errors += 1
                log.warning("metrics collector failed: %s", exc)
        samples.append(
            Sample(
                "pendulum_metrics_collector_errors",
                "Collectors that failed during this scrape.",
                errors,
            )
        )
        seen: dict[str, list[Sample]] = {}
        for sample in samples:
            seen.setdefault(sample.name, []).append(sample)
        for name, group in seen.items():
            out.append(f"# HELP {name} {group[0].help}")
            out.append(f"# TYPE {name} {group[0].kind}")
            for sample in group:
                out.append(f"{name}{_labels(_key(sample.labels or {}))} {_number(sample.value)}")
        return "\n".join(out) + "\n"


# -- collectors reading the database and the heartbeat --------------------------------------
def database_collector(store: Any, clock: Any) -> Collector:
    """Pending sends, the ledger by status and the number of workspaces, read per scrape
    (tables that do not exist yet are skipped)."""
    import sqlite3

    def collect() -> list[Sample]:
        db = store.db
        out: list[Sample] = []
        now = clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            rows = db.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall()
            due = db.execute(
                "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'claimed')"
                " AND due_at <= ?",
                [now],
            ).fetchone()[0]
        except sqlite3.OperationalError:
            rows, due = [], None
        by_status = {str(s): int(n) for s, n in rows}
        pending = by_status.get("pending", 0) + by_status.get("claimed", 0)
        if due is not None:
            out.append(
                Sample(
                    "pendulum_pending_sends",
                    "Sends planned or in flight (ledger rows pending or claimed).",
                    pending,
                )
            )
            out.append(
                Sample(
                    "pendulum_pending_sends_due",
                    "Pending sends whose time has come (a growing number means a backlog).",
                    int(due),
                )
            )
        for status in ("pending", "claimed", "sent", "failed", "skipped"):
            if due is None:
                break
            out.append(
                Sample(
                    "pendulum_ledger_deliveries",
                    "Rows in the delivery ledger, by status.",
                    by_status.get(status, 0),
                    {"status": status},
                )
            )
        try:
            workspaces = db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0]
        except sqlite3.OperationalError:
            return out
        out.append(
            Sample("pendulum_workspaces", "Workspaces known to this database.", int(workspaces))
        )
        return out

    return collect


def heartbeat_collector(heartbeat: Any, clock: Any) -> Collector:
    def collect() -> list[Sample]:
        last = heartbeat.last
        out = [
            Sample(
                "pendulum_scheduler_ticks_total",
                "Scheduler ticks run by this process.",
                heartbeat.beats,
                kind="counter",
            ),
            Sample(
                "pendulum_scheduler_last_tick_age_seconds",
                "Seconds since the scheduler last ticked (since start-up before the first).",
                heartbeat.age(clock.now()),
            ),
            Sample(
                "pendulum_scheduler_running",
                "1 while the scheduler runs, 0 when stopped (absent if unknown).",
                1.0 if heartbeat.scheduler_state() == "running" else 0.0,
            ),
        ]
        if heartbeat.scheduler_state() == "unknown":
            out.pop()  # pendulum_scheduler_running: absent rather than a guess
        if isinstance(last, datetime):
            out.append(
                Sample(
                    "pendulum_scheduler_last_tick_timestamp_seconds",
                    "When the scheduler last ticked (Unix seconds).",
                    last.timestamp(),
                )
            )
        return out

    return collect
