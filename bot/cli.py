"""The `pendulum-bot` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.config import (
    ConfigError,
    check_db_writable,
    check_postgres_url,
    database_error,
    load_config,
    packaged_prompts_dir,
)
from bot.ops.logs import setup_logging
from bot.store import backup, pg_backup
from bot.store.admin import OpsError
from bot.store.db import StoreError, check_database, check_server_database
from bot.store.location import Location, PostgresLocation, SqliteLocation, parse_location
from bot.store.pg_server import REACH_FIX, unreachable
from bot.store.sql import DATABASE_ERRORS

if TYPE_CHECKING:
    from bot.store import Store

EXIT_FAILED = 1
EXIT_CONFIG = 2
# a database Pendulum can't use, on either backend: one line, exit EXIT_CONFIG
DATABASE_FAILURES: tuple[type[BaseException], ...] = (StoreError, *DATABASE_ERRORS)

OFFLINE_HELP = """\
Pendulum has no Slack tokens, so it is not connected to a workspace.

To connect it:
  1. Create a Slack app from deploy/manifest.yml
     (api.slack.com/apps > Create New App > From a manifest).
  2. Install it to your workspace and copy the Bot User OAuth Token (xoxb-…).
  3. Create an app-level token with connections:write (xapp-…).
  4. SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… uv run pendulum-bot

