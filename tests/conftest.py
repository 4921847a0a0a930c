"""Shared fixtures: the local Slack emulator, and the real app running against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from slack_emulator import Emulator
from tests.support import databases
from tests.support.databases import fresh_database, on_postgres
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With PENDULUM_TEST_BACKEND=postgres, tests about SQLite files are deselected (not skipped:
    they do not apply, and a skip would hide a real one)."""
    if not on_postgres():
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


# PostgreSQL databases are dropped when the fixtures that made them are done: a test's after
# its app stopped, a module-scoped app's at the end of the module
@pytest.fixture(autouse=True, scope="session")
def _databases_of_the_session() -> Iterator[None]:
    start = databases.mark()
    yield
    databases.drop_since(start)


@pytest.fixture(autouse=True, scope="module")
def _databases_of_the_module() -> Iterator[None]:
    start = databases.mark()
    yield
    databases.drop_since(start)


@pytest.fixture(autouse=True)
def _databases_of_the_test() -> Iterator[None]:
    start = databases.mark()
    yield
    databases.drop_since(start)


@pytest.fixture
def db_location(tmp_path: Path) -> str:
    """A fresh, empty database for this test: a SQLite path, or a PostgreSQL URL with
    PENDULUM_TEST_BACKEND=postgres (tests/support/databases.py)."""
    return fresh_database(tmp_path)


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
