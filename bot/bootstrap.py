"""Start-up checks that turn every configuration problem into one clear line.

Order matters: nothing is written (no database file is created) until the content has loaded
and Slack has accepted the token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import build_router
from bot.clock import Clock, OffsetFileClock, SystemClock
from bot.config import Config, ConfigError, database_error
from bot.content.library import ContentError, Library, load_library
from bot.scheduling import build_engine
from bot.services import Services, make_client
from bot.store import Store, StoreError
from bot.store.db import NewerDatabase, check_database
from bot.worker import Worker


@dataclass(frozen=True)
class Identity:
    team_id: str
    team_name: str
    bot_user_id: str
    # Slack's answer to auth.test, handed to Bolt so that it does not ask again at start-up
    auth_test: Any = field(default=None, compare=False, repr=False)


def load_content(prompts_dir: Path) -> Library:
    try:
        return load_library(prompts_dir)
    except ContentError as exc:
        raise ConfigError(
            "PENDULUM_PROMPTS",
            f"{prompts_dir} has problems ({exc.problems[0]})",
            "run `pendulum-bot content lint` on it, or unset PENDULUM_PROMPTS to use the defaults",
        ) from exc


# The token check's failures become one ConfigError line; the SDK's own ERROR line for each
# attempt (three against an unreachable SLACK_API_URL) would only bury it.
_QUIET = logging.getLogger("pendulum.token_check")
_QUIET.propagate = False
_QUIET.setLevel(logging.CRITICAL)
_QUIET.addHandler(logging.NullHandler())


def check_token(config: Config) -> Identity:
    client = make_client(config.bot_token, config.api_url, logger=_QUIET)
    try:
        response = client.auth_test()
        result: dict[str, Any] = response.data  # type: ignore[assignment]
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            f"Slack rejected this token ({error})",
            "copy the current Bot User OAuth Token from your app's OAuth & Permissions page "
            "(reinstall the app if it was revoked)",
        ) from exc
    except (SlackClientError, OSError) as exc:
        raise ConfigError(
            "SLACK_API_URL",
            f"cannot reach Slack at {config.api_url} ({type(exc).__name__})",
            "check the network, or unset SLACK_API_URL to use Slack's own API",
        ) from exc
    return Identity(
        team_id=str(result.get("team_id", "")),
        team_name=str(result.get("team", "")),
        bot_user_id=str(result.get("user_id", "")),
        auth_test=response,
    )


def check_store(config: Config) -> None:
    """Refuse a file that is not a database this build can use, before anything (the lock
    file, WAL files) is created beside it."""
    try:
        check_database(config.db_path)
    except StoreError as exc:
        raise database_error(config.db_path, exc) from exc


def open_store(config: Config) -> Store:
    store = Store(config.db_path)
    try:
        store.migrate()
    except NewerDatabase as exc:
        store.close()
        raise database_error(config.db_path, exc) from exc
    except (StoreError, OSError, Exception) as exc:
        store.close()
        raise ConfigError(
            "PENDULUM_DB",
            f"cannot use the database at {config.db_path} ({exc})",
            "point PENDULUM_DB at a writable SQLite file",
        ) from exc
    return store


def build_services(
    config: Config, *, library: Library, store: Store, clock: Clock | None = None
) -> Services:
    if clock is None:
        clock = OffsetFileClock(config.clock_file) if config.clock_file else SystemClock()
    services = Services(
        config=config,
        store=store,
        library=library,
        clock=clock,
        worker=Worker(),
        router=build_router(),
    )
    services.engine = build_engine(services)  # features use it; its tick starts in the runtime
    return services