For HTTP mode set SLACK_SIGNING_SECRET instead of SLACK_APP_TOKEN; to install in many
workspaces (OAuth) see deploy/README.md."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pendulum-bot",
        description="Pendulum: a Slack app that coaches engineering managers. "
        "With no command, runs the app (same as `pendulum-bot run`); with no Slack tokens, "
        "that is the offline workbench in your browser.",
        epilog="Configuration comes from the environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, "
        "SLACK_SIGNING_SECRET, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_REDIRECT_URI, "
        "SLACK_API_URL, PENDULUM_DB, PENDULUM_PROMPTS, PENDULUM_HOST, PENDULUM_PORT, "
        "PENDULUM_TICK_SECONDS (how often the scheduler looks for due sends; default 30), "
        "PENDULUM_REPLICA_LEASE_SECONDS (PostgreSQL replicas: how long a silent one counts as "
        "alive; default three ticks, at least 90), "
        "LOG_FORMAT. See README.md and deploy/README.md.",
    )
    parser.add_argument("--version", action="version", version=f"pendulum-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "run",
        help="run the app (Socket Mode, HTTP or OAuth, chosen by which settings are set)",
        description="Run Pendulum. SLACK_BOT_TOKEN + SLACK_APP_TOKEN: Socket Mode. "
        "SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET: HTTP mode at /slack/events. "
        "SLACK_CLIENT_ID + SLACK_CLIENT_SECRET + SLACK_SIGNING_SECRET (no bot token): "
        "multi-workspace OAuth over HTTP, installed from /slack/install. The web server listens "
        "on PENDULUM_HOST:PENDULUM_PORT (default 0.0.0.0:3000) and serves /healthz and "
        "/metrics in every mode (each process reports its own replica id). Migrations run on "
        "start; the scheduler runs in the same process. With a SQLite PENDULUM_DB only one "
        "`run` may use the database at a time (it holds PENDULUM_DB.lock); with a "
        "postgresql:// URL any number of `run` processes (replicas) may share it. "
        "With no Slack settings at all it runs the offline workbench instead (SQLite only): "
        "the app against a built-in Slack emulator, with a page at "
        "http://127.0.0.1:PENDULUM_PORT. Stop with Ctrl-C or SIGTERM.",
    )

    content = commands.add_parser("content", help="check coaching content")
    content_commands = content.add_subparsers(dest="content_command", metavar="COMMAND")
    lint = content_commands.add_parser(
        "lint",
        help="render every template and check it against Slack's limits",
        description="Render every template in a content directory with sample data, validate "
        "the Block Kit it produces against Slack's limits, and check front matter and data "
        "files. Prints `file: problem` lines; exit status 1 when anything is wrong.",
    )
    lint.add_argument(
        "dir",
        nargs="?",
        type=Path,
        help="content directory (default: PENDULUM_PROMPTS, else the packaged prompts/)",
    )

    db = commands.add_parser(
        "db",
        help="database maintenance: migrate, backup, restore",
        description="Maintain the database at PENDULUM_DB: a SQLite file (default "
        "./pendulum.db) or a postgresql://user:password@host:5432/dbname URL.",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND")
    db_commands.add_parser(
        "migrate",
        help="apply pending schema migrations",
        description="Apply pending schema migrations to PENDULUM_DB (creating it if needed). "
        "`run` does this on start too. SQLite: refuses while a Pendulum process runs on the "
        "database. PostgreSQL: runs under a lock, so it may run beside replicas and beside "
        "another `db migrate` (each step is applied once).",
    )
    backup = db_commands.add_parser(
        "backup",
        help="write an online, consistent copy of the database",
        description="Copy PENDULUM_DB to PATH; safe while the app runs. SQLite: with SQLite's "
        "online backup API. PostgreSQL: with `pg_dump --format=custom` (PostgreSQL's client "
        "tools must be installed; the password is handed over in the environment, never on "
        "a command line). Written beside PATH and renamed into place. Refuses to overwrite "
        "an existing file.",
    )
    backup.add_argument("path", type=Path, help="where to write the copy")
    restore = db_commands.add_parser(
        "restore",
        help="replace the database with a backup",
        description="Replace PENDULUM_DB with the backup at PATH (written by `db backup` from "
        "the same kind of database). The backup is checked first (readable, a Pendulum "
        "schema, not from a newer version). Stop the app first: SQLite: refuses while the "
        "database is live (a running Pendulum holds PENDULUM_DB.lock, or SQLite's "
        "PENDULUM_DB-wal / -shm files exist: an open connection, or a crash that left "
        "unmerged writes); the copy is written beside the database and renamed into place, "
        "so an interrupted restore leaves the old file intact. PostgreSQL: refuses while any "
        "replica is connected (stop every replica first); Pendulum's tables are dropped and "
        "recreated from the archive (`pg_restore --clean --if-exists --no-owner`, replayed by "
        "psql) in one transaction, so a failed restore changes nothing. An older backup is "
        "upgraded by the migrations when the app next starts.",
    )
    restore.add_argument("path", type=Path, help="the backup file to restore")
    restore.add_argument(
        "--force",
        action="store_true",
        help="restore even though the database looks live (SQLite: e.g. -wal/-shm left by a "
        "crash, whose unmerged writes are discarded; PostgreSQL: replicas still connected, "
        "whose in-flight writes fail)",
    )

    export = commands.add_parser(
        "export",
        help="write workspace data as JSON",
        description="Print every workspace's data in PENDULUM_DB as one JSON document "
        '({"format", "version", "exported_at", "schema", "teams": {TEAM_ID: {TABLE: [rows]}}}). '
        "Every table with a team_id column is included, and tables reached from one by a "
        "foreign key. Tokens, calendar feed addresses, and check-in answers and calendar "
        "figures (private to each manager: they get theirs with `/pendulum export`) are "
        "replaced by [redacted]; install states and app state "
        "are left out. Read-only: safe while the app runs (SQLite or PostgreSQL). For a full "
        "copy use `db backup`.",
    )
    export.add_argument("--team", metavar="T", help="only this workspace (team id, e.g. T0123)")
    export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )

    stats = commands.add_parser(
        "stats",
        help="workspaces, enrolled managers, subscriptions, deliveries, last tick",
        description="Summarise PENDULUM_DB: workspaces (and OAuth installations), enrolled "
        "managers (people with a scheduled DM), channel subscriptions, schedules by kind, "
        "pending and failed deliveries, and when the scheduler last ticked (and which "
        "replica ran it). With PostgreSQL: the whole database, whatever the number of "
        "replicas. Read-only: safe while the app runs.",
    )
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")

    health = commands.add_parser(
        "health",
        help="ask a running app's /healthz (for container health checks)",
        description="GET the running app's /healthz and print its JSON (with this process's "
        "replica id). Exit status 0 when healthy (HTTP 200), 1 when not (503: database "
        "unreachable or not writable, scheduler stopped, or the last tick too old) or "
        "unreachable.",
    )
    health.add_argument(
        "--url",
        help="default: http://127.0.0.1:$PENDULUM_PORT/healthz (PENDULUM_PORT default 3000)",
    )
    health.add_argument("--timeout", type=float, default=5.0, help="seconds (default 5)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "run"):
            return cmd_run()
        if args.command == "content":
            if args.content_command != "lint":
                parser.parse_args(["content", "--help"])
            return cmd_content_lint(args.dir)
        if args.command == "db":
            if args.db_command == "migrate":
                return cmd_db_migrate()
            if args.db_command == "backup":
                return cmd_db_backup(args.path)
            if args.db_command == "restore":
                return cmd_db_restore(args.path, force=args.force)
            parser.parse_args(["db", "--help"])
        if args.command == "export":
            return cmd_export(args.team, args.output)
        if args.command == "stats":
            return cmd_stats(as_json=args.json)
        if args.command == "health":
            return cmd_health(args.url, args.timeout)
    except ConfigError as exc:
        print(f"pendulum-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DATABASE_FAILURES as exc:  # anything the checks below missed
        assert isinstance(exc, Exception)
        print(f"pendulum-bot: {database_error(_location_from_env(), exc)}", file=sys.stderr)
        return EXIT_CONFIG
    except OpsError as exc:
        print(f"pendulum-bot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    return 0


def cmd_run() -> int:
    config = load_config()
    if config.mode == "offline" and config.postgres:
        raise ConfigError(
            "PENDULUM_DB",
            "the offline workbench (no Slack settings) runs on a SQLite file only",
            "unset PENDULUM_DB for the workbench, or set the Slack settings to run the app",
        )
    if config.mode == "offline":
        # No Slack tokens: serve the offline workbench (the app against the built-in emulator).
        setup_logging(config.log_format, [])
        try:
            # lazy: keeps the emulator out of production start-up; the Docker image has no
            # workbench/, only bot/ and blockkit/
            from workbench import run_workbench
        except ModuleNotFoundError as exc:
            if exc.name not in ("workbench", "slack_emulator"):
                raise
            print(
                "pendulum-bot: offline workbench not installed; set SLACK_BOT_TOKEN and "
                "SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET) to connect to Slack",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        return run_workbench(config, connect_note=OFFLINE_HELP)
    secrets = [
        s
        for s in (config.bot_token, config.app_token, config.signing_secret, config.client_secret)
        if s
    ]
    setup_logging(config.log_format, secrets)
    from bot.runtime import run

    return run(config)


def cmd_content_lint(directory: Path | None) -> int:
    from bot.content.lint import lint_directory

    if directory is None:
        env_dir = os.environ.get("PENDULUM_PROMPTS", "").strip()
        directory = Path(env_dir) if env_dir else packaged_prompts_dir()
    problems = lint_directory(directory)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"{directory}: ok")
    return 0


def _location_from_env() -> Location:
    return parse_location(os.environ.get("PENDULUM_DB", "").strip() or "pendulum.db")


def checked_location(*, check_file: bool = True) -> Location:
    """PENDULUM_DB, refused with one line when it is not a database this build can use:
    PostgreSQL, a bad URL, the extra not installed, or a server that does not answer;
    SQLite (`check_file`), a file that is not a Pendulum database."""
    location = _location_from_env()
    try:
        if isinstance(location, PostgresLocation):
            check_postgres_url(location)
            if (problem := unreachable(location)) is not None:
                raise ConfigError("PENDULUM_DB", problem, REACH_FIX)
            if check_file:
                check_server_database(location)
        elif check_file:
            check_database(location.path)
    except StoreError as exc:
        raise database_error(location, exc) from exc
    return location


def _store_from_env() -> tuple[Location, Store]:
    from bot.store import Store

    location = checked_location()
    if isinstance(location, SqliteLocation):
        check_db_writable(location.path)
    return location, Store(location)


def cmd_db_migrate() -> int:
    from bot.store.backup import DatabaseLock

    location, store = _store_from_env()
    try:
        holder = (
            DatabaseLock.holder(location.path) if isinstance(location, SqliteLocation) else None
        )
        if holder:
            raise OpsError(
                f"a running Pendulum ({holder}) uses {location.display}. Fix: stop it first; "
                "`pendulum-bot run` applies migrations when it starts"
            )
        applied = store.migrate()
    finally:
        store.close()
    names = f": {', '.join(applied)}" if applied else ""
    print(f"{location.display}: applied {len(applied)} migration(s){names}")
    return 0


def cmd_db_backup(target: Path) -> int:
    location = checked_location()
    if isinstance(location, SqliteLocation) and not location.path.exists():
        raise ConfigError(
            "PENDULUM_DB", f"{location.path} does not exist", "point it at the live database"
        )
    if target.exists():
        raise ConfigError("PATH", f"{target} already exists", "choose a new file name")
    if isinstance(location, PostgresLocation):
        pg_backup.backup(location, target)
    else:
        _, store = _store_from_env()
        try:
            store.backup(target)
        finally:
            store.close()
    print(f"backed up {location.display} to {target}")
    return 0


def cmd_db_restore(source: Path, *, force: bool) -> int:
    location = checked_location(check_file=False)  # a damaged file is what a restore is for
    done: pg_backup.Restored | backup.Restored
    if isinstance(location, PostgresLocation):
        done = pg_backup.restore(source, location, force=force)
    else:
        check_db_writable(location.path)
        done = backup.restore(source, location.path, force=force)
    if done.forced:
        print(f"warning: restored over a live database ({'; '.join(done.forced)})", file=sys.stderr)
    rows = sum(n for t, n in done.rows.items() if t != "_sqlite_migrations")
    print(
        f"restored {done.source} to {done.target}: {rows} row(s) in "
        f"{len(done.rows)} table(s), schema {done.schema[-1]}. "
        "Start Pendulum to apply any newer migrations."
    )
    return 0


def _reading(location: Location) -> tuple[Any, Callable[[], None]]:
    """A database to read the whole of (export, stats) and how to let go of it. SQLite: a
    read-only connection to the file (refusing a missing one); PostgreSQL: the store's."""
    if isinstance(location, SqliteLocation):
        db = backup.open_readonly(location.path)
        return db, db.conn.close
    from bot.store import Store

    store = Store(location)
    return store.db, store.close


def cmd_export(team: str | None, output: Path | None) -> int:
    from bot.clock import SystemClock
    from bot.store.admin import dump_json, export

    db, done = _reading(checked_location())
    try:
        document = export(db, SystemClock().now(), team)
    finally:
        done()
    if team and not any(document["teams"][team].values()):
        raise OpsError(
            f"no data for workspace {team}. Fix: check the team id (`pendulum-bot stats`)"
        )
    text = dump_json(document) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"exported {len(document['teams'])} workspace(s) to {output}", file=sys.stderr)
    return 0


def cmd_stats(*, as_json: bool) -> int:
    import json

    from bot.clock import SystemClock
    from bot.store.admin import stats

    location = checked_location()
    db, done = _reading(location)
    try:
        result = stats(db, location.display, SystemClock().now())
    finally:
        done()
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print("\n".join(result.lines()))
    return 0


def cmd_health(url: str | None, timeout: float) -> int:
    import urllib.error
    import urllib.request

    if url is None:
        port = os.environ.get("PENDULUM_PORT", "").strip() or "3000"
        url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            print(response.read().decode("utf-8", "replace"))
            return 0
    except urllib.error.HTTPError as exc:
        print(exc.read().decode("utf-8", "replace"))
        return EXIT_FAILED
    except (urllib.error.URLError, OSError) as exc:
        print(f"pendulum-bot: {url} unreachable ({exc})", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
