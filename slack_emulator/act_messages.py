"""Users acting on messages: slash commands, button clicks, shortcuts."""

from __future__ import annotations

from slack_emulator import interact, payloads
from slack_emulator.acting import CONTROL_KEYS, JSON, ActorBase
from slack_emulator.delivery import Delivery
from slack_emulator.directory import Conversation
from slack_emulator.errors import ApiError, UserActionError
from slack_emulator.interact import fill_block_ids
from slack_emulator.models import Ephemeral, Message, User, View
from slack_emulator.outgoing import check_message


class MessageActors(ActorBase):
    def slash_command(
        self,
        user: str,
        channel: str | None = None,
        text: str = "",
        command: str = "/pendulum",
        *,
        retry_attempt: int = 0,
        wait: bool = True,
    ) -> Delivery:
        """Type `command text` in `channel` (default: the user's DM with the app)."""
        who = self._user(user)
        conv = self._where(who, channel)
        url = self._response_url(who, conv.id, "slash_command")
        payload = payloads.slash_command(
            self._core.workspace.directory, who, conv, command, text, url, self._trigger(who)
        )
        return self._deliverer.send(
            "slash_commands",
            payload,
            on_ack=lambda d: self._command_ack(who, conv, d),
            retry_attempt=retry_attempt,
            retry_reason="timeout" if retry_attempt else None,
            wait=wait,
        )

    def _command_ack(self, user: User, conv: Conversation, delivery: Delivery) -> None:
        """A command's ack payload is a message: ephemeral unless `in_channel`."""
        if not delivery.ack:
            return
        body = {k: v for k, v in delivery.ack.items() if k not in CONTROL_KEYS}
        check_message(body)
        ws = self._core.workspace
        text, blocks = str(body.get("text", "")), fill_block_ids(body.get("blocks"))
        if delivery.ack.get("response_type") == "in_channel":
            ws.history.add(
                Message(
                    channel=conv.id,
                    ts=ws.ids.ts(),
                    user=ws.bot.user_id,
                    text=text,
                    blocks=blocks,
                    bot_id=ws.bot.bot_id,
                    app_id=ws.bot.app_id,
                    source="ack",
                )
            )
        else:
            ws.history.add_ephemeral(
                Ephemeral(conv.id, user.id, ws.ids.ts(), text, blocks, source="ack")
            )

    def click(
        self,
        user: str,
        target: Message | Ephemeral | View,
        action_id: str,
        value: object = None,
        *,
        block_id: str | None = None,
        wait: bool = True,
    ) -> Delivery:
        """Click a button or pick `value` in a select/overflow/picker the app showed `user`.

        Buttons sharing an action_id are told apart by `value` (or `block_id`)."""
        who = self._user(user)
        if isinstance(target, View):
            return self._click_view(who, target, action_id, value, block_id, wait)
        ws = self._core.workspace
        if isinstance(target, Ephemeral):
            current: Message | Ephemeral = self._current_ephemeral(who, target)
            conv = self._where(who, target.channel)
        else:
            try:
                current = ws.history.get(target.channel, target.ts)
            except ApiError as e:
                raise UserActionError("that message no longer exists") from e
            conv = self._where(who, target.channel)
        found = interact.find(current.blocks, action_id, block_id=block_id, value=value)
        ephemeral = isinstance(current, Ephemeral)
        extra: JSON = {
            "channel": {"id": conv.id, "name": payloads.channel_name(conv)},
            "state": {"values": {}},
            "response_url": self._response_url(
                who, conv.id, "block_actions", message_ts=current.ts, ephemeral=ephemeral
            ),
        }
        if isinstance(current, Message):
            extra["message"] = current.to_slack(ws.team_id, with_metadata=False)
        container = {
            "type": "message",
            "message_ts": current.ts,
            "channel_id": conv.id,
            "is_ephemeral": ephemeral,
        }
        action = interact.action(found, value, ws.ids.action_ts())
        payload = payloads.block_actions(
            ws.directory,
            who,
            container=container,
            actions=[action],
            trigger_id=self._trigger(who),
            extra=extra,
        )
        return self._deliverer.send("interactive", payload, wait=wait)

    def _current_ephemeral(self, user: User, target: Ephemeral) -> Ephemeral:
        if target.user != user.id:
            raise UserActionError(f"only {target.user} can see that ephemeral message")
        for ephemeral in self._core.workspace.history.ephemerals(target.channel, user.id):
            if ephemeral.ts == target.ts:
                return ephemeral
        raise UserActionError("that ephemeral message is gone")

    def _click_view(
        self,
        user: User,
        target: View,
        action_id: str,
        value: object,
        block_id: str | None,
        wait: bool,
    ) -> Delivery:
        views = self._core.workspace.views
        view = self._visible_view(user, target)
        found = interact.find(view.blocks, action_id, block_id=block_id, value=value)
        if found.block.get("type") == "input" and not found.block.get("dispatch_action"):
            raise UserActionError(
                f"{action_id!r} is an input without dispatch_action: "
                "use emu.fill() and emu.submit_view()"
            )
        action = interact.action(found, value, self._core.workspace.ids.action_ts())
        if found.element.get("type") != "button":
            entry = interact.state_entry(found.element, value)
            views.set_input(view.id, {found.block_id: {str(action_id): entry}})
        ws = self._core.workspace
        payload = payloads.block_actions(
            ws.directory,
            user,
            container={"type": "view", "view_id": view.id},
            actions=[action],
            trigger_id=self._trigger(user),
            extra={"view": self._view_json(view.id)},
        )
        return self._deliverer.send("interactive", payload, wait=wait)

    def _visible_view(self, user: User, target: View) -> View:
        """The live version of `target`, if `user` is looking at it right now."""
        views = self._core.workspace.views
        stack = views.stack(user.id)
        if stack and stack[-1].id == target.id:
            return stack[-1]
        home = views.home(user.id)
        if home is not None and home.id == target.id and not stack:
            return home
        raise UserActionError(f"view {target.id} is not in front of {user.id}")

    def message_shortcut(
        self, user: str, channel: str, message_ts: str, callback_id: str, *, wait: bool = True
    ) -> Delivery:
        """Run the app's message shortcut `callback_id` on a message."""
        who = self._user(user)
        conv = self._where(who, channel)
        ws = self._core.workspace
        try:
            message = ws.history.get(conv.id, message_ts)
        except ApiError as e:
            raise UserActionError("that message does not exist") from e
        payload = payloads.message_action(
            ws.directory,
            who,
            conv,
            message.to_slack(ws.team_id, with_metadata=False),
            callback_id,
            self._trigger(who),
            self._response_url(who, conv.id, "message_action"),
            ws.ids.action_ts(),
        )
        return self._deliverer.send("interactive", payload, wait=wait)

    def shortcut(self, user: str, callback_id: str, *, wait: bool = True) -> Delivery:
        """Run the app's global shortcut `callback_id`."""
        who = self._user(user)
        ws = self._core.workspace
        payload = payloads.shortcut(
            ws.directory, who, callback_id, self._trigger(who), ws.ids.action_ts()
        )
        return self._deliverer.send("interactive", payload, wait=wait)
