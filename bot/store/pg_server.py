"""Reaching PostgreSQL from a command or at start: is PENDULUM_DB a URL Pendulum can use, and
does the server answer? One line each, never showing the URL's password (`scrub`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from bot.store.location import PostgresLocation

APP_NAME = "pendulum"  # what the app's pool calls its connections (bot/store/postgres.py)
CLI_NAME = "pendulum-cli"  # this command's own connections: not a running replica
CONNECT_TIMEOUT_S = 10

EXTRA_FIX = "install PostgreSQL support: pip install 'pendulum-bot[postgres]'"
URL_FIX = "use postgresql://user:password@host:5432/dbname"
REACH_FIX = (
    "start the server, or correct the host, port, user, password or database name in the URL"
)
USE_FIX = "check that the server is up and that the URL's user may create tables in that database"


def scrub(text: str, location: PostgresLocation) -> str:
    """`text` without the URL's password (raw or percent-decoded) or the URL itself."""
    secret = urlsplit(location.url).password
    text = text.replace(location.url, location.display)
    for form in {secret, unquote(secret)} if secret else set():
        if form:
            text = text.replace(form, "***")
    return text


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no detail"


def connect(location: PostgresLocation) -> Any:
    """One autocommit connection for an operator's command (raises psycopg's errors)."""
    import psycopg

    return psycopg.connect(
        location.url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name=CLI_NAME,
    )


def unreachable(location: PostgresLocation) -> str | None:
    """None when the server answers; else one line saying why not (no password in it)."""
    import psycopg

    try:
        with connect(location) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        detail = scrub(first_line(str(exc)), location)
        return f"cannot reach PostgreSQL at {location.display} ({detail})"
    return None


def url_problem(location: PostgresLocation) -> tuple[str, str] | None:
    """(problem, fix) when the URL is malformed or the postgres extra is missing; else None.
    Nothing is connected to (see `unreachable`)."""
    try:
        shown = location.display
    except ValueError:  # e.g. a port that is not a number
        return "is not a valid PostgreSQL URL", URL_FIX
    try:
        import psycopg
        import psycopg_pool  # noqa: F401  (the app's connection pool)
        import sqlparams  # noqa: F401  (the store's placeholders on PostgreSQL)
    except ImportError:
        return f"{shown} is a PostgreSQL database, but PostgreSQL support is not installed", (
            EXTRA_FIX
        )
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(location.url)
    except psycopg.Error as exc:
        detail = scrub(first_line(str(exc)), location)
        return f"is not a valid PostgreSQL URL ({detail})", URL_FIX
    return None
