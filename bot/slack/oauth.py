"""Multi-workspace install (mode "oauth"): Bolt's OAuth flow on Pendulum's database.

`GET /slack/install` shows an "Add to Slack" page (and sets the state cookie);
`GET /slack/oauth_redirect` checks the state, trades the code with `oauth.v2.access`, and
saves the installation. Every Web API call of the flow goes to `SLACK_API_URL`, so the local
emulator (or GovSlack) works end to end. Bolt's `authorize` then finds each request's bot
token in the `installations` table.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import DEFAULT_API_URL, Config
from bot.slack.installations import SqliteInstallationStore, SqliteOAuthStateStore
from bot.store.db import Store

log = logging.getLogger("pendulum.oauth")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRATION_SECONDS = 600

# Least privilege: exactly the bot scopes of deploy/manifest*.yml (a test keeps them equal),
# and no user scopes.
BOT_SCOPES: tuple[str, ...] = (
    "commands",  # /pendulum
    "chat:write",  # answers, check-in DMs, nudges, channel tips
    "users:read",  # each manager's time zone and away status (users.info)
    "channels:read",  # check a channel before subscribing it to tips
    "groups:read",
    "im:write",  # conversations.open: the DM with a manager, to find a sent message again
    "im:history",  # find a sent message again after a crash (no duplicate sends)
    "channels:history",
    "groups:history",
    "files:write",  # /pendulum export delivers a file in your DM
)


def authorization_url(api_url: str) -> str:
    """Where installers are sent: slack.com's authorize page, or the same host as a custom
    SLACK_API_URL (GovSlack, a proxy, the emulator)."""
    if api_url == DEFAULT_API_URL:
        return "https://slack.com/oauth/v2/authorize"
    return urljoin(api_url, "../oauth/v2/authorize")


def oauth_client(api_url: str) -> WebClient:
    """No retry handlers: an authorization code is single-use, so a blind retry of
    `oauth.v2.access` after a dropped connection could only fail."""
    return WebClient(base_url=api_url, timeout=10, retry_handlers=[])


def build_oauth_flow(config: Config, store: Store, clock: Clock) -> OAuthFlow:
    if not (config.client_id and config.client_secret):
        raise ValueError("OAuth needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    client = oauth_client(config.api_url)
    settings = OAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=config.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(config.api_url),
        installation_store=SqliteInstallationStore(store, config.client_id, clock),
        installation_store_bot_only=False,
        state_store=SqliteOAuthStateStore(store, STATE_EXPIRATION_SECONDS, clock),
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        logger=logging.getLogger("pendulum.oauth.bolt"),
    )
    # one auth.test per token, not one per request: acks stay well inside Slack's 3 s
    authorize = settings.authorize
    if isinstance(authorize, InstallationStoreAuthorize):
        authorize.cache_enabled = True
        if authorize.token_rotator is not None:
            authorize.token_rotator.client = client
    return OAuthFlow(client=client, settings=settings, logger=logging.getLogger("pendulum.oauth"))
