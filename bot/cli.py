"""The `pendulum-bot` command."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.config import ConfigError, database_error, load_config, packaged_prompts_dir
from bot.ops.logs import setup_logging
from bot.store.admin import OpsError
from bot.store.db import StoreError, check_database

EXIT_FAILED = 1
EXIT_CONFIG = 2

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
        "alive; default 30), "
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
        "/metrics in every mode. Migrations run on start; the scheduler runs in the same "
        "process; only one `run` may use a database at a time (it holds PENDULUM_DB.lock). "
        "With no Slack settings at all it runs the offline workbench instead: the app against "
        "a built-in Slack emulator, with a page at http://127.0.0.1:PENDULUM_PORT. "
        "Stop with Ctrl-C or SIGTERM.",
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
        description="Maintain the SQLite database at PENDULUM_DB (default ./pendulum.db).",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND")
    db_commands.add_parser(
        "migrate",
        help="apply pending schema migrations",
        description="Apply pending schema migrations to PENDULUM_DB (creating it if needed). "
        "`run` does this on start too. Refuses while a Pendulum process runs on the database.",
    )
    backup = db_commands.add_parser(
        "backup",
        help="write an online, consistent copy of the database",
        description="Copy PENDULUM_DB to PATH with SQLite's online backup API; safe while the "
        "app runs. Refuses to overwrite an existing file.",
    )
    backup.add_argument("path", type=Path, help="where to write the copy")
    restore = db_commands.add_parser(
        "restore",
        help="replace the database with a backup",
        description="Replace PENDULUM_DB with the backup at PATH (written by `db backup`). "
        "The backup is checked first (readable, a Pendulum schema, not from a newer version). "
        "Refuses while the database is live: a running Pendulum holds PENDULUM_DB.lock, or "
        "SQLite's PENDULUM_DB-wal / -shm files exist (an open connection, or a crash that left "
        "unmerged writes). Stop the app first. The copy is written beside the database and "
        "renamed into place, so an interrupted restore leaves the old file intact. An older "
        "backup is upgraded by the migrations when the app next starts.",
    )
    restore.add_argument("path", type=Path, help="the backup file to restore")
    restore.add_argument(
        "--force",
        action="store_true",
        help="restore even though the database looks live (e.g. -wal/-shm left by a crash; "
        "their unmerged writes are discarded)",
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
        "are left out. Read-only: safe while the app runs. For a full copy use `db backup`.",
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
        "host:pid ran it). Read-only: safe while the app runs.",
    )
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")

    health = commands.add_parser(
        "health",
        help="ask a running app's /healthz (for container health checks)",
        description="GET the running app's /healthz and print its JSON. Exit status 0 when "
        "healthy (HTTP 200), 1 when not (503: database unreachable, scheduler stopped, or "
        "the last tick too old) or unreachable.",
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
    except (StoreError, sqlite3.DatabaseError) as exc:  # anything the checks below missed
        print(f"pendulum-bot: {database_error(_db_path_from_env(), exc)}", file=sys.stderr)
        return EXIT_CONFIG
    except OpsError as exc:
        print(f"pendulum-bot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    return 0


def cmd_run() -> int:
    config = load_config()
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
    import os

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


def checked_db_path() -> Path:
    """PENDULUM_DB, refused with one line when it is not a database this build can use."""
    db_path = _db_path_from_env()
    try:
        check_database(db_path)
    except StoreError as exc:
        raise database_error(db_path, exc) from exc
    return db_path


def _store_from_env() -> tuple[Path, object]:
    from bot.config import check_db_writable
    from bot.store import Store

    db_path = checked_db_path()
    check_db_writable(db_path)
    return db_path, Store(db_path)


def cmd_db_migrate() -> int:
    from bot.store import Store
    from bot.store.backup import DatabaseLock

    db_path, store = _store_from_env()
    assert isinstance(store, Store)
    holder = DatabaseLock.holder(db_path)
    if holder:
        raise OpsError(
            f"a running Pendulum ({holder}) uses {db_path}. Fix: stop it first; "
            "`pendulum-bot run` applies migrations when it starts"
        )
    applied = store.migrate()
    names = f": {', '.join(applied)}" if applied else ""
    print(f"{db_path}: applied {len(applied)} migration(s){names}")
    store.close()
    return 0


def cmd_db_backup(target: Path) -> int:
    from bot.store import Store

    db_path, store = _store_from_env()
    assert isinstance(store, Store)
    if not db_path.exists():
        raise ConfigError(
            "PENDULUM_DB", f"{db_path} does not exist", "point it at the live database"
        )
    if target.exists():
        raise ConfigError("PATH", f"{target} already exists", "choose a new file name")
    store.backup(target)
    store.close()
    print(f"backed up {db_path} to {target}")
    return 0


def _db_path_from_env() -> Path:
    import os

    return Path(os.environ.get("PENDULUM_DB", "").strip() or "pendulum.db").expanduser()


def cmd_db_restore(source: Path, *, force: bool) -> int:
    from bot.config import check_db_writable
    from bot.store.backup import restore

    target = _db_path_from_env()
    check_db_writable(target)
    done = restore(source, target, force=force)
    if done.forced:
        print(f"warning: restored over a live database ({'; '.join(done.forced)})", file=sys.stderr)
    rows = sum(n for t, n in done.rows.items() if t != "_sqlite_migrations")
    print(
        f"restored {done.source} to {done.target}: {rows} row(s) in "
        f"{len(done.rows)} table(s), schema {done.schema[-1]}. "
        "Start Pendulum to apply any newer migrations."
    )
    return 0


def cmd_export(team: str | None, output: Path | None) -> int:
    from bot.clock import SystemClock
    from bot.store.admin import dump_json, export
    from bot.store.backup import open_readonly

    db = open_readonly(checked_db_path())
    try:
        document = export(db, SystemClock().now(), team)
    finally:
        db.conn.close()
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
    from bot.store.backup import open_readonly

    path = checked_db_path()
    db = open_readonly(path)
    try:
        result = stats(db, path, SystemClock().now())
    finally:
        db.conn.close()
    if as_json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print("\n".join(result.lines()))
    return 0


def cmd_health(url: str | None, timeout: float) -> int:
    import os
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
