"""PostgreSQL as a whole: reaching the server from the command line, and `db backup` /
`db restore` with pg_dump and pg_restore (SQLite's file copies are backup.py's).

The URL in PENDULUM_DB carries a password, so it never goes on a command line (where `ps`
shows it to every user of the machine) nor into a message: pg_dump and pg_restore get the
connection through libpq's environment variables (PGHOST, PGPASSWORD, …), and every error
text is passed through `scrub` first.

Restore refuses while replicas are connected (the app's connections call themselves
`pendulum` in pg_stat_activity): it drops and recreates every table, which would wait on, and
then pull the tables from under, a running replica. Stop every replica first. It runs in one
transaction (`_replay`): a restore that fails changes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from bot.store.admin import (
    GLOBAL_TABLES,
    OpsError,
    restorable_schema,
    workspace_scopes,
)
from bot.store.location import PostgresLocation
from bot.store.migrations import MIGRATIONS, MIGRATIONS_TABLE
from bot.store.pg_server import APP_NAME, CLI_NAME, connect, first_line, scrub
from bot.store.schema import quote, table_names
from bot.store.sql import PostgresDatabase

ARCHIVE_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
SQLITE_MAGIC = b"SQLite format 3\x00"

# libpq connection parameters and the environment variable that sets each one
_ENVIRONMENT = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "client_encoding": "PGCLIENTENCODING",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcompression": "PGSSLCOMPRESSION",
    "requirepeer": "PGREQUIREPEER",
    "gssencmode": "PGGSSENCMODE",
    "channel_binding": "PGCHANNELBINDING",
    "krbsrvname": "PGKRBSRVNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "sslsni": "PGSSLSNI",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "application_name": "PGAPPNAME",  # replaced by CLI_NAME: the tools are not a replica
}
# settings of the app's long-lived connections that a one-off dump or restore does without
_CONNECTION_TUNING = frozenset(
    {"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"}
)

CLIENT_TOOLS_FIX = (
    "install PostgreSQL's client tools, pg_dump, pg_restore and psql (Debian: apt-get install "
    "postgresql-client), of the server's major version or newer"
)


def libpq_environment(location: PostgresLocation) -> dict[str, str]:
    """This process's environment plus the URL's connection parameters as PG* variables,
    for pg_dump and pg_restore (the password must not be on their command line)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(location.url)
    except psycopg.Error as exc:
        raise OpsError(
            f"PENDULUM_DB is not a valid PostgreSQL URL ({scrub(first_line(str(exc)), location)})."
            " Fix: use postgresql://user:password@host:5432/dbname"
        ) from None
    env = dict(os.environ)
    for key, value in params.items():
        name = _ENVIRONMENT.get(key)
        if key in _CONNECTION_TUNING:
            continue
        if name is None:
            raise OpsError(
                f"PENDULUM_DB's connection parameter {key!r} cannot be handed to pg_dump. "
                f"Fix: set it through libpq's environment or a service file instead"
            )
        env[name] = str(value)
    env["PGAPPNAME"] = CLI_NAME
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise OpsError(f"{name} is not installed. Fix: {CLIENT_TOOLS_FIX}")
    return path


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, env=env, capture_output=True, check=False)


# -- backup ----------------------------------------------------------------------------------
def backup(location: PostgresLocation, destination: Path) -> None:
    """`pg_dump --format=custom` of the whole database to `destination`: a consistent
    snapshot, taken while replicas keep running. Written beside it and renamed into place, so
    a failed dump leaves no file behind."""
    env = libpq_environment(location)
    pg_dump = _tool("pg_dump")
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        done = _run([pg_dump, "--format=custom", f"--file={partial}"], env)
        if done.returncode != 0:
            detail = scrub(first_line(done.stderr.decode(errors="replace")), location)
            raise OpsError(
                f"pg_dump could not back up {location.display} ({detail}). Fix: check that the "
                "server is up and the URL's user may read every table; pg_dump must be of the "
                "server's major version or newer"
            )
        os.replace(partial, destination)
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()


# -- checking an archive ---------------------------------------------------------------------
def check_archive(source: Path) -> list[str]:
    """The migrations a pg_dump archive was written with (read from the archive itself,
    without touching any database); raises OpsError if it is not a Pendulum backup this
    version can restore."""
    if not source.is_file():
        raise OpsError(f"{source} does not exist. Fix: give the path of a backup file")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        raise OpsError(
            f"{source} is a SQLite backup, and PENDULUM_DB is PostgreSQL. Fix: give a file "
            "written by `pendulum-bot db backup` with PENDULUM_DB set to this PostgreSQL URL"
        )
    if not head.startswith(ARCHIVE_MAGIC):
        raise OpsError(
            f"{source} is not a pg_dump archive. Fix: give a file written by "
            "`pendulum-bot db backup` (pg_dump --format=custom)"
        )
    pg_restore = _tool("pg_restore")
    done = _run(
        [pg_restore, "--data-only", f"--table={MIGRATIONS_TABLE}", "--file=-", str(source)],
        dict(os.environ),
    )
    if done.returncode != 0:
        detail = first_line(done.stderr.decode(errors="replace"))
        raise OpsError(f"{source} is damaged ({detail}). Fix: restore an older backup")
    schema = migrations_in_dump(done.stdout.decode(errors="replace"))
    return restorable_schema(source, schema)


