"""Users acting on modals: fill inputs, submit (and what the ack's response_action does),
close."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_emulator import interact, payloads
from slack_emulator.acting import ActorBase
from slack_emulator.delivery import Delivery
from slack_emulator.errors import ApiError, UserActionError
from slack_emulator.interact import fill_block_ids
from slack_emulator.models import User, View
from slack_emulator.outgoing import check_view

Values = Mapping[str, Mapping[str, object]]


class ViewActors(ActorBase):
    def _front_modal(self, user: User, view: View | str) -> View:
        view_id = view if isinstance(view, str) else view.id
        stack = self._core.workspace.views.stack(user.id)
        if not stack or stack[-1].id != view_id:
            raise UserActionError(f"modal {view_id} is not the one in front of {user.id}")
        return stack[-1]

    def fill(self, user: str, view: View | str, values: Values) -> View:
        """Type into / pick in a modal's inputs: `{block_id: {action_id: value}}`.

        Values are strings (text, option value, user/channel id, date), lists for multi
        selects and checkboxes, or None to clear."""
        who = self._user(user)
        current = self._front_modal(who, view)
        entries: dict[str, dict[str, Any]] = {}
        for block_id, actions in values.items():
            for action_id, raw in actions.items():
                found = interact.find(current.blocks, action_id, block_id=block_id)
                entries.setdefault(block_id, {})[action_id] = interact.state_entry(
                    found.element, raw
                )
        return self._core.workspace.views.set_input(current.id, entries)

    def submit_view(
        self, user: str, view: View | str, values: Values | None = None, *, wait: bool = True
    ) -> Delivery:
        """Press the modal's submit button (after filling `values`, if given).

        The ack's `response_action` is applied: errors stay on the view (`emu.view(id).errors`),
        update/push/clear change the stack, and no action closes the view."""
        who = self._user(user)
        current = self._front_modal(who, view)
        if "submit" not in current.spec:
            raise UserActionError(f"modal {current.id} has no submit button")
        if values:
            current = self.fill(user, current.id, values)
        for block in current.blocks:
            if block.get("type") != "input" or block.get("optional"):
                continue
            entry = current.state_values.get(str(block.get("block_id")), {})
            if all(interact.is_empty(e) for e in entry.values()):
                raise UserActionError(
                    f"required input {block.get('block_id')!r} is empty; "
                    "Slack would not let the user submit"
                )
        ws = self._core.workspace
        payload = payloads.view_submission(
            ws.directory, who, self._view_json(current.id), self._trigger(who)
        )
        view_id = current.id
        return self._deliverer.send(
            "interactive",
            payload,
            on_ack=lambda d: self._submission_ack(who, view_id, d),
            wait=wait,
        )

    def _submission_ack(self, user: User, view_id: str, delivery: Delivery) -> None:
        views = self._core.workspace.views
        ack = delivery.ack or {}
        action = ack.get("response_action")
        if action is None:
            if ack:
                raise ApiError("invalid_ack", problem=f"ack without response_action: {ack!r:.80}")
            delivery.outcome["closed"] = [v.id for v in views.close(user.id, view_id)]
        elif action == "errors":
            errors = _checked_errors(views.get(view_id), ack.get("errors"))
            views.set_errors(view_id, errors)
            delivery.outcome["errors"] = errors
        elif action in ("update", "push"):
            spec = check_view(ack.get("view"))
            if spec.get("type") != "modal":
                raise ApiError("invalid_ack", problem=f"response_action {action} needs a modal")
            spec = {**spec, "blocks": fill_block_ids(spec.get("blocks"))}
            if action == "update":
                delivery.outcome["updated"] = views.update(view_id, spec, None).id
            else:
                delivery.outcome["pushed"] = views.push(user.id, spec).id
        elif action == "clear":
            delivery.outcome["closed"] = [v.id for v in views.close(user.id, view_id, clear=True)]
        else:
            raise ApiError("invalid_ack", problem=f"unknown response_action {action!r}")

    def close_view(self, user: str, view: View | str, *, wait: bool = True) -> Delivery | None:
        """Press the modal's close button. Returns the view_closed delivery when the view
        asked for `notify_on_close`, else None."""
        who = self._user(user)
        current = self._front_modal(who, view)
        view_json = self._view_json(current.id)
        clear = bool(current.spec.get("clear_on_close"))
        self._core.workspace.views.close(who.id, current.id, clear=clear)
        if not current.spec.get("notify_on_close"):
            return None
        payload = payloads.view_closed(self._core.workspace.directory, who, view_json, clear)
        return self._deliverer.send("interactive", payload, wait=wait)


def _checked_errors(view: View, errors: object) -> dict[str, str]:
    """`errors` must map input block_ids of this view to messages."""
    if not isinstance(errors, dict) or not errors:
        raise ApiError("invalid_ack", problem="response_action errors needs an errors object")
    inputs = {str(b.get("block_id")) for b in view.blocks if b.get("type") == "input"}
    unknown = sorted(set(errors) - inputs)
    if unknown:
        raise ApiError("invalid_ack", problem=f"errors for unknown input blocks {unknown}")
    return {str(k): str(v) for k, v in errors.items()}
