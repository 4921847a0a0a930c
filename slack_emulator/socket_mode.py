"""Socket Mode: a websocket server speaking Slack's envelope protocol.

`apps.connections.open` hands out a one-time URL; on connect the server says `hello`, then
pushes envelopes and collects `{"envelope_id", "payload"?}` acks. `disconnect()` sends
`{"type": "disconnect", "reason": ...}` and closes the socket after a grace period, like Slack
does when it rotates connections.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from slack_emulator.recorder import Recorder

log = logging.getLogger("slack_emulator.socket_mode")
AckCallback = Callable[[str, Any], None]


class SocketModeServer:
    def __init__(
        self,
        app_id: str,
        recorder: Recorder,
        on_ack: AckCallback,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.app_id = app_id
        self.recorder = recorder
        self.on_ack = on_ack
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._send_locks: dict[int, threading.Lock] = {}
        self._round_robin = itertools.count()
        self.opened_total = 0
        self._server: Server = serve(
            self._handle,
            host,
            port,
            compression=None,
            logger=log,
            ping_interval=20,
            ping_timeout=20,
            close_timeout=0.5,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="emulator-socket-mode", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.socket.getsockname()[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        else:
            self._server.socket.close()

    def issue_url(self) -> str:
        """A fresh one-time connection URL (what apps.connections.open returns)."""
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        query = parse_qs(urlsplit(request.path if request else "").query)
        ticket = (query.get("ticket") or [""])[0]
        with self._lock:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:
            self.recorder.problem("socket_mode", "connected with an unknown or reused URL")
            ws.close(1008, "invalid_ticket")
            return
        with self._lock:
            self._connections.append(ws)
            self._send_locks[id(ws)] = threading.Lock()
            self.opened_total += 1
            count = len(self._connections)
        try:
            self._send(
                ws,
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": {
                        "host": "emulator",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                },
            )
            for raw in ws:
                self._received(raw)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if ws in self._connections:
                    self._connections.remove(ws)
                self._send_locks.pop(id(ws), None)

    def _received(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            self.recorder.problem("socket_mode", f"client sent non-JSON: {raw!r:.80}")
            return
        if not isinstance(message, dict) or "envelope_id" not in message:
            self.recorder.problem("socket_mode", f"client sent a non-ack: {message!r:.80}")
            return
        self.on_ack(str(message["envelope_id"]), message.get("payload"))

    def _send(self, ws: ServerConnection, message: dict[str, Any]) -> None:
        lock = self._send_locks.get(id(ws))
        if lock is None:
            raise ConnectionClosed(None, None)
        with lock:
            ws.send(json.dumps(message))

    def send_envelope(self, envelope: dict[str, Any]) -> bool:
        """Send to one open connection (round robin, as Slack spreads load); False if none."""
        with self._lock:
            open_now = list(self._connections)
        for _ in range(len(open_now)):
            ws = open_now[next(self._round_robin) % len(open_now)]
            try:
                self._send(ws, envelope)
                return True
            except ConnectionClosed:
                continue
        return False

    def disconnect(self, reason: str = "refresh_requested", close_after: float = 1.0) -> int:
        """Ask every connected client to reconnect; close their sockets after a grace period."""
        with self._lock:
            targets = list(self._connections)
        for ws in targets:
            try:
                self._send(
                    ws, {"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}}
                )
            except ConnectionClosed:
                continue
            timer = threading.Timer(close_after, ws.close, kwargs={"reason": reason})
            timer.daemon = True
            timer.start()
        return len(targets)

    def drop(self) -> int:
        """Close every connection without a disconnect message first (a server restart)."""
        with self._lock:
            targets = list(self._connections)
        for ws in targets:
            ws.close(code=1001, reason="going away")
        return len(targets)
