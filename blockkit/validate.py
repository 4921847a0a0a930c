"""Block Kit validation: what Slack would reject, checked on plain dicts before anything is sent.

slack_sdk's models only check some limits (and never for raw dicts), so the emulator and the
tests run every outgoing message and view through these functions. Each problem is one short
string naming the path and the rule, e.g. ``blocks[3].text.text: 3012 chars > 3000``.

One rule is ours, not Slack's: text that would notify many people (``<!channel>``, ``<!here>``,
``<!everyone>``, ``<!subteam^…>``, or a rich-text broadcast) is always a problem.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from blockkit import limits

Surface = Literal["message", "modal", "home"]


def blocks_problems(blocks: object, *, surface: Surface) -> list[str]:
    """Everything Slack would reject in a `blocks` array shown on `surface`."""
    checker = _Checker(surface)
    checker.blocks(blocks, "blocks")
    checker.problems.extend(_special_mentions(blocks, "blocks"))
    return checker.problems


def message_problems(message: Mapping[str, Any]) -> list[str]:
    """Problems in a chat.postMessage / postEphemeral / update or response_url body."""
    problems: list[str] = []
    text = message.get("text")
    blocks = message.get("blocks")
    if text is not None and not isinstance(text, str):
        problems.append("text: must be a string")
    has_text = isinstance(text, str) and text.strip() != ""
    has_blocks = isinstance(blocks, list) and len(blocks) > 0
    has_attachments = bool(message.get("attachments"))
    if not (has_text or has_blocks or has_attachments):
        problems.append("text: a message needs non-empty text or blocks")
    if blocks is not None:
        problems.extend(blocks_problems(blocks, surface="message"))
    for key in ("text", "attachments"):
        if key in message:
            problems.extend(_special_mentions(message[key], key))
    if _truthy(message.get("link_names")):
        for path, value in _strings(message.get("text"), "text"):
            if limits.LINK_NAMES_MENTION.search(value):
                problems.append(f"{path}: special mention (@channel/@here with link_names)")
    return problems


def view_problems(view: Mapping[str, Any]) -> list[str]:
    """Problems in a modal or App Home view (views.open/push/update/publish, ack updates)."""
    if not isinstance(view, Mapping):
        return ["view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"type: {kind!r} is not modal or home"]
    checker = _Checker("modal" if kind == "modal" else "home")
    for key in sorted(set(view) - limits.VIEW_KEYS):
        checker.add(key, "unknown view field")
    if kind == "modal":
        checker.text(view.get("title"), "title", plain=True, limit=24)
    has_inputs = isinstance(view.get("blocks"), list) and any(
        isinstance(b, Mapping) and b.get("type") == "input" for b in view["blocks"]
    )
    if kind == "modal" and has_inputs and "submit" not in view:
        checker.add("submit", "required when the modal has input blocks")
    for key in ("submit", "close"):
        if key in view:
            if kind == "home":
                checker.add(key, "not allowed in a home view")
            checker.text(view[key], key, plain=True, limit=24)
    checker.string(view.get("private_metadata"), "private_metadata", 3000, required=False)
    checker.string(view.get("callback_id"), "callback_id", limits.MAX_ID, required=False)
    checker.string(view.get("external_id"), "external_id", limits.MAX_ID, required=False)
    checker.blocks(view.get("blocks"), "blocks")
    checker.problems.extend(_special_mentions(dict(view), ""))
    return checker.problems


class _Checker:
    """Walks blocks for one surface, collecting problems and ids seen so far."""

    def __init__(self, surface: Surface) -> None:
        self.surface = surface
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def add(self, path: str, rule: str) -> None:
        self.problems.append(f"{path}: {rule}")

    def string(
        self, value: object, path: str, limit: int, *, required: bool = True, empty_ok: bool = False
    ) -> None:
        if value is None:
            if required:
                self.add(path, "required")
            return
        if not isinstance(value, str):
            self.add(path, "must be a string")
        elif len(value) > limit:
            self.add(path, f"{len(value)} chars > {limit}")
        elif not value and not empty_ok:
            self.add(path, "must not be empty")

    def keys(self, obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.add(f"{path}.{key}", "unknown field")

    def text(
        self, obj: object, path: str, *, plain: bool, limit: int, required: bool = True
    ) -> None:
        if obj is None:
            if required:
                self.add(path, "required")
            return
        if not isinstance(obj, Mapping):
            self.add(path, "must be a text object")
            return
        kind = obj.get("type")
        if kind not in limits.TEXT_KEYS:
            self.add(f"{path}.type", f"{kind!r} is not plain_text or mrkdwn")
            return
        if plain and kind != "plain_text":
            self.add(f"{path}.type", "must be plain_text")
        self.keys(obj, limits.TEXT_KEYS[kind], path)
        self.string(obj.get("text"), f"{path}.text", limit)

    def blocks(self, blocks: object, path: str) -> None:
        if blocks is None:
            if self.surface != "message":
                self.add(path, "required")
            return
        if not isinstance(blocks, list):
            self.add(path, "must be a list")
            return
        limit = limits.MAX_BLOCKS[self.surface]
        if len(blocks) > limit:
            self.add(path, f"{len(blocks)} blocks > {limit}")
        for i, block in enumerate(blocks):
            self.block(block, f"{path}[{i}]")

    def block(self, block: object, path: str) -> None:
        if not isinstance(block, Mapping):
            self.add(path, "must be an object")
            return
        kind = block.get("type")
        if kind not in limits.BLOCK_KEYS:
            self.add(f"{path}.type", f"unsupported block type {kind!r}")
            return
        self.keys(block, limits.BLOCK_KEYS[kind], path)
        block_id = block.get("block_id")
        if block_id is not None:
            self.string(block_id, f"{path}.block_id", limits.MAX_ID)
            if isinstance(block_id, str):
                if block_id in self.block_ids:
                    self.add(f"{path}.block_id", f"duplicate block_id {block_id!r}")
                self.block_ids.add(block_id)
        checks = {
            "header": self._block_header,
            "section": self._block_section,
            "context": self._block_context,
            "divider": self._block_divider,
            "actions": self._block_actions,
            "input": self._block_input,
            "image": self._block_image,
            "rich_text": self._block_rich_text,
        }
        checks[kind](block, path)

    def _block_header(self, block: Mapping[str, Any], path: str) -> None:
        self.text(block.get("text"), f"{path}.text", plain=True, limit=150)

    def _block_section(self, block: Mapping[str, Any], path: str) -> None:
        fields = block.get("fields")
        if "text" not in block and fields is None:
            self.add(path, "a section needs text or fields")
        self.text(block.get("text"), f"{path}.text", plain=False, limit=3000, required=False)
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                self.add(f"{path}.fields", "must be a non-empty list")
            else:
                if len(fields) > 10:
                    self.add(f"{path}.fields", f"{len(fields)} fields > 10")
                for i, field in enumerate(fields):
                    self.text(field, f"{path}.fields[{i}]", plain=False, limit=2000)
        if "accessory" in block:
            self.element(block["accessory"], f"{path}.accessory", limits.ACCESSORY_ELEMENTS, set())

    def _block_context(self, block: Mapping[str, Any], path: str) -> None:
        elements = self._list(block.get("elements"), f"{path}.elements", 10)
        for i, element in enumerate(elements):
            sub = f"{path}.elements[{i}]"
            if isinstance(element, Mapping) and element.get("type") == "image":
                self.element(element, sub, {"image"}, set())
            else:
                self.text(element, sub, plain=False, limit=3000)

    def _block_divider(self, block: Mapping[str, Any], path: str) -> None:
        return

    def _block_actions(self, block: Mapping[str, Any], path: str) -> None:
        seen: set[str] = set()
        for i, element in enumerate(self._list(block.get("elements"), f"{path}.elements", 25)):
            self.element(element, f"{path}.elements[{i}]", limits.ACTIONS_ELEMENTS, seen)

    def _block_input(self, block: Mapping[str, Any], path: str) -> None:
        if self.surface == "message":
            self.add(path, "input blocks are only allowed in modals and home tabs")
        self.text(block.get("label"), f"{path}.label", plain=True, limit=2000)
        self.text(block.get("hint"), f"{path}.hint", plain=True, limit=2000, required=False)
        for key in ("optional", "dispatch_action"):
            if key in block and not isinstance(block[key], bool):
                self.add(f"{path}.{key}", "must be a boolean")
        if "element" not in block:
            self.add(f"{path}.element", "required")
        else:
            self.element(block["element"], f"{path}.element", limits.INPUT_ELEMENTS, set())

    def _block_image(self, block: Mapping[str, Any], path: str) -> None:
        self._image_source(block, path)
        self.text(block.get("title"), f"{path}.title", plain=True, limit=2000, required=False)

    def _block_rich_text(self, block: Mapping[str, Any], path: str) -> None:
        self._list(block.get("elements"), f"{path}.elements", None)

    def _list(self, value: object, path: str, limit: int | None) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.add(path, "must be a non-empty list")
            return []
        if limit is not None and len(value) > limit:
            self.add(path, f"{len(value)} elements > {limit}")
        return value

    def _image_source(self, obj: Mapping[str, Any], path: str) -> None:
        if "slack_file" not in obj:
            self.string(obj.get("image_url"), f"{path}.image_url", 3000)
        self.string(obj.get("alt_text"), f"{path}.alt_text", 2000)

    def element(self, element: object, path: str, allowed: set[str], seen: set[str]) -> None:
        if not isinstance(element, Mapping):
            self.add(path, "must be an object")
            return
        kind = element.get("type")
        if kind not in allowed:
            self.add(f"{path}.type", f"element type {kind!r} not allowed here")
            return
        self.keys(element, limits.ELEMENT_KEYS[kind], path)
        if kind == "image":
            self._image_source(element, path)
            return
        action_id = element.get("action_id")
        if action_id is not None:
            self.string(action_id, f"{path}.action_id", limits.MAX_ID)
            if isinstance(action_id, str):
                # Slack's rule: unique among the action_ids of the containing block.
                if action_id in seen:
                    self.add(f"{path}.action_id", f"duplicate action_id {action_id!r}")
                seen.add(action_id)
        if "placeholder" in element:
            self.text(element["placeholder"], f"{path}.placeholder", plain=True, limit=150)
        if "confirm" in element:
            self.confirm(element["confirm"], f"{path}.confirm")
        if kind == "button":
            self._button(element, path)
        elif kind in limits.OPTION_LIMITS:
            self._options(element, path, kind)
        elif kind == "plain_text_input":
            self._plain_text_input(element, path)
        elif kind == "number_input" and not isinstance(element.get("is_decimal_allowed"), bool):
            self.add(f"{path}.is_decimal_allowed", "required boolean")

    def _button(self, button: Mapping[str, Any], path: str) -> None:
        self.text(button.get("text"), f"{path}.text", plain=True, limit=75)
        self.string(button.get("value"), f"{path}.value", 2000, required=False)
        self.string(button.get("url"), f"{path}.url", 3000, required=False)
        self.string(
            button.get("accessibility_label"), f"{path}.accessibility_label", 75, required=False
        )
        if "style" in button and button["style"] not in ("primary", "danger"):
            self.add(f"{path}.style", f"{button['style']!r} is not primary or danger")

    def _options(self, element: Mapping[str, Any], path: str, kind: str) -> None:
        limit = limits.OPTION_LIMITS[kind]
        plain = kind not in ("radio_buttons", "checkboxes")
        values: set[str] = set()
        if "option_groups" in element and kind in ("static_select", "multi_static_select"):
            groups = self._list(element["option_groups"], f"{path}.option_groups", 100)
            for g, group in enumerate(groups):
                gpath = f"{path}.option_groups[{g}]"
                if not isinstance(group, Mapping):
                    self.add(gpath, "must be an object")
                    continue
                self.keys(group, {"label", "options"}, gpath)
                self.text(group.get("label"), f"{gpath}.label", plain=True, limit=75)
                opts = self._list(group.get("options"), f"{gpath}.options", limit)
                for i, option in enumerate(opts):
                    self.option(option, f"{gpath}.options[{i}]", plain, kind, values)
        else:
            for i, option in enumerate(
                self._list(element.get("options"), f"{path}.options", limit)
            ):
                self.option(option, f"{path}.options[{i}]", plain, kind, values)
        initial = element.get("initial_option")
        initial_list = [initial] if initial is not None else element.get("initial_options", [])
        for option in initial_list if isinstance(initial_list, list) else []:
            if not isinstance(option, Mapping) or option.get("value") not in values:
                self.add(f"{path}.initial_option", "must be one of the options")

    def option(self, option: object, path: str, plain: bool, kind: str, values: set[str]) -> None:
        if not isinstance(option, Mapping):
            self.add(path, "must be an object")
            return
        allowed = {"text", "value", "description"} | ({"url"} if kind == "overflow" else set())
        self.keys(option, allowed, path)
        self.text(option.get("text"), f"{path}.text", plain=plain, limit=75)
        self.string(option.get("value"), f"{path}.value", 150)
        if isinstance(option.get("value"), str):
            values.add(option["value"])
        self.text(
            option.get("description"), f"{path}.description", plain=plain, limit=75, required=False
        )
        self.string(option.get("url"), f"{path}.url", 3000, required=False)

    def _plain_text_input(self, element: Mapping[str, Any], path: str) -> None:
        low, high = element.get("min_length", 0), element.get("max_length", 3000)
        if not isinstance(low, int) or not 0 <= low <= 3000:
            self.add(f"{path}.min_length", "must be an integer 0..3000")
        if not isinstance(high, int) or not 1 <= high <= 3000:
            self.add(f"{path}.max_length", "must be an integer 1..3000")
        elif isinstance(low, int) and low > high:
            self.add(f"{path}.min_length", "greater than max_length")
        self.string(
            element.get("initial_value"),
            f"{path}.initial_value",
            3000,
            required=False,
            empty_ok=True,
        )

    def confirm(self, confirm: object, path: str) -> None:
        if not isinstance(confirm, Mapping):
            self.add(path, "must be an object")
            return
        self.keys(confirm, {"title", "text", "confirm", "deny", "style"}, path)
        self.text(confirm.get("title"), f"{path}.title", plain=True, limit=100)
        self.text(confirm.get("text"), f"{path}.text", plain=False, limit=300)
        self.text(confirm.get("confirm"), f"{path}.confirm", plain=True, limit=30)
        self.text(confirm.get("deny"), f"{path}.deny", plain=True, limit=30)
        if "style" in confirm and confirm["style"] not in ("primary", "danger"):
            self.add(f"{path}.style", f"{confirm['style']!r} is not primary or danger")


def _special_mentions(value: object, path: str) -> list[str]:
    problems = []
    for where, text in _strings(value, path):
        found = limits.SPECIAL_MENTION.search(text)
        if found:
            problems.append(f"{where}: special mention {found.group(0)}")
    for where, node in _objects(value, path):
        if node.get("type") in ("broadcast", "usergroup"):
            problems.append(f"{where}: special mention (rich_text {node['type']})")
    return problems


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string a person could see (ids, values and URLs are never rendered)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in limits.NOT_SHOWN:
                yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def _objects(value: object, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        yield path, value
        for key, item in value.items():
            yield from _objects(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _objects(item, f"{path}[{i}]")


def _truthy(value: object) -> bool:
    return value in (True, 1, "1", "true", "True")
