"""Logging set-up: records are scrubbed on the thread that logs them and written by a
background writer (request lines in batches), in text or JSON, with nothing secret."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import pytest

from bot.ops import logs
from bot.ops.logs import setup_logging

SECRET = "my-signing-secret"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    logs._stop_listener()
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_some() -> None:
    logging.getLogger("pendulum.requests").info("SOCKET socket_mode command id=r1 status=200")
    try:
        raise RuntimeError(f"token xoxb-123-abc and {SECRET}")
    except RuntimeError:
        logging.getLogger("pendulum.errors").exception("failed with %s", "xapp-1-XYZ")


def test_text_lines_are_written_in_order_with_every_secret_scrubbed(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    setup_logging("text", [SECRET])
    _log_some()
    logs._stop_listener()  # what exit does: everything queued is written
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "INFO pendulum.requests: SOCKET socket_mode command id=r1 status=200" in lines[0]
    assert "ERROR pendulum.errors: failed with [redacted]" in lines[1]
    assert "Traceback" in err and "RuntimeError: token [redacted] and [redacted]" in err
    assert SECRET not in err and "xoxb-" not in err and "xapp-" not in err


def test_json_lines_keep_the_traceback_apart(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    setup_logging("json", [SECRET])
    _log_some()
    logs._stop_listener()
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [r["logger"] for r in records] == ["pendulum.requests", "pendulum.errors"]
    assert records[1]["message"] == "failed with [redacted]"
    assert "token [redacted] and [redacted]" in records[1]["traceback"]
    assert SECRET not in json.dumps(records)


def test_a_warning_is_written_without_waiting_for_the_batch(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    logs.WRITE_EVERY, before = 30.0, logs.WRITE_EVERY  # request lines would wait 30 s
    setup_logging("text", [])
    try:
        logging.getLogger("pendulum.requests").info("a request")
        logging.getLogger("pendulum").warning("something to see now")
        for _ in range(200):
            err = capsys.readouterr().err
            if err:
                break
            threading.Event().wait(0.01)
        assert "a request" in err and "something to see now" in err
    finally:
        logs.WRITE_EVERY = before
        logs._stop_listener()
