"""Where the database lives: PENDULUM_DB is a SQLite path (or `sqlite:///path`) or a
PostgreSQL URL (`postgresql://user:password@host:5432/dbname`).

A URL carries a password, so anything shown to a person or a log uses `display`, which
keeps the host and database and hides the credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"


@dataclass(frozen=True)
class SqliteLocation:
    path: Path

    @property
    def display(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class PostgresLocation:
    url: str

    @property
    def display(self) -> str:
        """The URL without its user name and password."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))

    @property
    def database(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


Location = SqliteLocation | PostgresLocation


def is_postgres_url(value: str) -> bool:
    return value.strip().lower().startswith(POSTGRES_SCHEMES)


def parse_location(value: str | Path) -> Location:
    """A PENDULUM_DB value as a location; a bare path is SQLite."""
    if isinstance(value, Path):
        return SqliteLocation(value)
    text = value.strip()
    if is_postgres_url(text):
        return PostgresLocation(text)
    if text.lower().startswith(SQLITE_SCHEME):
        # as in SQLAlchemy: `sqlite:///pendulum.db` is relative to the working directory,
        # `sqlite:////var/lib/pendulum/pendulum.db` absolute
        text = text[len(SQLITE_SCHEME) :]
    return SqliteLocation(Path(text).expanduser())
