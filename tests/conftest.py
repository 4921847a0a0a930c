"""Shared fixtures: the local Slack emulator, and the real app running against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator import Emulator
from tests.harness import AppProcess, make_emulator, start_app


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    """The sample workspace, on the same movable clock as the `app` fixture."""
    with make_emulator(tmp_path / "app" / "clock") as emulator:
        yield emulator


@pytest.fixture
def app(emu: Emulator, tmp_path: Path) -> Iterator[AppProcess]:
    """Pendulum in Socket Mode, connected to `emu`."""
    process = start_app(emu, tmp_path / "app")
    yield process
    process.stop()
    emu.assert_no_problems()


@pytest.fixture
def http_app(emu: Emulator, tmp_path: Path) -> Iterator[AppProcess]:
    """Pendulum in HTTP mode; `emu` delivers signed requests to it."""
    process = start_app(emu, tmp_path / "app", mode="http")
    yield process
    process.stop()
