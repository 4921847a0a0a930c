"""A failure gives the user a friendly private message with a reference id; the log holds
the traceback under that id; secrets never reach the log."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from blockkit.validate import message_problems
from bot.config import packaged_prompts_dir
from bot.content.library import load_library
from bot.content.strings import Strings
from bot.ops.logs import RedactingFilter
from bot.router import CommandContext, Reply, Router, Subcommand, run_command
from bot.worker import Worker


def broken(ctx: CommandContext) -> Reply:
    raise RuntimeError("the database caught fire")


def context(router: Router, text: str) -> CommandContext:
    strings = Strings(load_library(packaged_prompts_dir()).strings, command="/pendulum")
    services: Any = type("S", (), {"command": "/pendulum", "strings": strings})()
    return CommandContext(
        services=services,
        client=None,
        team_id="T1",
        user_id="U0ALICE",
        text=text,  # type: ignore[arg-type]
    )


def test_a_failing_command_answers_with_a_reference_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    router = Router()
    router.command(Subcommand("boom", "fails", "boom", broken))
    with caplog.at_level(logging.ERROR):
        reply = run_command(router, context(router, "boom"))
    assert reply.message is not None and message_problems(reply.message) == []
    ref = re.search(r"ref `?([0-9a-f]{8})", repr(reply.message))
    assert ref, reply.message
    (record,) = [r for r in caplog.records if ref.group(1) in r.getMessage()]
    assert record.exc_info and "the database caught fire" in str(record.exc_info[1])
    assert "database caught fire" not in repr(reply.message)  # no internals shown to users


def test_a_failing_background_job_tells_the_user_with_the_same_reference(
    caplog: pytest.LogCaptureFixture,
) -> None:
    told: list[str] = []
    worker = Worker(max_workers=1)

    def job() -> None:
        raise ValueError("views.open failed")

    with caplog.at_level(logging.ERROR):
        worker.submit(job, where="test job", on_error=told.append)
        assert worker.drain(5)
    worker.shutdown()
    assert len(told) == 1
    assert any(told[0] in r.getMessage() and r.exc_info for r in caplog.records)


def test_redaction_scrubs_tokens_and_configured_secrets(tmp_path: Path) -> None:
    log_file = tmp_path / "log.txt"
    handler = logging.FileHandler(log_file)
    handler.addFilter(RedactingFilter(["my-signing-secret"]))
    logger = logging.getLogger("pendulum.test.redact")
    logger.addHandler(handler)
    try:
        logger.error("token %s and %s and my-signing-secret", "xoxb-123-456-abc", "xapp-1-A-2")
        try:
            raise RuntimeError("bad token xoxb-999-888")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    for secret in ("xoxb-123", "xapp-1-A", "my-signing-secret", "xoxb-999"):
        assert secret not in text
    assert text.count("[redacted]") >= 4
