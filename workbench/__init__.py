"""The offline workbench: Pendulum with no Slack workspace, in a browser.

`pendulum-bot` with no Slack tokens starts, in one process:

* the built-in emulator (`slack_emulator`) with a sample workspace (`sample`),
* the real app, connected to it over Socket Mode exactly as it connects to Slack
  (`runner`), with its scheduler ticking on a clock the workbench can move forward (`clock`),
* a small web server on 127.0.0.1 (`server`) with a Slack-like page and a JSON API
  (`core`) to act as any sample user, jump to the next scheduled send (`timeline`) and
  watch every envelope, ack and Web API call (`inspector`).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from bot.config import Config, ConfigError
from bot.runtime import build_health
from bot.slack.http_server import PendulumWsgi
from slack_emulator import Emulator
from workbench.clock import MovableClock
from workbench.conversations import SavedConversations, conversations_path
from workbench.core import AppInfo, Workbench, manifest_bot_events
from workbench.runner import RunningApp, app_config, start_app
from workbench.sample import TEAM_ID, TEAM_NAME, sample_channels, sample_users
from workbench.server import WorkbenchServer
from workbench.timeline import Timeline

__all__ = ["MovableClock", "RunningWorkbench", "Workbench", "run_workbench", "start_workbench"]

log = logging.getLogger("pendulum.workbench")

CONNECT_NOTE = """\
Not connected to Slack: this is the offline workbench (a built-in Slack emulator with
sample users). To connect a real workspace, create a Slack app from deploy/manifest.yml,
install it, and run
  SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… uv run pendulum-bot
(HTTP mode: SLACK_SIGNING_SECRET instead of SLACK_APP_TOKEN). See README.md."""


@dataclass
class RunningWorkbench:
    server: WorkbenchServer
    emu: Emulator
    app: RunningApp
    timeline: Timeline
    workbench: Workbench
    config: Config
    saved: SavedConversations
    fresh_workspace: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()
        self.app.stop()
        self.saved.stop()
        self.timeline.close()
        self.emu.stop()

    def start_over(self) -> None:
        """Delete the conversations, the database and the clock's lead, and start the app
        again on an empty database, as on the first run."""
        with self._lock:
            self.saved.stop()
            self.app.stop()
            self.timeline.close()
            db_path = self.config.db_path
            for suffix in ("", "-wal", "-shm", "-journal"):
                with suppress(FileNotFoundError):
                    db_path.with_name(db_path.name + suffix).unlink()
            self.saved.discard()
            self.emu.load_conversations(self.fresh_workspace)
            self.workbench.clock.reset()
            self.app = start_app(app_config(self.config, self.emu), self.emu, self.workbench.clock)
            self.timeline = Timeline(db_path, self.workbench.clock)
            self.workbench.timeline = self.timeline
            self.server.ops = ops_for(self.app)
            self.saved.start()
            log.info("started over: empty database %s, clock at real time", db_path)


def ops_for(app: RunningApp) -> PendulumWsgi:
    """/healthz and /metrics, as in every mode (README): the runtime's own handlers."""
    return PendulumWsgi(None, build_health(app.services, "offline"), app.services.metrics)


def start_workbench(config: Config) -> RunningWorkbench:
    """Start everything; the page is served once the app is connected."""
    started = time.time()
    try:
        server = WorkbenchServer(config.port)
    except OSError as exc:
        raise ConfigError(
            "PENDULUM_PORT",
            f"cannot serve the workbench on 127.0.0.1:{config.port} ({exc.strerror or exc})",
            "choose a free port (PENDULUM_PORT=3001), or stop whatever is using it",
        ) from exc
    clock = MovableClock()
    emu = Emulator(
        team_id=TEAM_ID,
        team_name=TEAM_NAME,
        users=sample_users(),
        channels=sample_channels(),
        clock=clock,
    ).start()
    fresh_workspace = emu.dump_conversations()
    saved = SavedConversations(emu, conversations_path(config.db_path))
    saved.restore()  # the conversations of the last run, beside its database
    try:
        running = start_app(app_config(config, emu), emu, clock)
    except BaseException:
        emu.stop()
        server.server_close()
        raise
    services = running.services
    # Deliver only the events the app subscribes to, as Slack does.
    events = manifest_bot_events()
    emu.subscribed_events = events if events is not None else set(running.router.events)
    topics = [
        {"name": t.id, "title": t.title, "summary": t.summary}
        for t in services.library.topics.values()
    ]
    info = AppInfo.from_router(
        running.router, services.command, emu.bot.user_id, topics, handle=emu.bot.name
    )
    timeline = Timeline(config.db_path, clock)
    workbench = Workbench(
        emu,
        clock,
        timeline,
        info,
        users=sample_users(),
        channels=sample_channels(),
        team_id=TEAM_ID,
        team_name=TEAM_NAME,
        started=started,
    )
    server.workbench = workbench
    server.ops = ops_for(running)
    bench = RunningWorkbench(
        server, emu, running, timeline, workbench, config, saved.start(), fresh_workspace
    )
    workbench.on_start_over = bench.start_over
    server.start()
    return bench


def run_workbench(config: Config, connect_note: str = CONNECT_NOTE) -> int:
    """`pendulum-bot` without tokens: serve the workbench until SIGINT/SIGTERM."""
    from bot.runtime import StopSignal

    stop = StopSignal()
    stop.install()
    logging.getLogger("slack_emulator.socket_mode").setLevel(logging.WARNING)
    running = start_workbench(config)
    ahead = running.workbench.clock.offset.total_seconds()
    resumed = (
        f"  Its clock resumes {ahead / 86400:.1f} days ahead of real time, where this "
        "database left off.\n"
        if ahead >= 3600
        else ""
    )
    print(
        f"Pendulum workbench: {running.url}\n"
        f"  Open it in a browser to try Pendulum as a sample user; database {config.db_path}.\n"
        f"{resumed}  Stop with Ctrl-C.\n\n{connect_note}",
        flush=True,
    )
    try:
        stop.event.wait()
    finally:
        running.stop()
    log.info("stopped")
    return 0
