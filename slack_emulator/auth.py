"""Tokens, scopes and OAuth: who may call what."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

from slack_emulator.errors import ApiError

TokenKind = Literal["bot", "app", "none"]

DEFAULT_SCOPES = frozenset(
    {
        "app_mentions:read",
        "channels:history",
        "channels:join",
        "channels:read",
        "chat:write",
        "commands",
        "groups:history",
        "groups:read",
        "im:history",
        "im:read",
        "im:write",
        "team:read",
        "users:read",
        "users:read.email",
        "files:write",
    }
)


@dataclass
class OAuthGrant:
    code: str
    user: str
    scopes: list[str]
    redirect_uri: str | None
    used: bool = False


@dataclass
class Auth:
    """Valid tokens, granted bot scopes, and OAuth codes a test registered."""

    bot_token: str
    app_token: str
    signing_secret: str
    client_id: str = "0000000000.0000000000"
    client_secret: str = "emulator-client-secret"
    scopes: set[str] = field(default_factory=lambda: set(DEFAULT_SCOPES))
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _bot_tokens: set[str] = field(default_factory=set, init=False, repr=False)
    _revoked: set[str] = field(default_factory=set, init=False, repr=False)
    _codes: dict[str, OAuthGrant] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._bot_tokens.add(self.bot_token)

    def check(self, token: str | None, kind: TokenKind) -> None:
        """Raise Slack's auth error for `token` on a method that needs a `kind` token."""
        if kind == "none":
            return
        if not token:
            raise ApiError("not_authed", problem="no token sent")
        with self._lock:
            if token in self._revoked:
                raise ApiError("token_revoked")
            is_bot, is_app = token in self._bot_tokens, token == self.app_token
        if not (is_bot or is_app):
            raise ApiError("invalid_auth", problem="unknown token")
        if (kind == "bot") != is_bot:
            raise ApiError("not_allowed_token_type", problem=f"this method needs a {kind} token")

    def need_scope(self, scope: str | None) -> None:
        if scope is not None and scope not in self.scopes:
            raise ApiError("missing_scope", needed=scope, provided=",".join(sorted(self.scopes)))

    def register_code(
        self, code: str, user: str, scopes: list[str] | None, redirect_uri: str | None
    ) -> None:
        with self._lock:
            self._codes[code] = OAuthGrant(
                code, user, list(scopes or sorted(self.scopes)), redirect_uri
            )

    def exchange_code(
        self, client_id: str | None, client_secret: str | None, code: str, redirect_uri: str | None
    ) -> tuple[OAuthGrant, str]:
        """Trade a registered code for a fresh bot token (one use, like Slack)."""
        if client_id != self.client_id:
            raise ApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise ApiError("bad_client_secret")
        with self._lock:
            grant = self._codes.get(code)
            if grant is None or grant.used:
                raise ApiError("invalid_code")
            if grant.redirect_uri and redirect_uri != grant.redirect_uri:
                raise ApiError("bad_redirect_uri")
            grant.used = True
            token = f"xoxb-emulator-install-{len(self._bot_tokens)}"
            self._bot_tokens.add(token)
            return grant, token

    def revoke_all(self) -> None:
        with self._lock:
            self._revoked |= self._bot_tokens
