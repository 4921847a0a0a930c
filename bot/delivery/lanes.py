"""Send queues: one lane per workspace, each served earliest-deadline-first by its own threads.

Each workspace has its own Slack limits, so one workspace's 5,000-person fan-out (its threads
mostly waiting for their paced slots) must not hold another workspace's DM: every lane has
up to `workers` threads of its own, started when work arrives and ended when the lane is
empty. Inside a lane the item with the earliest deadline goes next, whatever its kind, so a
check-in due now overtakes the rest of a channel-tip drain queued a minute earlier.

A key is queued at most once at a time (a later tick finding the same pending row again
does not queue it twice). `close()` drops what hasn't started — those rows are still
`pending` in the ledger, and the next process sends them — and waits for what has.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

log = logging.getLogger("pendulum.delivery")

DROPPED = "dropped"  # the result of an item still queued when the lanes closed


@dataclass(order=True)
class _Item:
    deadline: datetime
    seq: int
    key: str = field(compare=False)
    work: Callable[[], str] = field(compare=False)
    future: Future[str] = field(compare=False)


@dataclass
class _Lane:
    heap: list[_Item] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # queued or running
    threads: int = 0


class Lanes:
    def __init__(self, workers: int, name: str = "delivery") -> None:
        self.workers = max(1, workers)
        self.name = name
        self._lanes: dict[str, _Lane] = {}
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._closed = False
        self._threads: set[threading.Thread] = set()

    def submit(
        self, lane: str, key: str, deadline: datetime, work: Callable[[], str]
    ) -> Future[str] | None:
        """Queue `work` in `lane`; None when `key` is already queued or running there."""
        future: Future[str] = Future()
        with self._cond:
            if self._closed:
                future.set_result(DROPPED)
                return future
            state = self._lanes.setdefault(lane, _Lane())
            if key in state.keys:
                return None
            state.keys.add(key)
            heapq.heappush(state.heap, _Item(deadline, next(self._seq), key, work, future))
            if state.threads < self.workers:
                state.threads += 1
                thread = threading.Thread(
                    target=self._serve, args=(lane,), name=f"{self.name}-{lane}", daemon=True
                )
                self._threads.add(thread)
                thread.start()
        return future

    def queued(self, lane: str | None = None) -> int:
        """Items waiting (not yet started), in one lane or all of them."""
        with self._cond:
            lanes = [self._lanes.get(lane)] if lane is not None else list(self._lanes.values())
            return sum(len(state.heap) for state in lanes if state is not None)

    def busy(self) -> set[str]:
        """The lanes with something queued or running."""
        with self._cond:
            return {name for name, lane in self._lanes.items() if lane.keys}

    def _next(self, lane: str) -> _Item | None:
        with self._cond:
            state = self._lanes[lane]
            if self._closed or not state.heap:
                state.threads -= 1
                if state.threads == 0 and not state.heap and not state.keys:
                    del self._lanes[lane]
                self._threads.discard(threading.current_thread())
                self._cond.notify_all()
                return None
            return heapq.heappop(state.heap)

    def _done(self, lane: str, key: str) -> None:
        with self._cond:
            state = self._lanes.get(lane)
            if state is not None:
                state.keys.discard(key)

    def _serve(self, lane: str) -> None:
        while (item := self._next(lane)) is not None:
            try:
                item.future.set_result(item.work())
            except BaseException as exc:  # the work logs its own errors; never lose the thread
                log.exception("delivery %s: unexpected error in its lane", item.key)
                item.future.set_exception(exc)
            finally:
                self._done(lane, item.key)

    def close(self, timeout: float | None = None) -> None:
        """Drop what is still queued and wait for the items that are running."""
        with self._cond:
            self._closed = True
            for state in self._lanes.values():
                for item in state.heap:
                    state.keys.discard(item.key)
                    item.future.set_result(DROPPED)
                state.heap.clear()
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout)


class Progress:
    """Counts one tick's sends as they finish: a progress line every `every`, the
    `on_progress` hook at most every 5 s, and (for ticks that don't wait) each outcome handed
    to `finish`."""

    def __init__(
        self,
        total: int,
        *,
        every: int,
        on_progress: Callable[[], None] | None,
        finish: Callable[[str], None] | None,
    ) -> None:
        self.total = total
        self.every = every
        self.on_progress = on_progress
        self.finish = finish
        self.outcomes: Counter[str] = Counter()
        self.started = time.monotonic()
        self.last_hook = self.started
        self.lock = threading.Lock()

    def expect(self, total: int) -> None:
        with self.lock:
            self.total = total

    def done(self, outcome: str) -> None:
        if self.finish is not None:
            self.finish(outcome)
        with self.lock:
            self.outcomes[outcome] += 1
            done = sum(self.outcomes.values())
            now = time.monotonic()
            hook = self.on_progress is not None and now - self.last_hook >= 5
            if hook:
                self.last_hook = now
            if done % self.every == 0 or done == self.total:
                elapsed = max(now - self.started, 1e-9)
                log.info(
                    "delivery progress: %d/%d done (%d sent, %d failed, %d skipped, "
                    "%d deferred) %.1f/s",
                    done,
                    self.total,
                    self.outcomes["sent"],
                    self.outcomes["failed"],
                    self.outcomes["skipped"],
                    self.outcomes["deferred"],
                    done / elapsed,
                )
        if hook and self.on_progress is not None:
            try:
                self.on_progress()
            except Exception:
                log.exception("progress hook failed")
