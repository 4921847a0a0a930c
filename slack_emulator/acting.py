"""Shared plumbing for simulated users: who they are, where they are, and the trigger_ids
and response_urls Slack mints for each interaction."""

from __future__ import annotations

from typing import Any

from slack_emulator.core import Core
from slack_emulator.delivery import Deliverer
from slack_emulator.directory import Conversation
from slack_emulator.errors import ApiError, UserActionError
from slack_emulator.models import User

JSON = dict[str, Any]
CONTROL_KEYS = ("response_type", "replace_original", "delete_original")


class ActorBase:
    """State every actor mixin works on; `Emulator` sets these up."""

    _core: Core
    _deliverer: Deliverer
    # the bot events the app subscribed to (its manifest); None = every event
    subscribed_events: set[str] | None = None

    def _subscribed(self, event_type: str) -> bool:
        return self.subscribed_events is None or event_type in self.subscribed_events

    def _user(self, user_id: str) -> User:
        try:
            user = self._core.workspace.directory.user(user_id)
        except ApiError as e:
            raise UserActionError(f"no user {user_id!r} in the workspace") from e
        if user.deleted:
            raise UserActionError(f"{user_id} is deactivated and cannot act")
        return user

    def _where(self, user: User, ref: str | None) -> Conversation:
        """The conversation `user` acts in: a channel they belong to, or (None / their own id)
        their DM with the app."""
        directory = self._core.workspace.directory
        if ref is None or ref == user.id:
            ref = directory.im_for(user.id)
        try:
            conv = directory.lookup(ref)
        except ApiError as e:
            raise UserActionError(f"no conversation {ref!r}") from e
        if user.id not in conv.members:
            raise UserActionError(f"{user.id} is not a member of {ref}")
        return conv

    def _response_url(
        self,
        user: User,
        channel: str,
        source: str,
        *,
        message_ts: str | None = None,
        ephemeral: bool = False,
    ) -> str:
        core = self._core
        token = core.workspace.ids.secret()
        core.responses.issue(
            token,
            user=user.id,
            channel=channel,
            source=source,
            message_ts=message_ts,
            ephemeral=ephemeral,
        )
        return f"{core.base_url}/response/{token}"

    def _trigger(self, user: User) -> str:
        return self._core.triggers.issue(user.id)

    def _view_json(self, view_id: str) -> JSON:
        ws = self._core.workspace
        view = ws.views.get(view_id)
        return view.to_slack(ws.team_id, ws.bot.app_id, ws.bot.bot_id)
