"""The emulator's logbook: every Web API call and every problem, in order."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_emulator.models import Call, Problem, snapshot

log = logging.getLogger("slack_emulator")


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._problems: list[Problem] = []

    def call(
        self, method: str, params: dict[str, Any], status: int, response: dict[str, Any]
    ) -> None:
        with self._lock:
            self._calls.append(
                Call(method, snapshot(params), status, snapshot(response), time.time())
            )

    def problem(self, where: str, what: str) -> None:
        log.warning("Slack would reject: %s: %s", where, what)
        with self._lock:
            self._problems.append(Problem(where, what))

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def problems(self) -> list[Problem]:
        with self._lock:
            return list(self._problems)

    def clear_problems(self) -> None:
        with self._lock:
            self._problems.clear()
