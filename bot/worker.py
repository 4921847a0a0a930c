"""Work that must not sit between a Slack request and its ack (API calls, follow-up DMs).

Listeners answer Slack first, then hand slow work here. A failure is logged with a reference
id and, when the job says how, the user is told.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.errors import report

log = logging.getLogger("pendulum.worker")

OnError = Callable[[str], None]


class Worker:
    def __init__(self, max_workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pendulum")
        self._pending = 0
        self._lock = threading.Condition()

    def submit(
        self, job: Callable[[], None], *, where: str, on_error: OnError | None = None
    ) -> Future[None]:
        with self._lock:
            self._pending += 1
        return self._pool.submit(self._run, job, where, on_error)

    def _run(self, job: Callable[[], None], where: str, on_error: OnError | None) -> None:
        try:
            job()
        except Exception as exc:
            ref = report(exc, where=where)
            if on_error is not None:
                try:
                    on_error(ref)
                except Exception as again:
                    log.warning("ref=%s could not tell the user: %s", ref, again)
        finally:
            with self._lock:
                self._pending -= 1
                self._lock.notify_all()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no job is pending (tests, shutdown). True if drained in time."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
