"""The inspector: every Web API call the app made, every envelope the emulator delivered over
Socket Mode with the app's ack, every response_url post, and everything real Slack would have
rejected, as one append-only log in the order it happened."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from slack_emulator import Call, Delivery, Emulator, Problem, ResponsePost

JSON = dict[str, Any]
MAX_BATCH = 300


def readable(value: Any) -> Any:
    """Form-encoded Web API arguments carry Block Kit as JSON strings; show them as JSON."""
    if isinstance(value, dict):
        return {k: readable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [readable(v) for v in value]
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def call_entry(call: Call) -> JSON:
    ok = bool(call.response.get("ok"))
    error = call.response.get("error")
    return {
        "kind": "api",
        "time": call.time,
        "title": call.method,
        "summary": "ok" if ok else f"error: {error}",
        "ok": ok,
        "status": call.status,
        "request_label": "Arguments (app → Slack)",
        "request": readable(call.params),
        "response_label": f"Response (HTTP {call.status})",
        "response": call.response,
    }


def delivery_entry(delivery: Delivery, wall_offset: float) -> JSON:
    """An envelope as it went over the Socket Mode connection (or a signed HTTP request),
    with the app's ack."""
    envelope = {
        "envelope_id": delivery.id,
        "type": delivery.type,
        "payload": delivery.payload,
        "accepts_response_payload": delivery.type != "events_api",
        "retry_attempt": delivery.retry_attempt,
        "retry_reason": delivery.retry_reason or "",
    }
    if delivery.acked and delivery.latency is not None:
        summary = f"acked in {delivery.latency * 1000:.0f} ms"
    else:
        summary = "not acknowledged within 3 s"
    what = _what(delivery)
    ack: JSON | None = {"envelope_id": delivery.id}
    if delivery.ack:
        assert ack is not None
        ack["payload"] = delivery.ack
    if not delivery.acked:
        ack = None
    return {
        "kind": "envelope",
        "time": delivery.sent_at + wall_offset,
        "title": f"{delivery.type}{': ' + what if what else ''}",
        "summary": summary,
        "ok": delivery.ok,
        "transport": delivery.transport,
        "request_label": f"Envelope (Slack → app, {delivery.transport})",
        "request": envelope,
        "response_label": "Ack (app → Slack)",
        "response": ack,
    }


def _what(delivery: Delivery) -> str:
    payload = delivery.payload
    if delivery.type == "slash_commands":
        return f"{payload.get('command', '')} {payload.get('text', '')}".strip()
    if delivery.type == "interactive":
        kind = str(payload.get("type", ""))
        if kind == "block_actions":
            ids = [str(a.get("action_id")) for a in payload.get("actions") or []]
            return f"block_actions {', '.join(ids)}"
        if kind in ("view_submission", "view_closed"):
            return f"{kind} {payload.get('view', {}).get('callback_id', '')}"
        if kind in ("shortcut", "message_action"):
            return f"{kind} {payload.get('callback_id', '')}"
        return kind
    event = payload.get("event") or {}
    return str(event.get("type") or payload.get("type") or "")


def response_entry(post: ResponsePost) -> JSON:
    ok = post.status == 200
    return {
        "kind": "response_url",
        "time": post.time,
        "title": "response_url",
        "summary": "ok" if ok else f"error: {post.error}",
        "ok": ok,
        "status": post.status,
        "request_label": "POST body (app → response_url)",
        "request": post.body,
        "response_label": f"Answer (HTTP {post.status})",
        "response": {"ok": ok, **({"error": post.error} if post.error else {})},
    }


def problem_entry(problem: Problem) -> JSON:
    return {
        "kind": "problem",
        "time": time.time(),
        "title": f"Slack would reject: {problem.where}",
        "summary": problem.what,
        "ok": False,
    }


class InspectorLog:
    """Append-only: entries keep their index, so the page can ask for "everything after n".
    An envelope is logged once it is acked (or its 3 s are up), in delivery order."""

    def __init__(self, emu: Emulator, started: float | None = None) -> None:
        self.emu = emu
        self.started = time.time() if started is None else started
        self._lock = threading.Lock()
        self._entries: list[JSON] = []
        self._seen_calls = 0
        self._seen_deliveries = 0
        self._seen_posts = 0
        self._seen_problems = 0

    def _ingest(self) -> None:
        wall_offset = time.time() - time.monotonic()
        batch: list[JSON] = []
        calls = self.emu.calls
        batch += [call_entry(c) for c in calls[self._seen_calls :]]
        self._seen_calls = len(calls)
        deliveries = self.emu.deliveries
        for delivery in deliveries[self._seen_deliveries :]:
            if not delivery.done:
                break
            batch.append(delivery_entry(delivery, wall_offset))
            self._seen_deliveries += 1
        posts = self.emu.response_posts
        batch += [response_entry(p) for p in posts[self._seen_posts :]]
        self._seen_posts = len(posts)
        problems = self.emu.problems
        if len(problems) < self._seen_problems:  # cleared
            self._seen_problems = 0
        batch += [problem_entry(p) for p in problems[self._seen_problems :]]
        self._seen_problems = len(problems)
        batch.sort(key=lambda e: float(e["time"]))
        for entry in batch:
            entry["n"] = len(self._entries)
            entry["t"] = round(float(entry["time"]) - self.started, 3)
            del entry["time"]
            self._entries.append(entry)

    def after(self, n: int) -> tuple[list[JSON], int]:
        """Entries from index `n` on (at most MAX_BATCH), and how many there are in all."""
        with self._lock:
            self._ingest()
            start = max(0, n)
            return self._entries[start : start + MAX_BATCH], len(self._entries)

    def problems(self) -> int:
        return len(self.emu.problems)
