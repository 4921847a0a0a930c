"""The `pendulum-bot` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.config import ConfigError, load_config, packaged_prompts_dir
from bot.logs import setup_logging

EXIT_CONFIG = 2

OFFLINE_HELP = """\
Pendulum has no Slack tokens, so it is not connected to a workspace.

To connect it:
  1. Create a Slack app from deploy/manifest.yml (api.slack.com/apps > Create New App > From a manifest).
  2. Install it to your workspace and copy the Bot User OAuth Token (xoxb-…).
  3. Create an app-level token with connections:write (xapp-…).
  4. SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… uv run pendulum-bot

For HTTP mode set SLACK_SIGNING_SECRET instead of SLACK_APP_TOKEN. See README.md."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pendulum-bot",
        description="Pendulum: a Slack app that coaches engineering managers. "
        "With no command, runs the app (same as `pendulum-bot run`).",
        epilog="Configuration comes from the environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, "
        "SLACK_SIGNING_SECRET, SLACK_API_URL, PENDULUM_DB, PENDULUM_PROMPTS, PENDULUM_PORT, "
        "LOG_FORMAT. See README.md.",
    )
    parser.add_argument("--version", action="version", version=f"pendulum-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "run",
        help="run the app (Socket Mode or HTTP, chosen by which tokens are set)",
        description="Run Pendulum. SLACK_BOT_TOKEN + SLACK_APP_TOKEN: Socket Mode. "
        "SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET: HTTP mode on PENDULUM_PORT (default 3000) "
        "at /slack/events. The scheduler runs in the same process. Stop with Ctrl-C or SIGTERM.",
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

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND")
    db_commands.add_parser(
        "migrate",
        help="apply pending schema migrations",
        description="Apply pending schema migrations to PENDULUM_DB (creating it if needed). "
        "`run` does this on start too.",
    )
    backup = db_commands.add_parser(
        "backup",
        help="write an online, consistent copy of the database",
        description="Copy PENDULUM_DB to PATH with SQLite's online backup API; safe while the "
        "app runs. Refuses to overwrite an existing file.",
    )
    backup.add_argument("path", type=Path, help="where to write the copy")
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
            parser.parse_args(["db", "--help"])
    except ConfigError as exc:
        print(f"pendulum-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    return 0


def cmd_run() -> int:
    config = load_config()
    if config.mode == "offline":
        print(OFFLINE_HELP)
        return 0
    secrets = [s for s in (config.bot_token, config.app_token, config.signing_secret) if s]
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


def _store_from_env() -> tuple[Path, object]:
    import os

    from bot.config import check_db_writable
    from bot.store import Store

    db_path = Path(os.environ.get("PENDULUM_DB", "").strip() or "pendulum.db").expanduser()
    check_db_writable(db_path)
    return db_path, Store(db_path)


def cmd_db_migrate() -> int:
    from bot.store import Store

    db_path, store = _store_from_env()
    assert isinstance(store, Store)
    applied = store.migrate()
    print(f"{db_path}: applied {len(applied)} migration(s){': ' + ', '.join(applied) if applied else ''}")
    store.close()
    return 0


def cmd_db_backup(target: Path) -> int:
    from bot.store import Store

    db_path, store = _store_from_env()
    assert isinstance(store, Store)
    if not db_path.exists():
        raise ConfigError("PENDULUM_DB", f"{db_path} does not exist", "point it at the live database")
    if target.exists():
        raise ConfigError("PATH", f"{target} already exists", "choose a new file name")
    store.backup(target)
    store.close()
    print(f"backed up {db_path} to {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
