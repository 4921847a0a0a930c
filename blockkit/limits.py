"""What Slack accepts in Block Kit: block counts, the keys each block and element may carry,
option counts, and the patterns for mass mentions. `validate.py` checks payloads against it."""

from __future__ import annotations

import re

MAX_BLOCKS: dict[str, int] = {"message": 50, "modal": 100, "home": 100}
MAX_ID = 255

NOT_SHOWN = frozenset(
    {
        "value",
        "action_id",
        "block_id",
        "url",
        "image_url",
        "callback_id",
        "private_metadata",
        "external_id",
    }
)
SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[^>]*>")
LINK_NAMES_MENTION = re.compile(r"(?<![\w@])@(?:channel|here|everyone)\b")

TEXT_KEYS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}
SELECT_BASE = {"type", "action_id", "confirm", "focus_on_load", "placeholder"}
INPUT_BASE = {"type", "action_id", "dispatch_action_config", "focus_on_load", "placeholder"}
ELEMENT_KEYS: dict[str, set[str]] = {
    "button": {
        "type",
        "text",
        "action_id",
        "url",
        "value",
        "style",
        "confirm",
        "accessibility_label",
    },
    "static_select": SELECT_BASE | {"options", "option_groups", "initial_option"},
    "multi_static_select": SELECT_BASE
    | {"options", "option_groups", "initial_options", "max_selected_items"},
    "external_select": SELECT_BASE | {"initial_option", "min_query_length"},
    "multi_external_select": SELECT_BASE
    | {"initial_options", "min_query_length", "max_selected_items"},
    "users_select": SELECT_BASE | {"initial_user"},
    "multi_users_select": SELECT_BASE | {"initial_users", "max_selected_items"},
    "conversations_select": SELECT_BASE
    | {"initial_conversation", "default_to_current_conversation", "response_url_enabled", "filter"},
    "multi_conversations_select": SELECT_BASE
    | {"initial_conversations", "default_to_current_conversation", "max_selected_items", "filter"},
    "channels_select": SELECT_BASE | {"initial_channel", "response_url_enabled"},
    "multi_channels_select": SELECT_BASE | {"initial_channels", "max_selected_items"},
    "overflow": {"type", "action_id", "options", "confirm"},
    "radio_buttons": {"type", "action_id", "options", "initial_option", "confirm", "focus_on_load"},
    "checkboxes": {"type", "action_id", "options", "initial_options", "confirm", "focus_on_load"},
    "datepicker": SELECT_BASE | {"initial_date"},
    "timepicker": SELECT_BASE | {"initial_time", "timezone"},
    "datetimepicker": {"type", "action_id", "initial_date_time", "confirm", "focus_on_load"},
    "plain_text_input": INPUT_BASE | {"initial_value", "multiline", "min_length", "max_length"},
    "number_input": INPUT_BASE | {"is_decimal_allowed", "initial_value", "min_value", "max_value"},
    "email_text_input": INPUT_BASE | {"initial_value"},
    "url_text_input": INPUT_BASE | {"initial_value"},
    "rich_text_input": INPUT_BASE | {"initial_value"},
    "image": {"type", "image_url", "alt_text", "slack_file"},
}
MENUS = {
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
PICKERS = {"overflow", "radio_buttons", "checkboxes", "datepicker", "timepicker"}
ACTIONS_ELEMENTS = MENUS | PICKERS | {"button", "datetimepicker"}
ACCESSORY_ELEMENTS = MENUS | PICKERS | {"button", "image"}
INPUT_ELEMENTS = (
    MENUS
    | PICKERS
    | {
        "datetimepicker",
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "rich_text_input",
    }
) - {"overflow"}
OPTION_LIMITS = {
    "static_select": 100,
    "multi_static_select": 100,
    "overflow": 5,
    "radio_buttons": 10,
    "checkboxes": 10,
}
BLOCK_KEYS: dict[str, set[str]] = {
    "header": {"type", "block_id", "text"},
    "section": {"type", "block_id", "text", "fields", "accessory", "expand"},
    "context": {"type", "block_id", "elements"},
    "divider": {"type", "block_id"},
    "actions": {"type", "block_id", "elements"},
    "input": {"type", "block_id", "label", "element", "hint", "optional", "dispatch_action"},
    "image": {"type", "block_id", "image_url", "alt_text", "title", "slack_file"},
    "rich_text": {"type", "block_id", "elements"},
}
VIEW_KEYS = {
    "type",
    "title",
    "blocks",
    "close",
    "submit",
    "private_metadata",
    "callback_id",
    "clear_on_close",
    "notify_on_close",
    "external_id",
    "submit_disabled",
}
