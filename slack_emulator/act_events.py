"""Events API deliveries: arbitrary events plus helpers for the ones Pendulum cares about."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from slack_emulator import payloads
from slack_emulator.acting import ActorBase
from slack_emulator.delivery import Delivery
from slack_emulator.errors import UserActionError
from slack_emulator.models import Message, User


class EventActors(ActorBase):
    def event(
        self,
        event_type: str,
        *,
        retry_attempt: int = 0,
        retry_reason: str | None = None,
        event_id: str | None = None,
        wait: bool = True,
        **fields: Any,
    ) -> Delivery:
        """Deliver an `event_callback` whose event is `{"type": event_type, **fields}`."""
        ws = self._core.workspace
        event = {"type": event_type, **fields, "event_ts": fields.get("event_ts", ws.ids.ts())}
        payload = payloads.event_callback(
            ws.directory, event, event_id or ws.ids.event_id(), int(ws.ids.now())
        )
        return self._deliverer.send(
            "events_api", payload, retry_attempt=retry_attempt, retry_reason=retry_reason, wait=wait
        )

    def redeliver(
        self, delivery: Delivery, *, reason: str | None = None, wait: bool = True
    ) -> Delivery:
        """Send the same request again as Slack's retry (same event_id, retry_attempt + 1)."""
        attempt = delivery.retry_attempt + 1
        default = "timeout" if delivery.transport == "socket" else "http_timeout"
        return self._deliverer.send(
            delivery.type,
            delivery.payload,
            retry_attempt=attempt,
            retry_reason=reason or default,
            wait=wait,
        )

    def open_home(self, user: str, *, wait: bool = True) -> Delivery:
        """The user opens the app's Home tab (`app_home_opened`)."""
        who = self._user(user)
        ws = self._core.workspace
        home = ws.views.home(who.id)
        fields: dict[str, Any] = {
            "user": who.id,
            "channel": ws.directory.im_for(who.id),
            "tab": "home",
        }
        if home is not None:
            fields["view"] = self._view_json(home.id)
        return self.event("app_home_opened", wait=wait, **fields)

    def post_as_user(
        self,
        user: str,
        channel: str | None,
        text: str,
        *,
        thread_ts: str | None = None,
        wait: bool = True,
    ) -> Delivery | None:
        """`user` writes `text` in `channel` (None = their DM with the app). The app gets a
        `message` event if it can see the conversation (and `app_mention` if mentioned)."""
        who = self._user(user)
        conv = self._where(who, channel)
        ws = self._core.workspace
        message = ws.history.add(
            Message(
                channel=conv.id,
                ts=ws.ids.ts(),
                user=who.id,
                text=text,
                thread_ts=thread_ts,
                source="user",
            )
        )
        # Slack's subscription names: message.im, message.channels, message.groups
        subscription = {
            "im": "message.im",
            "channel": "message.channels",
            "group": "message.groups",
        }
        if not conv.bot_member or not (
            self._subscribed("message") or self._subscribed(subscription[conv.kind])
        ):
            return None
        event: dict[str, Any] = {
            "user": who.id,
            "text": text,
            "ts": message.ts,
            "channel": conv.id,
            "channel_type": conv.kind,
            "client_msg_id": str(uuid.uuid4()),
            "team": ws.team_id,
            "event_ts": message.ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        delivered = self.event("message", wait=wait, **event)
        if f"<@{ws.bot.user_id}>" in text and conv.kind != "im" and self._subscribed("app_mention"):
            mention = {k: v for k, v in event.items() if k != "channel_type"}
            self.event("app_mention", wait=wait, **mention)
        return delivered

    def update_user(self, user: str, *, wait: bool = True, **changes: Any) -> Delivery:
        """Change a user's profile (tz, deleted, status_text...) and send `user_change`."""
        ws = self._core.workspace
        with ws.lock:
            current = ws.directory.users.get(user)
            if current is None:
                raise UserActionError(f"no user {user!r}")
            updated = dataclasses.replace(current, **changes)
            ws.directory.users[user] = updated
        user_json = ws.directory.user_json(updated, ws.clock.now(), with_email=False)
        return self.event("user_change", wait=wait, user=user_json)

    def set_status(
        self,
        user: str,
        text: str,
        emoji: str = "",
        *,
        expiration: int = 0,
        wait: bool = True,
    ) -> list[Delivery]:
        """The user sets their Slack status: as Slack does, `user_status_changed` and
        `user_change` (each only if the app subscribed to it)."""
        ws = self._core.workspace
        with ws.lock:
            current = ws.directory.users.get(user)
            if current is None:
                raise UserActionError(f"no user {user!r}")
            updated = dataclasses.replace(
                current, status_text=text, status_emoji=emoji, status_expiration=expiration
            )
            ws.directory.users[user] = updated
        user_json = ws.directory.user_json(updated, ws.clock.now(), with_email=False)
        return [
            self.event(event_type, wait=wait, user=user_json)
            for event_type in ("user_status_changed", "user_change")
            if self._subscribed(event_type)
        ]

    def join(self, user: User, *, wait: bool = True) -> Delivery | None:
        """A new member joins the workspace (`team_join`, if the app subscribed to it)."""
        ws = self._core.workspace
        with ws.lock:
            ws.directory.users[user.id] = user
        if not self._subscribed("team_join"):
            return None
        user_json = ws.directory.user_json(user, ws.clock.now(), with_email=False)
        return self.event("team_join", wait=wait, user=user_json)

    def uninstall(self, *, wait: bool = True) -> list[Delivery]:
        """Remove the app: `app_uninstalled` and `tokens_revoked`, then every bot token dies."""
        bot_user = self._core.workspace.bot.user_id
        sent = [
            self.event("app_uninstalled", wait=wait),
            self.event("tokens_revoked", wait=wait, tokens={"oauth": [], "bot": [bot_user]}),
        ]
        self._core.auth.revoke_all()
        return sent

    def url_verification(self, challenge: str = "emulator-challenge") -> Delivery:
        """Slack's Request URL check: the app must echo `challenge` (HTTP only)."""
        payload = {
            "token": payloads.VERIFICATION_TOKEN,
            "challenge": challenge,
            "type": "url_verification",
        }

        def check(delivery: Delivery) -> None:
            ack = delivery.ack or {}
            if challenge not in (ack.get("challenge"), ack.get("text")):
                self._core.recorder.problem(
                    "url_verification", f"challenge not echoed: {ack!r:.80}"
                )

        return self._deliverer.send("events_api", payload, on_ack=check, transport="http")
