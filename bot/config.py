"""Configuration from the environment (the standard Bolt names plus Pendulum's own).

Every problem becomes a `ConfigError` that names the variable and the fix, so the CLI can
print one clear line instead of a traceback. Nothing here writes to disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.store.db import NewerDatabase
from bot.store.location import Location, PostgresLocation, SqliteLocation, parse_location
from bot.store.pg_server import USE_FIX, first_line, scrub, url_problem
from bot.store.replicas import new_replica_id

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_COMMAND = "/pendulum"
DEFAULT_HOST = "0.0.0.0"

Mode = Literal["socket", "http", "oauth", "offline"]


class ConfigError(Exception):
    """A setting is missing or wrong. `str()` is the one line shown to the operator."""

    def __init__(self, variable: str, problem: str, fix: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}. Fix: {fix}")


DEFAULT_DB_PATH = Path("pendulum.db")


def packaged_prompts_dir() -> Path:
    """The content shipped with Pendulum: `bot/_prompts` in a wheel, `prompts/` in a checkout."""
    here = Path(__file__).resolve().parent
    wheel = here / "_prompts"
    return wheel if wheel.is_dir() else here.parent / "prompts"


@dataclass(frozen=True)
class Config:
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = field(default=None, repr=False)
    # multi-workspace OAuth install (mode "oauth"): per-team tokens come from the database
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None
    host: str = DEFAULT_HOST
    api_url: str = DEFAULT_API_URL
    # the SQLite file; with PostgreSQL a stand-in naming the server (as `Store.path`): use
    # `database` for anything but SQLite's files
    db_path: Path = DEFAULT_DB_PATH
    prompts_dir: Path = field(default_factory=packaged_prompts_dir)
    port: int = DEFAULT_PORT
    log_format: Literal["text", "json"] = "text"
    tick_seconds: float = 30.0
    replica_lease_seconds: float = 90.0  # PostgreSQL replicas: see bot/delivery/replicas.py
    clock_file: str | None = None  # emulator-only: see bot.clock.OffsetFileClock
    # emulator-only: the delivery engine's own pacing (see DELIVERY_LIMIT_NAMES)
    delivery_limits: tuple[tuple[str, float], ...] = ()
    # PENDULUM_SECRET_KEY: a Fernet key; calendar feed addresses are stored encrypted with it
    secret_key: str | None = field(default=None, repr=False)
    # the slash command as the manifest declares it; what `{{ command }}` says in prompts/strings/
    command: str = DEFAULT_COMMAND
    # PENDULUM_DB when it is a PostgreSQL URL (whose password only `.url` shows); None: the
    # SQLite file at `db_path`. Read both through `database`.
    postgres_db: PostgresLocation | None = field(default=None, repr=False)
    # this process among the replicas sharing the database (/healthz, /metrics, the tick)
    replica: str = field(default_factory=new_replica_id)

    def __post_init__(self) -> None:
        if self.postgres_db is not None:  # `db_path` names the server, as `Store.path` does
            object.__setattr__(self, "db_path", Path(self.postgres_db.display))

    @property
    def database(self) -> Location:
        """Where the database is: the PostgreSQL URL, else the SQLite file."""
        return self.postgres_db or SqliteLocation(self.db_path)

    @property
    def postgres(self) -> bool:
        return self.postgres_db is not None

    @property
    def local_emulator(self) -> bool:
        """The app talks to a local emulator (tests, the workbench), not to Slack."""
        return is_local_url(self.api_url)

    # emulator-only: per-person request limits over rules.yaml's (see REQUEST_LIMIT_NAMES)
    request_limits: tuple[tuple[str, int], ...] = ()

    @property
    def mode(self) -> Mode:
        if self.bot_token and self.app_token:
            return "socket"
        if self.bot_token and self.signing_secret:
            return "http"
        if self.client_id and self.client_secret and self.signing_secret:
            return "oauth"
        return "offline"

    def __repr__(self) -> str:  # never print secrets, even by accident
        return (
            f"Config(mode={self.mode!r}, api_url={self.api_url!r}, "
            f"database={self.database.display!r}, prompts_dir={str(self.prompts_dir)!r}, "
            f"port={self.port}, replica={self.replica!r})"
        )


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Read and check the environment. Raises ConfigError on the first problem."""
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    bot_token = get("SLACK_BOT_TOKEN")
    app_token = get("SLACK_APP_TOKEN")
    signing_secret = get("SLACK_SIGNING_SECRET")
    client_id = get("SLACK_CLIENT_ID")
    client_secret = get("SLACK_CLIENT_SECRET")
    check_oauth(bot_token, app_token, signing_secret, client_id, client_secret)
    oauth = bool(client_id and client_secret and signing_secret)

    if bot_token and not bot_token.startswith("xoxb-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "is not a bot token (it must start with xoxb-)",
            "copy the Bot User OAuth Token from your app's OAuth & Permissions page",
        )
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN",
            "is not an app-level token (it must start with xapp-)",
            "create one with the connections:write scope under Basic Information > "
            "App-Level Tokens",
        )
    if (app_token or signing_secret) and not bot_token and not oauth:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "is not set",
            "set it to the Bot User OAuth Token (xoxb-…) next to your app token or signing "
            "secret, or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for multi-workspace OAuth",
        )
    if bot_token and not (app_token or signing_secret):
        raise ConfigError(
            "SLACK_APP_TOKEN",
            "is not set, and neither is SLACK_SIGNING_SECRET",
            "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode",
        )

    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    if not api_url.startswith(("https://", "http://")):
        raise ConfigError(
            "SLACK_API_URL", f"{api_url!r} is not an http(s) URL", "unset it to use Slack's own API"
        )
    if not api_url.endswith("/"):
        api_url += "/"

    port_text = get("PENDULUM_PORT")
    port = DEFAULT_PORT
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(
                "PENDULUM_PORT", f"{port_text!r} is not a TCP port", "use a number from 1 to 65535"
            )
        port = int(port_text)

    host = get("PENDULUM_HOST") or DEFAULT_HOST

    redirect_uri = get("SLACK_REDIRECT_URI")
    if redirect_uri and not redirect_uri.startswith(("https://", "http://")):
        raise ConfigError(
            "SLACK_REDIRECT_URI",
            f"{redirect_uri!r} is not an http(s) URL",
            "set it to https://your-host/slack/oauth_redirect (as listed under OAuth & "
            "Permissions > Redirect URLs), or unset it",
        )

    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError("LOG_FORMAT", f"{log_format!r} is not known", "use text or json")

    prompts_text = get("PENDULUM_PROMPTS")
    prompts_dir = Path(prompts_text).expanduser() if prompts_text else packaged_prompts_dir()
    if not prompts_dir.is_dir():
        raise ConfigError(
            "PENDULUM_PROMPTS",
            f"{prompts_dir} is not a directory",
            "point it at a content directory (a copy of prompts/) or unset it",
        )

    tick_seconds = seconds_setting(
        "PENDULUM_TICK_SECONDS",
        get("PENDULUM_TICK_SECONDS"),
        (0.05, 60),
        "unset it (30 s) or give the scheduler tick in seconds, at most 60",
    )
    replica_lease_seconds = seconds_setting(
        "PENDULUM_REPLICA_LEASE_SECONDS",
        get("PENDULUM_REPLICA_LEASE_SECONDS"),
        (max(1.0, 2 * tick_seconds), 3600),
        "unset it (three ticks, at least 90 s) or give, in seconds, how long a silent replica "
        "counts as alive: at least two scheduler ticks",
        default=max(90.0, 3 * tick_seconds),
    )

    clock_file = get("PENDULUM_CLOCK_FILE")
    if clock_file and not is_local_url(api_url):
        raise ConfigError(
            "PENDULUM_CLOCK_FILE",
            "moves the app's clock, which is only allowed against a local emulator",
            "unset it; the clock of an app connected to Slack always follows real time",
        )

    delivery_limits = parse_delivery_limits(get("PENDULUM_DELIVERY_LIMITS"))
    if delivery_limits and not is_local_url(api_url):
        raise ConfigError(
            "PENDULUM_DELIVERY_LIMITS",
            "changes how fast Pendulum sends, which only a local emulator may ask for",
            "unset it; against Slack the engine follows Slack's published limits",
        )

    request_limits = parse_request_limits(get("PENDULUM_REQUEST_LIMITS"))
    if request_limits and not is_local_url(api_url):
        raise ConfigError(
            "PENDULUM_REQUEST_LIMITS",
            "changes the per-person flood guards, which only a local emulator may ask for",
            "unset it; tune the limits under `limits` in rules.yaml instead",
        )

    database = parse_location(get("PENDULUM_DB") or str(DEFAULT_DB_PATH))
    if isinstance(database, PostgresLocation):
        check_postgres_url(database)
        db_path, postgres_db = Path(database.display), database
    else:
        check_db_writable(database.path)
        db_path, postgres_db = database.path, None

    secret_key = get("PENDULUM_SECRET_KEY")
    if secret_key is not None:
        check_secret_key(secret_key)

    return Config(
        bot_token=bot_token,
        app_token=app_token,
        signing_secret=signing_secret,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        host=host,
        api_url=api_url,
        db_path=db_path,
        postgres_db=postgres_db,
        prompts_dir=prompts_dir,
        port=port,
        log_format=log_format,  # type: ignore[arg-type]
        tick_seconds=tick_seconds,
        replica_lease_seconds=replica_lease_seconds,
        clock_file=clock_file,
        delivery_limits=delivery_limits,
        secret_key=secret_key,
        request_limits=request_limits,
    )


