"""response_url registry: each url is issued with a command or interaction and is good for 5
posts within 30 minutes. What a post does to the workspace lives in response_posts.py, so this
module needs nothing from the emulator's Core."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from slack_emulator.errors import ApiError
from slack_emulator.models import ResponsePost

MAX_USES = 5
TTL = 30 * 60.0


@dataclass
class Target:
    user: str
    channel: str
    source: str
    message_ts: str | None
    ephemeral: bool
    issued: float
    uses: int = 0
    last_ephemeral: str | None = None


class ResponseUrls:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._targets: dict[str, Target] = {}
        self._posts: list[ResponsePost] = []

    def issue(
        self,
        token: str,
        *,
        user: str,
        channel: str,
        source: str,
        message_ts: str | None = None,
        ephemeral: bool = False,
    ) -> None:
        with self._lock:
            self._targets[token] = Target(
                user, channel, source, message_ts, ephemeral, time.monotonic()
            )

    def expire(self, token: str) -> None:
        with self._lock:
            self._targets[token].issued -= TTL + 1

    def posts(self) -> list[ResponsePost]:
        with self._lock:
            return list(self._posts)

    def claim(self, token: str) -> Target:
        """Count one use of the url; raises ApiError when it is unknown, expired or used up."""
        with self._lock:
            target = self._targets.get(token)
            if target is None:
                raise ApiError("invalid_url", problem="unknown response_url")
            if time.monotonic() - target.issued > TTL:
                raise ApiError("expired_url", problem="response_url used after 30 minutes")
            if target.uses >= MAX_USES:
                raise ApiError("used_url", problem=f"response_url used more than {MAX_USES}x")
            target.uses += 1
            return target

    def record(self, post: ResponsePost) -> None:
        with self._lock:
            self._posts.append(post)
