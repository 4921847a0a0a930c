"""Logging set-up: text or JSON lines, with secrets scrubbed from every record.

The thread that logs only scrubs the record and queues it; formatting and writing happen on
one background thread (the standard library's `QueueHandler`/`QueueListener`), so the request
log line costs an ack almost nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import queue
import re
import sys
import threading
import time
from datetime import UTC, datetime
from logging import Handler
from logging.handlers import QueueHandler, QueueListener

_SECRET_PATTERNS = [
    re.compile(r"xox[abposre]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
]


class RedactingFilter(logging.Filter):
    """Replaces tokens and any configured secret in the formatted message and traceback."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s and len(s) >= 6]

    def redact(self, text: str) -> str:
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub("[redacted]", text)
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


# fields of the one-line-per-request log (bot/slack/requestlog.py), copied into JSON lines
REQUEST_FIELDS = (
    "request_id",
    "method",
    "path",
    "kind",
    "team_id",
    "status",
    "latency_ms",
    "retry_num",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in REQUEST_FIELDS:
            if getattr(record, key, None) is not None:
                doc[key] = getattr(record, key)
        if record.exc_text:
            doc["traceback"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger: message`, with the time's text made once per second."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._second = -1
        self._stamp = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(record.created))
            self._second = second
        return f"{self._stamp},{int(record.msecs):03d}"


class _BatchedStream(logging.StreamHandler):  # type: ignore[type-arg]
    """Formats each record as it comes, and writes what the queue held in one go."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.pending: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.pending.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        if self.pending:
            text, self.pending = "".join(self.pending), []
            self.stream.write(text)
        super().flush()


WRITE_EVERY = 0.05  # seconds: how long a request's log line may wait to be written
BATCHED = "pendulum.requests"  # the one-line-per-request log; everything else goes out at once


class _Listener(QueueListener):
    """Writes the request log lines every WRITE_EVERY seconds, in one go, instead of waking
    for each: a request thread never hands the GIL to the writer in the middle of its work.
    Any other record (start-up, warnings, errors) wakes it at once."""

    def __init__(self, records: queue.SimpleQueue[logging.LogRecord], *handlers: Handler):
        super().__init__(records, *handlers)
        self.wake = threading.Event()

    def dequeue(self, block: bool) -> logging.LogRecord:
        while True:
            try:
                record: logging.LogRecord = self.queue.get_nowait()  # type: ignore[attr-defined]
                return record
            except queue.Empty:
                if not block:
                    raise
                self.wake.wait(WRITE_EVERY)
                self.wake.clear()

    def enqueue_sentinel(self) -> None:
        super().enqueue_sentinel()
        self.wake.set()

    def handle(self, record: logging.LogRecord) -> None:
        super().handle(record)
        if self.queue.empty():  # type: ignore[attr-defined]
            for handler in self.handlers:
                handler.flush()


class _ScrubbedQueue(QueueHandler):
    """Queues records that `RedactingFilter` has already scrubbed (message, arguments and
    traceback folded into text), so nothing unredacted ever leaves the logging thread."""

    def __init__(self, records: queue.SimpleQueue[logging.LogRecord], wake: threading.Event):
        super().__init__(records)
        self.wake = wake

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record

    def handle(self, record: logging.LogRecord) -> bool:
        """As `Handler.handle`, without its lock: the queue is thread-safe, and a lock every
        request thread takes is one they queue on under load."""
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def enqueue(self, record: logging.LogRecord) -> None:
        super().enqueue(record)
        if record.name != BATCHED or record.levelno >= logging.WARNING:
            self.wake.set()


_listener: list[QueueListener] = []


def _stop_listener() -> None:
    """Write out what is queued (at exit, or before a new set-up)."""
    while _listener:
        listener = _listener.pop()
        listener.stop()
        for handler in listener.handlers:
            with contextlib.suppress(ValueError, OSError):  # stderr already closed
                handler.flush()


def setup_logging(
    fmt: str = "text", secrets: list[str] | None = None, level: int = logging.INFO
) -> None:
    _stop_listener()
    output = _BatchedStream()
    output.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = _Listener(records, output)
    handler = _ScrubbedQueue(records, listener.wake)
    handler.addFilter(RedactingFilter(secrets))
    listener.start()
    _listener.append(listener)
    # None of the formats prints where a call came from, or which thread/process made it:
    # don't compute them for every record (the logging HOWTO's "Optimization" section).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("slack_sdk", "slack_bolt", "apscheduler", "websockets", "waitress"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


atexit.register(_stop_listener)