def check_secret_key(key: str) -> None:
    """A Fernet key: 32 bytes, url-safe base64. The value itself never enters the error."""
    from cryptography.fernet import Fernet

    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ConfigError(
            "PENDULUM_SECRET_KEY",
            "is not a Fernet key (32 bytes, url-safe base64)",
            "generate one with `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'` and keep it apart from your backups, or "
            "unset it to store calendar feed addresses unencrypted",
        ) from None


# PENDULUM_DELIVERY_LIMITS (emulator only): the delivery engine's pacing, for fault tests and
# benchmarks whose emulator allows more than Slack does, e.g. "post=100 burst=20 reads=50
# workers=16": chat.postMessage per second per workspace, its burst, history reads per second
# (reconciliation), and sender threads.
DELIVERY_LIMIT_NAMES = {"post": 1000.0, "burst": 10_000.0, "reads": 1000.0, "workers": 64.0}


def parse_delivery_limits(text: str | None) -> tuple[tuple[str, float], ...]:
    if not text:
        return ()
    limits: dict[str, float] = {}
    for part in text.replace(",", " ").split():
        name, _, raw = part.partition("=")
        ceiling = DELIVERY_LIMIT_NAMES.get(name)
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if ceiling is None or not 0 < value <= ceiling:
            raise ConfigError(
                "PENDULUM_DELIVERY_LIMITS",
                f"{part!r} is not understood",
                "give name=number pairs from "
                + ", ".join(f"{n} (0 < value <= {c:g})" for n, c in DELIVERY_LIMIT_NAMES.items())
                + ", or unset it",
            )
        limits[name] = value
    return tuple(sorted(limits.items()))


