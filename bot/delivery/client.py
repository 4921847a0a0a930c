"""Web API clients for delivery.

The engine paces, retries and de-duplicates sends itself, so its clients must NOT carry
slack_sdk retry handlers: `ConnectionErrorRetryHandler` re-sends after a dropped
connection, which can post a message twice, and `RateLimitErrorRetryHandler` sleeps inside
the call where the pacer can't see it.
"""

from __future__ import annotations

from slack_sdk import WebClient


def delivery_client(token: str | None, api_url: str | None = None, timeout: int = 15) -> WebClient:
    base_url = api_url or WebClient.BASE_URL
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=timeout,
        retry_handlers=[],
    )
