"""Errors the emulator's Web API answers with."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Slack error response: `{"ok": false, "error": code, **extra}`.

    `problem` is set when real Slack would reject the request because the app got something
    wrong (bad blocks, unknown method, expired trigger...): the emulator records it so a test
    fails. Errors the app is expected to handle at run time (`channel_not_found`, a closed
    modal...) carry no problem.
    """

    def __init__(self, code: str, *, problem: str | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.problem = problem
        self.extra = extra


class UserActionError(ValueError):
    """A test asked a simulated user to do something the Slack client would not allow."""


class NotConnectedError(RuntimeError):
    """Nothing to deliver to: no Socket Mode connection and no `request_url`."""
