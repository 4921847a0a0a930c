"""Shared fixtures: the local Slack emulator, and the real app running against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from slack_emulator import Emulator
from tests.support.harness import AppProcess, make_emulator, start_app

pytest_plugins = ["tests.support.pg_marker"]  # deselects `postgres` tests without a server

# Property tests run on busy 2-core CI machines: no per-example deadline and no "too slow"
# health check, so load can never fail a test; explicit @settings still override the rest.
settings.register_profile(
    "pendulum",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("pendulum")


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
