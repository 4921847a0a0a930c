"""The `postgres` marker: tests that need a PostgreSQL server run when
PENDULUM_TEST_POSTGRES holds an admin URL (they create and drop databases of their own),
and are deselected (not skipped) otherwise, so a run without a server stays skip-free.

Loaded from tests/conftest.py (`pytest_plugins`)."""

from __future__ import annotations

import os

import pytest

ENVIRONMENT = "PENDULUM_TEST_POSTGRES"


def admin_url() -> str | None:
    return os.environ.get(ENVIRONMENT, "").strip() or None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if admin_url() is not None:
        return
    deselected = [item for item in items if item.get_closest_marker("postgres") is not None]
    if not deselected:
        return
    items[:] = [item for item in items if item.get_closest_marker("postgres") is None]
    config.hook.pytest_deselected(items=deselected)
