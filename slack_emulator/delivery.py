"""Delivering requests to the app and collecting acks, over Socket Mode or signed HTTP.

Each delivery returns a `Delivery` handle. The ack must come within 3 seconds; a late or
missing ack is a problem, as is a non-200 HTTP answer (unless the test forged the signature,
in which case *accepting* it is the problem).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from slack_emulator import http_delivery
from slack_emulator.errors import ApiError, NotConnectedError
from slack_emulator.http_delivery import EnvelopeType
from slack_emulator.ids import Ids
from slack_emulator.recorder import Recorder
from slack_emulator.signing import SigningMode
from slack_emulator.socket_mode import SocketModeServer

ACK_DEADLINE = 3.0
MAX_EVENT_RETRIES = 3
RECONNECT_GRACE = 2.0
Transport = Literal["socket", "http"]
OnAck = Callable[["Delivery"], None]


@dataclass
class Delivery:
    """One request sent to the app, and what came back."""

    id: str
    type: EnvelopeType
    payload: dict[str, Any]
    transport: Transport
    retry_attempt: int = 0
    retry_reason: str | None = None
    signing: SigningMode = "valid"
    sent_at: float = field(default_factory=time.monotonic)
    acked: bool = False
    ack: dict[str, Any] | None = None
    latency: float | None = None
    status: int | None = None
    body: bytes | None = None
    outcome: dict[str, Any] = field(default_factory=dict)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _overdue: bool = field(default=False, repr=False)

    def wait(self, timeout: float = ACK_DEADLINE + 0.5) -> Delivery:
        """Block until the app answered (or gave up); returns self for chaining."""
        self._done.wait(timeout)
        return self

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def ok(self) -> bool:
        """Acked in time (and, over HTTP, with a 200)."""
        return self.acked and self.latency is not None and self.latency <= ACK_DEADLINE


@dataclass
class _Pending:
    delivery: Delivery
    on_ack: OnAck | None


class Deliverer:
    def __init__(self, ids: Ids, recorder: Recorder, signing_secret: str) -> None:
        self.ids = ids
        self.recorder = recorder
        self.signing_secret = signing_secret
        self.socket: SocketModeServer | None = None
        self.transport: Literal["auto", "socket", "http"] = "auto"
        self.request_url: str | None = None
        self.signing_mode: SigningMode = "valid"
        # Slack redelivers events that were not acked in time; off unless a test wants it.
        self.retry_unacked_events = False
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._log: list[Delivery] = []

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._log)

    @contextlib.contextmanager
    def signing(self, mode: SigningMode) -> Iterator[None]:
        previous, self.signing_mode = self.signing_mode, mode
        try:
            yield
        finally:
            self.signing_mode = previous

    def _connected(self, grace: float) -> bool:
        """Whether a Socket Mode client is connected, allowing `grace` seconds for one that
        is between connections (a refresh or a reconnect after a drop)."""
        deadline = time.monotonic() + grace
        while self.socket is not None:
            if self.socket.connection_count() > 0:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return False

    def _choose(self) -> Transport:
        if self.transport == "http":
            return "http"
        # Give a reconnecting client a moment, unless HTTP can take over or (in auto mode)
        # no client ever connected.
        fallback = self.transport == "auto" and bool(self.request_url)
        never = self.transport == "auto" and (self.socket is None or not self.socket.opened_total)
        if self._connected(0.0 if fallback or never else RECONNECT_GRACE):
            return "socket"
        if self.transport == "auto" and self.request_url:
            return "http"
        raise NotConnectedError(
            "no Socket Mode connection and no request_url: start the app "
            "(and emu.wait_connected()) or set emu.request_url"
        )

    def send(
        self,
        kind: EnvelopeType,
        payload: dict[str, Any],
        *,
        on_ack: OnAck | None = None,
        retry_attempt: int = 0,
        retry_reason: str | None = None,
        wait: bool = True,
        transport: Transport | None = None,
    ) -> Delivery:
        transport = transport or self._choose()
        if transport == "http" and not self.request_url:
            raise NotConnectedError("HTTP delivery needs emu.request_url")
        delivery = Delivery(
            self.ids.envelope_id(),
            kind,
            payload,
            transport,
            retry_attempt,
            retry_reason,
            self.signing_mode,
        )
        with self._lock:
            self._pending[delivery.id] = _Pending(delivery, on_ack)
            self._log.append(delivery)
        timer = threading.Timer(ACK_DEADLINE, self._deadline, args=(delivery.id,))
        timer.daemon = True
        timer.start()
        if transport == "socket":
            self._send_socket(delivery)
        else:
            threading.Thread(
                target=self._send_http,
                args=(delivery,),
                daemon=True,
                name=f"emulator-deliver-{delivery.id}",
            ).start()
        return delivery.wait() if wait else delivery

    def _send_socket(self, delivery: Delivery) -> None:
        envelope = {
            "envelope_id": delivery.id,
            "type": delivery.type,
            "payload": delivery.payload,
            "accepts_response_payload": _accepts_response_payload(delivery),
            "retry_attempt": delivery.retry_attempt,
            "retry_reason": delivery.retry_reason or "",
        }
        assert self.socket is not None
        if not self.socket.send_envelope(envelope):
            self._finish(delivery.id, acked=False)
            raise NotConnectedError("the Socket Mode connection went away")

    def _send_http(self, delivery: Delivery) -> None:
        body, content_type = http_delivery.encode(delivery.type, delivery.payload)
        assert self.request_url is not None
        try:
            reply = http_delivery.post(
                self.request_url,
                body,
                content_type,
                secret=self.signing_secret,
                mode=delivery.signing,
                retry_num=delivery.retry_attempt,
                retry_reason=delivery.retry_reason,
                timeout=ACK_DEADLINE + 2,
            )
        except OSError as e:
            if not delivery._overdue:
                self.recorder.problem(f"deliver:{delivery.type}", f"app did not answer: {e}")
            self._finish(delivery.id, acked=False)
            return
        delivery.status, delivery.body = reply.status, reply.body
        if delivery.signing != "valid":
            if reply.status == 200:
                self.recorder.problem(
                    f"deliver:{delivery.type}",
                    f"app accepted a request with a {delivery.signing} signature",
                )
            self._finish(delivery.id, acked=False)
            return
        if reply.status != 200:
            self.recorder.problem(f"deliver:{delivery.type}", f"app answered HTTP {reply.status}")
            self._finish(delivery.id, acked=False)
            return
        self.ack(delivery.id, http_delivery.ack_payload(reply))

    def ack(self, envelope_id: str, payload: Any) -> None:
        """An ack arrived: time it, apply its payload if it came in time, wake waiters."""
        with self._lock:
            pending = self._pending.get(envelope_id)
        if pending is None:
            self.recorder.problem(
                "ack", f"ack for unknown or already-acked envelope {envelope_id!r}"
            )
            return
        delivery = pending.delivery
        delivery.latency = time.monotonic() - delivery.sent_at
        delivery.ack = payload if isinstance(payload, dict) else None
        if payload is not None and not isinstance(payload, dict):
            self.recorder.problem(
                f"ack:{delivery.type}", f"ack payload is not an object: {payload!r:.80}"
            )
        if delivery.latency > ACK_DEADLINE:
            if not delivery._overdue:
                self.recorder.problem(
                    f"ack:{delivery.type}",
                    f"acked after {delivery.latency:.2f}s (> 3 s): Slack "
                    "already showed the user an error",
                )
        elif pending.on_ack is not None:
            try:
                pending.on_ack(delivery)
            except ApiError as e:
                self.recorder.problem(f"ack:{delivery.type}", e.problem or e.code)
        self._finish(envelope_id, acked=True)

    def _finish(self, envelope_id: str, *, acked: bool) -> None:
        with self._lock:
            pending = self._pending.pop(envelope_id, None)
        if pending is not None:
            pending.delivery.acked = acked
            pending.delivery._done.set()

    def _deadline(self, envelope_id: str) -> None:
        with self._lock:
            pending = self._pending.get(envelope_id)
        if pending is None or pending.delivery.acked:
            return
        delivery = pending.delivery
        self.recorder.problem(f"ack:{delivery.type}", f"not acknowledged within {ACK_DEADLINE:g} s")
        # Keep it pending: a late ack is still timed when it arrives.
        delivery._overdue = True
        delivery._done.set()
        retry = self.retry_unacked_events and delivery.type == "events_api"
        if retry and delivery.retry_attempt < MAX_EVENT_RETRIES:
            reason = "timeout" if delivery.transport == "socket" else "http_timeout"
            with contextlib.suppress(NotConnectedError):
                self.send(
                    delivery.type,
                    delivery.payload,
                    on_ack=pending.on_ack,
                    retry_attempt=delivery.retry_attempt + 1,
                    retry_reason=reason,
                    wait=False,
                )


def _accepts_response_payload(delivery: Delivery) -> bool:
    """Only commands and view submissions (and option loads) use what the ack carries."""
    if delivery.type == "slash_commands":
        return True
    kind = delivery.payload.get("type")
    return delivery.type == "interactive" and kind in ("view_submission", "block_suggestion")
