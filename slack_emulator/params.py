"""Web API arguments: one view over query string, form and JSON bodies.

slack_sdk sends some methods as JSON and others form-encoded, where structured arguments
(`blocks`, `view`, `metadata`...) arrive as JSON strings and booleans as "1"/"0".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_emulator.errors import ApiError


def parse_body(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Merge query-string and body arguments (the body wins)."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if not body:
        return params
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError as e:
            raise ApiError("invalid_json", problem="request body is not valid JSON") from e
        if not isinstance(data, dict):
            raise ApiError("invalid_json", problem="JSON body must be an object")
        params.update(data)
    elif kind in ("application/x-www-form-urlencoded", ""):
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    else:
        raise ApiError("invalid_form_data", problem=f"unsupported content type {kind!r}")
    return params


class Params:
    """Typed access to one call's arguments."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    def __contains__(self, key: str) -> bool:
        return self.raw.get(key) not in (None, "")

    def text(self, key: str, error: str = "invalid_arguments") -> str:
        value = self.raw.get(key)
        if value is None or value == "":
            raise ApiError(error, problem=f"missing argument {key!r}")
        return str(value)

    def opt_text(self, key: str) -> str | None:
        value = self.raw.get(key)
        return None if value is None or value == "" else str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.raw.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def number(self, key: str, default: int) -> int:
        value = self.raw.get(key)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as e:
            raise ApiError("invalid_arguments", problem=f"{key!r} is not an integer") from e

    def structured(self, key: str, error: str = "invalid_arguments") -> Any:
        """A structured argument, given either as JSON or as a JSON-encoded string."""
        value = self.raw.get(key)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as e:
                raise ApiError(error, problem=f"{key!r} is not valid JSON") from e
        return value

    def items(self, key: str) -> list[str]:
        """A comma-separated or JSON list argument."""
        value = self.raw.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]
