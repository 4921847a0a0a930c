"""Workspace description files for `python -m slack_emulator --config FILE` (JSON or YAML):

{"team_id": "T0PENDULUM", "team_name": "Acme",
 "users": [{"id": "U0ALICE", "name": "alice", "tz": "America/New_York"}],
 "channels": [{"id": "C0TEAM", "name": "team", "members": ["U0ALICE"]}]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from slack_emulator.models import Channel, User

_SETTINGS = ("team_id", "team_name", "domain", "bot_token", "app_token", "signing_secret", "scopes")


def load(path: Path) -> dict[str, Any]:
    """Emulator keyword arguments from a config file; unknown keys are an error."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object at the top level")
    unknown = set(data) - {*_SETTINGS, "users", "channels"}
    if unknown:
        raise ValueError(
            f"{path}: unknown keys {sorted(unknown)}; allowed: "
            f"{sorted({*_SETTINGS, 'users', 'channels'})}"
        )
    kwargs: dict[str, Any] = {k: data[k] for k in _SETTINGS if k in data}
    kwargs["users"] = [User(**u) for u in data.get("users", [])]
    kwargs["channels"] = [Channel(**c) for c in data.get("channels", [])]
    return kwargs
