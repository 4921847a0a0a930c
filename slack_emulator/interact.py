"""What a user can do with blocks: find an element, pick a value, and shape the result the way
Slack reports it (`actions[...]` in block_actions, `view.state.values` in submissions)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slack_emulator.errors import UserActionError

JSON = dict[str, Any]

# element type -> (state key, initial key, shape); shape is how a raw test value is read.
_STATE: dict[str, tuple[str, str, str]] = {
    "plain_text_input": ("value", "initial_value", "text"),
    "number_input": ("value", "initial_value", "text"),
    "email_text_input": ("value", "initial_value", "text"),
    "url_text_input": ("value", "initial_value", "text"),
    "static_select": ("selected_option", "initial_option", "option"),
    "external_select": ("selected_option", "initial_option", "option"),
    "radio_buttons": ("selected_option", "initial_option", "option"),
    "overflow": ("selected_option", "", "option"),
    "multi_static_select": ("selected_options", "initial_options", "options"),
    "multi_external_select": ("selected_options", "initial_options", "options"),
    "checkboxes": ("selected_options", "initial_options", "options"),
    "users_select": ("selected_user", "initial_user", "text"),
    "multi_users_select": ("selected_users", "initial_users", "list"),
    "conversations_select": ("selected_conversation", "initial_conversation", "text"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", "list"),
    "channels_select": ("selected_channel", "initial_channel", "text"),
    "multi_channels_select": ("selected_channels", "initial_channels", "list"),
    "datepicker": ("selected_date", "initial_date", "text"),
    "timepicker": ("selected_time", "initial_time", "text"),
    "datetimepicker": ("selected_date_time", "initial_date_time", "int"),
}


@dataclass(frozen=True)
class Found:
    block: JSON
    block_id: str
    element: JSON


def fill_block_ids(blocks: object) -> list[JSON]:
    """A copy of `blocks` where every block has a block_id, as Slack fills in missing ones."""
    if not isinstance(blocks, list):
        return []
    out: list[JSON] = copy.deepcopy(blocks)
    for i, block in enumerate(out):
        if isinstance(block, dict) and "block_id" not in block:
            digest = hashlib.sha1(f"{i}:{json.dumps(block, sort_keys=True)}".encode())
            block["block_id"] = digest.hexdigest()[:5]
    return out


def elements(blocks: object) -> Iterator[Found]:
    """Every interactive element in `blocks` with the block holding it."""
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        block_id = str(block.get("block_id", ""))
        candidates = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements") or [])
        elif block.get("type") == "section" and "accessory" in block:
            candidates = [block["accessory"]]
        elif block.get("type") == "input" and "element" in block:
            candidates = [block["element"]]
        for element in candidates:
            if isinstance(element, dict) and "action_id" in element:
                yield Found(block, block_id, element)


def find(
    blocks: object, action_id: str, *, block_id: str | None = None, value: object = None
) -> Found:
    """The one element a user means; buttons sharing an action_id are told apart by value."""
    matches = [
        f
        for f in elements(blocks)
        if f.element.get("action_id") == action_id and block_id in (None, f.block_id)
    ]
    if len(matches) > 1 and value is not None:
        matches = [
            f
            for f in matches
            if f.element.get("type") != "button" or f.element.get("value") == value
        ]
    if not matches:
        raise UserActionError(f"no element with action_id {action_id!r} is visible")
    if len(matches) > 1:
        raise UserActionError(
            f"{len(matches)} elements have action_id {action_id!r}; "
            "pass block_id or value to pick one"
        )
    return matches[0]


def _options(element: JSON) -> list[JSON]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def _option(element: JSON, value: object) -> JSON:
    for option in _options(element):
        if option.get("value") == value:
            return copy.deepcopy(option)
    raise UserActionError(f"{element.get('action_id')!r} has no option with value {value!r}")


def state_entry(element: JSON, raw: object) -> JSON:
    """The state.values entry for `element` once the user entered `raw` (None = empty)."""
    kind = str(element.get("type"))
    if kind not in _STATE:
        raise UserActionError(f"a {kind} element holds no value")
    key, _, shape = _STATE[kind]
    entry: JSON = {"type": kind}
    if raw is None:
        entry[key] = [] if shape in ("options", "list") else None
    elif shape == "option":
        entry[key] = _option(element, raw)
    elif shape == "options":
        values = raw if isinstance(raw, list) else [raw]
        entry[key] = [_option(element, v) for v in values]
    elif shape == "list":
        entry[key] = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
    elif shape == "int":
        entry[key] = int(str(raw))
    else:
        entry[key] = str(raw)
        if kind == "plain_text_input":
            _check_length(element, str(raw))
    return entry


def _check_length(element: JSON, text: str) -> None:
    low, high = element.get("min_length", 0), element.get("max_length", 3000)
    if not low <= len(text) <= high:
        raise UserActionError(
            f"{element.get('action_id')!r} needs {low}..{high} characters, got {len(text)}"
        )


def is_empty(entry: JSON) -> bool:
    return all(v in (None, [], "") for k, v in entry.items() if k != "type")


def initial_state(blocks: object) -> dict[str, dict[str, JSON]]:
    """state.values before the user touches anything: every stateful element, initialised."""
    state: dict[str, dict[str, JSON]] = {}
    for found in elements(blocks):
        kind = str(found.element.get("type"))
        if kind not in _STATE or kind == "overflow":
            continue
        key, initial_key, shape = _STATE[kind]
        entry: JSON = {"type": kind, key: [] if shape in ("options", "list") else None}
        if initial_key in found.element:
            entry[key] = copy.deepcopy(found.element[initial_key])
        state.setdefault(found.block_id, {})[str(found.element["action_id"])] = entry
    return state


def action(found: Found, raw: object, action_ts: str) -> JSON:
    """One entry of a block_actions payload's `actions` list."""
    element = found.element
    out: JSON = {
        "type": element.get("type"),
        "action_id": element.get("action_id"),
        "block_id": found.block_id,
        "action_ts": action_ts,
    }
    if element.get("type") == "button":
        if raw is not None and raw != element.get("value"):
            raise UserActionError(
                f"button {element.get('action_id')!r} has value "
                f"{element.get('value')!r}, not {raw!r}"
            )
        out["text"] = copy.deepcopy(element.get("text"))
        for key in ("value", "style"):
            if key in element:
                out[key] = element[key]
        return out
    entry = state_entry(element, raw)
    entry.pop("type")
    out.update(entry)
    return out