# PENDULUM_REQUEST_LIMITS (emulator only): per-person limits over those in rules.yaml, for
# scenario tests that type faster than a person, e.g. "commands_per_minute=1000".
REQUEST_LIMIT_NAMES = ("commands_per_minute", "exports_per_hour", "tip_channels_per_person")


def parse_request_limits(text: str | None) -> tuple[tuple[str, int], ...]:
    if not text:
        return ()
    limits: dict[str, int] = {}
    for part in text.replace(",", " ").split():
        name, _, raw = part.partition("=")
        if name not in REQUEST_LIMIT_NAMES or not raw.isdigit() or int(raw) < 1:
            raise ConfigError(
                "PENDULUM_REQUEST_LIMITS",
                f"{part!r} is not understood",
                "give name=whole-number pairs from "
                + ", ".join(REQUEST_LIMIT_NAMES)
                + ", or unset it",
            )
        limits[name] = int(raw)
    return tuple(sorted(limits.items()))


def check_oauth(
    bot_token: str | None,
    app_token: str | None,
    signing_secret: str | None,
    client_id: str | None,
    client_secret: str | None,
) -> None:
    """Multi-workspace OAuth needs the client id, client secret and signing secret, and no
    single-workspace token beside them (which token would a request use?)."""
    if not (client_id or client_secret):
        return
    if bot_token:
        raise ConfigError(
            "SLACK_CLIENT_ID" if client_id else "SLACK_CLIENT_SECRET",
            "is set together with SLACK_BOT_TOKEN",
            "unset SLACK_BOT_TOKEN for a multi-workspace OAuth install (tokens come from each "
            "installation), or unset SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for one workspace",
        )
    if app_token:
        raise ConfigError(
            "SLACK_APP_TOKEN",
            "is set, but OAuth installs are served over HTTP, not Socket Mode",
            "unset SLACK_APP_TOKEN and deploy with deploy/manifest.http.yml",
        )
    if not client_id:
        raise ConfigError(
            "SLACK_CLIENT_ID",
            "is not set (SLACK_CLIENT_SECRET is)",
            "copy the Client ID from your app's Basic Information > App Credentials",
        )
    if not client_secret:
        raise ConfigError(
            "SLACK_CLIENT_SECRET",
            "is not set (SLACK_CLIENT_ID is)",
            "copy the Client Secret from your app's Basic Information > App Credentials",
        )
    if not signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET",
            "is not set, and OAuth mode needs it to verify Slack's requests",
            "copy the Signing Secret from your app's Basic Information > App Credentials",
        )


