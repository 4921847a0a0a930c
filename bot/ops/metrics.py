"""Prometheus metrics at `GET /metrics`, kept by `prometheus_client` (which also exports the
process's CPU, memory, open files and start time: `process_*`).

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
  a restart. With several replicas on one PostgreSQL database every replica reports the same
  (whole-database) values: aggregate them with `max`, not `sum`.
- `pendulum_replica_info{replica,backend,version}` (always 1): which replica answered the
  scrape; every other series is this process's own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.store import admin
from bot.store.sql import DATABASE_ERRORS

log = logging.getLogger("pendulum.metrics")

# no `_created` series: every counter here starts with the process (see process_start_time)
disable_created_metrics()  # type: ignore[no-untyped-call]
CONTENT_TYPE = CONTENT_TYPE_LATEST
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
RETRY_OUTCOMES = frozenset({"deferred", "unsure"})


@dataclass(frozen=True)
class Sample:
    """One value computed at scrape time."""

    name: str
    help: str
    value: float
    labels: Mapping[str, str] | None = None
    kind: str = "gauge"  # or "counter"


Collector = Callable[[], Iterable[Sample]]


class Metrics:
    """Pendulum's metrics: one instance (and one registry) per process, shared by every
    thread."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "pendulum_slack_requests_total",
            "Slack requests handled, by kind and HTTP status.",
            ["kind", "status"],
            registry=self.registry,
        )
        self.commands = Counter(
            "pendulum_commands_total",
            "Slash commands handled, by subcommand.",
            ["subcommand"],
            registry=self.registry,
        )
        self.ack_latency = Histogram(
            "pendulum_ack_latency_seconds",
            "Seconds from receiving a Slack request to acking it (Slack allows 3).",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "pendulum_deliveries_total",
            "Scheduled sends finished by a tick, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.retries = Counter(
            "pendulum_delivery_retries_total",
            "Sends put back for another attempt (rate limited, Slack errors, outcome unknown).",
            registry=self.registry,
        )
        self._collectors: list[Collector] = []
        self._lock = threading.Lock()
        self._children: dict[tuple[str, int, str | None], tuple[Any, Any, Any]] = {}
        self.registry.register(_Computed(self))

    # -- recording ---------------------------------------------------------------------------
    def observe_request(
        self, kind: str, status: int, seconds: float, subcommand: str | None = None
    ) -> None:
        key = (kind, status, subcommand)
        children = self._children.get(key)
        if children is None:  # `labels()` takes the metric's lock: look each set up once
            children = self._children[key] = (
                self.requests.labels(kind, str(status)),
                self.ack_latency.labels(kind),
                self.commands.labels(subcommand) if subcommand is not None else None,
            )
        requests, latency, commands = children
        requests.inc()
        latency.observe(seconds)
        if commands is not None:
            commands.inc()

    def count_delivery(self, outcome: str, n: int = 1) -> None:
        if n <= 0:
            return
        self.deliveries.labels(outcome).inc(n)
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
        return generate_latest(self.registry).decode()

    def computed(self) -> Iterator[Metric]:
        """The values collectors read at scrape time; one that fails is logged and counted."""
        with self._lock:
            collectors = list(self._collectors)
        families: dict[str, Metric] = {}
        errors = 0
        for collector in collectors:
            try:
                samples = list(collector())
            except Exception as exc:
                errors += 1
                log.warning("metrics collector failed: %s", exc)
                continue
            for sample in samples:
                labels = dict(sample.labels or {})
                family = families.get(sample.name)
                if family is None:
                    kind = CounterMetricFamily if sample.kind == "counter" else GaugeMetricFamily
                    family = families[sample.name] = kind(
                        sample.name, sample.help, labels=list(labels)
                    )
                family.add_metric(list(labels.values()), sample.value)  # type: ignore[attr-defined]
        yield from families.values()
        yield GaugeMetricFamily(
            "pendulum_metrics_collector_errors",
            "Collectors that failed during this scrape.",
            errors,
        )


class _Computed:
    """The registry's view of `Metrics.computed` (prometheus_client calls `collect`)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return self.metrics.computed()

    def describe(self) -> list[Metric]:
        return []  # names are only known at scrape time: never checked for clashes up front


# -- collectors reading the database and the heartbeat --------------------------------------
def database_collector(store: Any, clock: Any) -> Collector:
    """Pending sends, the ledger by status and the number of workspaces, read per scrape
    (tables that do not exist yet are skipped)."""

    def collect() -> list[Sample]:
        db = store.db
        out: list[Sample] = []
        now = clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            by_status, due_count = admin.ledger_counts(db, now)
            due: int | None = due_count
        except DATABASE_ERRORS:
            by_status, due = {}, None
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
            workspaces = admin.workspace_count(db)
        except DATABASE_ERRORS:
            return out
        out.append(
            Sample("pendulum_workspaces", "Workspaces known to this database.", int(workspaces))
        )
        return out

    return collect


def replica_collector(replica: str, backend: str, version: str) -> Collector:
    """`pendulum_replica_info`: this process's replica id (config.replica), its database
    backend and version, to tell apart the replicas behind one load balancer."""
    sample = Sample(
        "pendulum_replica_info",
        "This process among the replicas sharing a database (always 1).",
        1.0,
        {"replica": replica, "backend": backend, "version": version},
    )
    return lambda: [sample]


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
