"""Fixtures for the emulator's own tests: a Web API client and an in-process Bolt app
connected over Socket Mode (the test module supplies its own `emu` fixture)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from slack_emulator import Emulator


@pytest.fixture
def client(emu: Emulator) -> WebClient:
    return WebClient(token="xoxb-emulator", base_url=emu.api_url)


def close_in_background(closable: Any) -> None:
    """slack_sdk's close() joins its threads for up to 3 s (and can race with itself while
    doing so); the tests don't need to wait for it."""

    def close() -> None:
        with contextlib.suppress(Exception):
            closable.close()

    threading.Thread(target=close, daemon=True).start()


@pytest.fixture
def app(emu: Emulator, client: WebClient) -> Iterator[App]:
    """A Bolt app connected over Socket Mode; tests add listeners to it."""
    bolt = App(client=client)
    handler = SocketModeHandler(bolt, app_token="xapp-emulator", web_client=client)
    handler.connect()
    emu.wait_connected()
    yield bolt
    close_in_background(handler)
