"""Driving the offline workbench's HTTP API from tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from workbench import RunningWorkbench


def call(
    bench: RunningWorkbench,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(bench.url + path, data=data, method="POST" if data else "GET")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def state(bench: RunningWorkbench, user: str, where: str) -> dict[str, Any]:
    status, doc = call(bench, f"/api/state?user={user}&where={where}")
    assert status == 200, doc
    return doc


def send(bench: RunningWorkbench, user: str, where: str, text: str) -> dict[str, Any]:
    status, result = call(
        bench, "/api/act", {"type": "send", "user": user, "where": where, "text": text}
    )
    assert status == 200, result
    return result


def wait_for(bench: RunningWorkbench, predicate: Any, timeout: float = 5.0) -> Any:
    return bench.emu.wait_for(predicate, timeout=timeout, interval=0.05)
