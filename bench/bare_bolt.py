"""A bare Bolt app: the baseline for the ack-latency benchmark.

It answers every `/pendulum` command with a static Block Kit message and does nothing else:
no router, no database, no observer. The benchmark hands it Pendulum's own acks (a JSON file
named by BARE_ACKS, command text → ack), so both send the same bytes for the same command;
without one it sends a help-sized message. Run it the way Pendulum runs (same environment
variables, same transports, same servers)::

    python -m bench.bare_bolt socket            # Bolt's defaults
    python -m bench.bare_bolt http --tuned      # process_before_response=True

Socket Mode uses slack_sdk's built-in client through Bolt's `SocketModeHandler.connect()`;
HTTP uses Bolt's WSGI adapter on waitress with 8 threads, the production server Pendulum
uses (bot/slack/http_server.py), so the comparison is Bolt against Bolt + Pendulum, not server
against server. It prints READY_LINE once it can take requests.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any

READY_LINE = "bare bolt ready"

_LINES = [
    "• `/pendulum ladder` — climbing from EM to director: what changes and what to drop",
    "• `/pendulum check <task>` — is this task on your critical path? ✅ ⛔ ❓",
    "• `/pendulum assess` — a one-minute self-assessment of where you are on the pendulum",
    "• `/pendulum checkin on [day] [HH:MM]` — a private weekly check-in in your DMs",
    "• `/pendulum topics` — every coaching topic, one click away",
]
BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Pendulum: coaching for EMs"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "I help you keep the engineer/manager pendulum in view: advice on when to "
            "swing, how to keep your hands warm without blocking your team, and a private "
            "weekly check-in. Everything below answers only you unless you choose to share it.",
        },
    },
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Coaching*\n" + "\n".join(_LINES)}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Check-ins*\n" + "\n".join(_LINES)}},
    {"type": "divider"},
    {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": ":lock: Your answers are visible to you only."}],
    },
]


def build_app(tuned: bool, http: bool) -> Any:
    from slack_bolt import App
    from slack_sdk import WebClient

    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ.get("SLACK_SIGNING_SECRET") or "socket-mode-does-not-sign",
        process_before_response=tuned,
        request_verification_enabled=http,
    )

    default = {"response_type": "ephemeral", "text": "Pendulum help: what I can do"}
    default["blocks"] = BLOCKS  # type: ignore[assignment]
    acks: dict[str, dict[str, Any]] = {}
    if os.environ.get("BARE_ACKS"):
        with open(os.environ["BARE_ACKS"], encoding="utf-8") as handle:
            acks = json.load(handle)

    @app.command("/pendulum")
    def answer(ack: Any, command: dict[str, Any]) -> None:
        ack(**acks.get(str(command.get("text") or ""), default))

    return app


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "socket"
    tuned = "--tuned" in argv
    app = build_app(tuned, http=mode == "http")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk import WebClient

        token = os.environ["SLACK_APP_TOKEN"]
        handler = SocketModeHandler(
            app, app_token=token, web_client=WebClient(token, base_url=os.environ["SLACK_API_URL"])
        )
        handler.connect()  # type: ignore[no-untyped-call]
        print(READY_LINE, flush=True)
        stop.wait()
        handler.close()  # type: ignore[no-untyped-call]
        return 0
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from waitress.server import create_server

    server = create_server(
        SlackRequestHandler(app),
        host="127.0.0.1",
        port=int(os.environ["PENDULUM_PORT"]),
        threads=8,
        ident="bare-bolt",
    )
    threading.Thread(target=server.run, daemon=True).start()
    print(READY_LINE, flush=True)
    stop.wait()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
