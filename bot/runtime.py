"""Running Pendulum: Socket Mode or HTTP, with the scheduler in the same process, until
SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from bot.bootstrap import Identity, build_services, check_token, load_content, open_store
from bot.config import Config
from bot.http_server import PendulumWsgi
from bot.services import Services, make_client

log = logging.getLogger("pendulum")


class StopSignal:
    """Turns SIGINT/SIGTERM into an event the main thread waits on."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self.event.set()


def run(config: Config) -> int:
    library = load_content(config.prompts_dir)
    identity = check_token(config)
    store = open_store(config)
    services = build_services(config, library=library, store=store)
    stop = StopSignal()
    stop.install()
    try:
        if config.mode == "socket":
            serve_socket(services, identity, stop)
        else:
            serve_http(services, identity, stop)
    finally:
        services.worker.shutdown()
        store.close()
    log.info("stopped")
    return 0


def _announce(mode: str, identity: Identity, services: Services, extra: str = "") -> None:
    log.info(
        "Pendulum connected: mode=%s workspace=%s (%s) db=%s%s",
        mode,
        identity.team_name or "?",
        identity.team_id,
        services.config.db_path.resolve(),
        extra,
    )


def serve_socket(services: Services, identity: Identity, stop: StopSignal) -> None:
    config = services.config
    app = create_app(services)
    handler = SocketModeHandler(
        app,
        app_token=config.app_token,
        web_client=make_client(config.app_token, config.api_url),
        logger=logging.getLogger("slack_bolt.socket_mode"),
    )
    handler.connect()
    _announce("socket", identity, services)
    stop.event.wait()
    handler.close()


def serve_http(services: Services, identity: Identity, stop: StopSignal) -> None:
    from waitress.server import create_server

    app = create_app(services)

    def health() -> tuple[bool, dict[str, Any]]:
        return True, {}

    server = create_server(
        PendulumWsgi(app, health), host="0.0.0.0", port=services.config.port, threads=8
    )
    thread = threading.Thread(target=server.run, name="http", daemon=True)
    thread.start()
    _announce("http", identity, services, f" listening=:{services.config.port}/slack/events")
    stop.event.wait()
    server.close()
    thread.join(timeout=5)