def migrations_in_dump(script: str) -> list[str]:
    """Pendulum's migration names from the `COPY _sqlite_migrations … FROM stdin` block of
    a dump script, in the order they were applied."""
    rows: list[tuple[int, str]] = []
    names: list[str] | None = None
    for line in script.splitlines():
        if names is None:
            if line.startswith("COPY ") and MIGRATIONS_TABLE in line and "(" in line:
                inside = line[line.index("(") + 1 : line.index(")")]
                names = [c.strip().strip('"') for c in inside.split(",")]
            continue
        if line == "\\.":
            break
        values = dict(zip(names, line.split("\t"), strict=False))
        if values.get("migration_set") == MIGRATIONS.name and values.get("name"):
            order = values.get("id", "")
            rows.append((int(order) if order.isdigit() else len(rows), values["name"]))
    return [name for _, name in sorted(rows)]


# -- restore ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Restored:
    source: Path
    target: str  # the database, as shown to a person
    schema: list[str]
    rows: dict[str, int]
    forced: list[str]


def live_reasons(db: PostgresDatabase) -> list[str]:
    """Why the database looks in use: connections from running replicas."""
    row = db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT client_addr) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name = ?"
        " AND pid <> pg_backend_pid()",
        [APP_NAME],
    ).fetchone()
    connections = int(row[0])
    if not connections:
        return []
    return [f"{connections} connection(s) from running Pendulum replicas (pg_stat_activity)"]


def pendulum_tables(db: PostgresDatabase) -> list[str]:
    """The tables of the database that are Pendulum's: its migration record, the global
    tables and every workspace table (admin.py's scopes). Another application's tables in
    the same database are not."""
    if MIGRATIONS_TABLE not in table_names(db):
        return []
    return sorted(set(GLOBAL_TABLES) | {s.table for s in workspace_scopes(db)})


def archive_tables(source: Path) -> set[str]:
    """The tables an archive holds, from its table of contents."""
    listing = _run([_tool("pg_restore"), "--list", str(source)], dict(os.environ))
    tables = set()
    for line in listing.stdout.decode(errors="replace").splitlines():
        words = line.split()
        if not line.startswith(";") and "TABLE" in words[3:4] and len(words) >= 6:
            tables.add(words[5])
    return tables


def _replay(source: Path, dbname: str, stale: list[str], env: dict[str, str]) -> str | None:
    """Replace the database's Pendulum tables with the archive's in ONE transaction: drop
    the tables the archive lacks (a later migration's: the next start recreates them), then
    run `pg_restore --clean --if-exists --no-owner`'s script with psql, between a BEGIN and
    a COMMIT sent only once pg_restore has finished well (pg_restore's own
    --single-transaction could not include the drop, and psql's would commit a script cut
    short). None on success, else the first error."""
    # errors go to files: a pipe nobody reads while the data streams could fill and stall
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as replay_errors:
        script = subprocess.Popen(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--file=-", str(source)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=script_errors,
        )
        replay = subprocess.Popen(
            [
                _tool("psql"),
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={dbname}",
                "--file=-",
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=replay_errors,
        )
        assert script.stdout is not None and replay.stdin is not None
        with suppress(BrokenPipeError):  # psql stopped at an error: its stderr says which
            replay.stdin.write(b"BEGIN;\n")
            if stale:
                drop = ", ".join(quote(t) for t in stale)
                replay.stdin.write(f"DROP TABLE IF EXISTS {drop} CASCADE;\n".encode())
            shutil.copyfileobj(script.stdout, replay.stdin)
            script.stdout.close()
            if script.wait() == 0:
                replay.stdin.write(b"COMMIT;\n")
            # else no COMMIT: psql's session ends inside the transaction, which rolls back
        with suppress(BrokenPipeError):
            replay.stdin.close()
        script.stdout.close()
        failed = [
            errors  # psql's first: when it stops, pg_restore fails only to write to it
            for process, errors in ((replay, replay_errors), (script, script_errors))
            if process.wait() != 0
        ]
        if failed:
            failed[0].seek(0)
            return first_line(failed[0].read().decode(errors="replace"))
    return None


def row_counts(db: PostgresDatabase) -> dict[str, int]:
    return {
        t: int(db.execute(f"SELECT COUNT(*) FROM {quote(t)}").fetchone()[0])
        for t in table_names(db)
    }


def restore(source: Path, location: PostgresLocation, *, force: bool = False) -> Restored:
    """Replace the database's Pendulum tables with the archive `source`.

    The archive is checked first (a pg_dump archive of a Pendulum schema this version
    knows). Refuses while replicas are connected unless `force`. One transaction (see
    `_replay`), so a failed restore changes nothing; tables are dropped and recreated, owned
    by the URL's user. An older backup is upgraded by the migrations on the next start."""
    schema = check_archive(source)
    env = libpq_environment(location)
    dbname = env.get("PGDATABASE") or env.get("PGUSER")
    if not dbname:
        raise OpsError(
            "PENDULUM_DB names no database. Fix: use postgresql://user:password@host:5432/dbname"
        )
    with connect(location) as conn:
        reasons = live_reasons(PostgresDatabase(None, conn))
    if reasons and not force:
        raise OpsError(
            f"{location.display} looks live: {'; '.join(reasons)}. Fix: stop every replica "
            "first, or pass --force if you are sure nothing is using it"
        )
    with connect(location) as conn:
        stale = [
            t
            for t in pendulum_tables(PostgresDatabase(None, conn))
            if t not in (archive_tables(source))
        ]
    failure = _replay(source, dbname, stale, env)
    if failure is not None:
        detail = scrub(failure, location)
        raise OpsError(
            f"could not restore {source} ({detail}); {location.display} is unchanged. "
            "Fix: check that the URL's user may create and drop Pendulum's tables"
        )
    with connect(location) as conn:
        rows = row_counts(PostgresDatabase(None, conn))
    return Restored(source, location.display, schema, rows, reasons)