def seconds_setting(
    variable: str, text: str | None, bounds: tuple[float, float], fix: str, default: float = 30.0
) -> float:
    """A duration in seconds from the environment, within `bounds` (inclusive)."""
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    low, high = bounds
    if not low <= value <= high:
        raise ConfigError(variable, f"{text!r} is not between {low:g} and {high:g}", fix)
    return value


def is_local_url(url: str) -> bool:
    """True for an API URL on this machine (the emulator), never for Slack's own."""
    from urllib.parse import urlparse

    host = urlparse(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def check_postgres_url(database: PostgresLocation) -> None:
    """A well-formed URL, with the postgres extra installed (the server's answer is checked
    at start: bot/app.py `check_store`). The URL is never echoed: it holds the password."""
    problem = url_problem(database)
    if problem is not None:
        raise ConfigError("PENDULUM_DB", *problem)


def database_error(where: Path | Location, exc: Exception) -> ConfigError:
    """One line for a database Pendulum can't use (bot/store/db.py), naming the fix."""
    if isinstance(exc, NewerDatabase):
        problem, _, fix = str(exc).partition(". Fix: ")
        return ConfigError("PENDULUM_DB", problem, fix)
    if isinstance(where, PostgresLocation):
        text = scrub(first_line(str(exc)), where)
        return ConfigError("PENDULUM_DB", f"cannot use {where.display} ({text})", USE_FIX)
    db_path = where.path if isinstance(where, SqliteLocation) else where
    text = str(exc)
    return ConfigError(
        "PENDULUM_DB",
        text if text.startswith(str(db_path)) else f"cannot use {db_path} ({text})",
        "point PENDULUM_DB at Pendulum's SQLite database (or at a new file to start afresh)",
    )


def check_db_writable(db_path: Path) -> None:
    """Fail early, without creating anything, if the database could not be written."""
    fix = "point PENDULUM_DB at a file in a directory this user can write"
    if db_path.is_dir():
        raise ConfigError("PENDULUM_DB", f"{db_path} is a directory", fix)
    if db_path.exists():
        if not os.access(db_path, os.R_OK | os.W_OK):
            raise ConfigError("PENDULUM_DB", f"{db_path} is not writable", fix)
        return
    parent = db_path.parent if str(db_path.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError("PENDULUM_DB", f"the directory {parent} does not exist", fix)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError("PENDULUM_DB", f"cannot create files in {parent}", fix)
