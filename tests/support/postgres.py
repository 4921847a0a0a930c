"""A fresh PostgreSQL database per test, on the server PENDULUM_TEST_POSTGRES names (an
admin URL); tests that need one are marked `postgres`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def admin_url() -> str:
    url = os.environ.get("PENDULUM_TEST_POSTGRES", "")
    if not url:
        raise RuntimeError("PENDULUM_TEST_POSTGRES is not set (tests marked postgres need it)")
    return url


@contextmanager
def fresh_postgres_url() -> Iterator[str]:
    """Create an empty database, yield its URL, drop it (closing whatever is still connected)."""
    import psycopg

    admin = admin_url()
    name = f"pendulum_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
