"""The parts of the emulator that Web API handlers and deliveries share."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_emulator.auth import Auth
from slack_emulator.limits import Faults, RateLimits
from slack_emulator.recorder import Recorder
from slack_emulator.responses import ResponseUrls
from slack_emulator.triggers import Triggers
from slack_emulator.workspace import Workspace


@dataclass
class Uploads:
    """files.getUploadURLExternal reservations and the bytes posted to them."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    pending: dict[str, dict[str, object]] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Core:
    workspace: Workspace
    auth: Auth
    recorder: Recorder
    triggers: Triggers
    responses: ResponseUrls
    limits: RateLimits = field(default_factory=RateLimits)
    faults: Faults = field(default_factory=Faults)
    uploads: Uploads = field(default_factory=Uploads)
    base_url: str = ""
    socket_url: Callable[[], str] | None = None
