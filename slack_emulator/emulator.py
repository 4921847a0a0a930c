"""`Emulator`: a local, strict Slack workspace for one app, in-process.

with Emulator(users=[User("U0ALICE", "alice")], channels=[...]) as emu:
    # run the app with SLACK_API_URL=emu.api_url, then:
    emu.wait_connected()
    ack = emu.slash_command("U0ALICE", text="help")
    assert emu.problems == []
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Literal, TypeVar

from bot.clock import Clock, SystemClock
from slack_emulator.act_events import EventActors
from slack_emulator.act_messages import MessageActors
from slack_emulator.act_views import ViewActors
from slack_emulator.auth import Auth
from slack_emulator.core import Core
from slack_emulator.delivery import Deliverer, Delivery
from slack_emulator.directory import Bot
from slack_emulator.http_server import HttpServer
from slack_emulator.models import (
    Call,
    Channel,
    Ephemeral,
    Message,
    Problem,
    ResponsePost,
    User,
    View,
    snapshot,
)
from slack_emulator.recorder import Recorder
from slack_emulator.responses import ResponseUrls
from slack_emulator.signing import SigningMode
from slack_emulator.socket_mode import SocketModeServer
from slack_emulator.triggers import Triggers
from slack_emulator.workspace import Workspace

T = TypeVar("T")


class Emulator(MessageActors, ViewActors, EventActors):
    def __init__(
        self,
        *,
        team_id: str = "T0PENDULUM",
        team_name: str = "Acme",
        domain: str | None = None,
        users: Iterable[User] = (),
        channels: Iterable[Channel] = (),
        bot: Bot | None = None,
        bot_token: str = "xoxb-emulator",
        app_token: str = "xapp-emulator",
        signing_secret: str = "emulator-secret",
        scopes: Iterable[str] | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        socket_port: int = 0,
        events: Iterable[str] | None = None,
    ) -> None:
        workspace = Workspace(
            team_id=team_id,
            team_name=team_name,
            domain=domain or team_name.lower().replace(" ", "-"),
            bot=bot or Bot(),
            users=list(users),
            channels=list(channels),
            clock=clock or SystemClock(),
        )
        auth = Auth(bot_token, app_token, signing_secret)
        if scopes is not None:
            auth.scopes = set(scopes)
        recorder = Recorder()
        self._core = Core(workspace, auth, recorder, Triggers(workspace.ids), ResponseUrls())
        self._deliverer = Deliverer(workspace.ids, recorder, signing_secret)
        self._http = HttpServer(self._core, host, port)
        self._socket = SocketModeServer(
            workspace.bot.app_id, recorder, self._deliverer.ack, host, socket_port
        )
        self._deliverer.socket = self._socket
        self._core.base_url = f"http://{host}:{self._http.port}"
        self._core.socket_url = self._socket.issue_url
        self._started = False
        self.subscribed_events = set(events) if events is not None else None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Emulator:
        if not self._started:
            self._http.start()
            self._socket.start()
            self._started = True
        return self

    def stop(self) -> None:
        """Stop serving and release both ports (also safe if never started)."""
        self._socket.stop()
        self._http.stop()
        self._started = False

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """The app's SLACK_API_URL (slack_sdk appends method names to it)."""
        return f"{self._core.base_url}/api/"

    @property
    def bot(self) -> Bot:
        return self._core.workspace.bot

    # -- saving conversations (the offline workbench keeps them across restarts) ---------

    @property
    def conversations_revision(self) -> int:
        """Grows whenever a message or ephemeral is added, changed or deleted."""
        return self._core.workspace.history.revision

    def dump_conversations(self) -> dict[str, Any]:
        """Messages, ephemerals, DM ids and channel membership, JSON-ready."""
        workspace = self._core.workspace
        return {**workspace.history.dump(), "directory": workspace.directory.dump()}

    def load_conversations(self, data: dict[str, Any]) -> None:
        """Restore what `dump_conversations` returned ({} empties every conversation)."""
        workspace = self._core.workspace
        workspace.directory.load(data.get("directory") or {})
        workspace.history.load(data)

    # -- delivery settings ---------------------------------------------------------------

    @property
    def request_url(self) -> str | None:
        """Where signed HTTP deliveries go when no Socket Mode client is connected."""
        return self._deliverer.request_url

    @request_url.setter
    def request_url(self, url: str | None) -> None:
        self._deliverer.request_url = url

    @property
    def transport(self) -> Literal["auto", "socket", "http"]:
        """`auto` (Socket Mode when connected, else HTTP), or force one."""
        return self._deliverer.transport

    @transport.setter
    def transport(self, value: Literal["auto", "socket", "http"]) -> None:
        self._deliverer.transport = value

    @property
    def retry_unacked_events(self) -> bool:
        """Redeliver events not acked within 3 s (up to 3 retries), as Slack does."""
        return self._deliverer.retry_unacked_events

    @retry_unacked_events.setter
    def retry_unacked_events(self, value: bool) -> None:
        self._deliverer.retry_unacked_events = value

    def signing(self, mode: SigningMode) -> AbstractContextManager[None]:
        """Within the block, HTTP deliveries are signed `forged`, `stale` or `missing`."""
        return self._deliverer.signing(mode)

    # -- Web API behaviour ---------------------------------------------------------------

    @property
    def scopes(self) -> set[str]:
        """The bot's granted scopes (mutable: remove one to get `missing_scope`)."""
        return self._core.auth.scopes

    def rate_limits(
        self,
        enabled: bool = True,
        *,
        post_per_second: float | None = None,
        post_burst: int | None = None,
        workspace_per_minute: int | None = None,
        tier_per_minute: dict[int, int] | None = None,
    ) -> None:
        """Turn Slack-like rate limiting on (or off), optionally with other numbers."""
        limits = self._core.limits
        limits.enabled = enabled
        if post_per_second is not None:
            limits.post_per_second = post_per_second
        if post_burst is not None:
            limits.post_burst = post_burst
        if workspace_per_minute is not None:
            limits.workspace_per_minute = workspace_per_minute
        if tier_per_minute is not None:
            limits.tier_per_minute.update(tier_per_minute)
        limits.reset()

    def faults(
        self,
        method: str | None = None,
        *,
        p429: float = 0.0,
        p503: float = 0.0,
        p_lost: float = 0.0,
        retry_after: int = 1,
        times: int | None = None,
        seed: int | None = None,
    ) -> None:
        """Inject failures into `method` (None = every method): 429 with Retry-After, 503, or
        `lost` (the call takes effect but the app sees a 503). `times` caps how many."""
        self._core.faults.add(
            method,
            p429=p429,
            p503=p503,
            p_lost=p_lost,
            retry_after=retry_after,
            times=times,
            seed=seed,
        )

    def clear_faults(self) -> None:
        self._core.faults.clear()

    def register_oauth_code(
        self,
        code: str,
        user: str,
        *,
        scopes: Iterable[str] | None = None,
        redirect_uri: str | None = None,
    ) -> None:
        """Make `code` exchangeable once via oauth.v2.access (client id/secret: emu.auth)."""
        self._core.auth.register_code(code, user, list(scopes) if scopes else None, redirect_uri)

    @property
    def auth(self) -> Auth:
        return self._core.auth

    def expire_trigger(self, trigger_id: str) -> None:
        self._core.triggers.expire(trigger_id)

    def expire_response_url(self, url: str) -> None:
        self._core.responses.expire(url.rsplit("/", 1)[-1])

    # -- workspace changes ---------------------------------------------------------------

    def add_user(self, user: User) -> None:
        with self._core.workspace.lock:
            self._core.workspace.directory.users[user.id] = user

    def add_channel(self, channel: Channel) -> None:
        with self._core.workspace.lock:
            self._core.workspace.directory.channels[channel.id] = channel

    def set_bot_member(self, channel: str, member: bool = True) -> None:
        with self._core.workspace.lock:
            self._core.workspace.directory.channels[channel].bot_member = member

    def archive_channel(self, channel: str, archived: bool = True) -> None:
        with self._core.workspace.lock:
            self._core.workspace.directory.channels[channel].is_archived = archived

    def users(self) -> list[User]:
        with self._core.workspace.lock:
            return snapshot(list(self._core.workspace.directory.users.values()))

    def channels(self) -> list[Channel]:
        with self._core.workspace.lock:
            return snapshot(list(self._core.workspace.directory.channels.values()))

    def dm_channel(self, user: str) -> str:
        """The id of the DM between the app and `user` (created if needed)."""
        return self._core.workspace.directory.im_for(user)

    # -- Socket Mode ---------------------------------------------------------------------

    @property
    def connection_count(self) -> int:
        return self._socket.connection_count()

    @property
    def connections_opened(self) -> int:
        """Socket Mode connections accepted since start (grows on every reconnect)."""
        return self._socket.opened_total

    def disconnect(self, reason: str = "refresh_requested", close_after: float = 1.0) -> int:
        """Send `{"type": "disconnect"}` to every client; close them after `close_after` s."""
        return self._socket.disconnect(reason, close_after)

    def drop_connections(self) -> int:
        """Close every Socket Mode connection with no disconnect message first."""
        return self._socket.drop()

    def wait_connected(self, timeout: float = 5.0, count: int = 1) -> None:
        self.wait_for(
            lambda: self.connection_count >= count,
            timeout,
            message=f"{count} Socket Mode connection(s)",
        )

    def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,
        interval: float = 0.01,
        message: str | None = None,
    ) -> T:
        """Poll until `predicate()` is truthy; return its value or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"timed out after {timeout:g}s waiting for "
                    f"{message or getattr(predicate, '__name__', 'condition')}"
                )
            time.sleep(interval)

    # -- what the app did ----------------------------------------------------------------

    def messages(self, conversation: str) -> list[Message]:
        """Messages in a channel, IM, or (given a user id) the user's DM with the app."""
        directory = self._core.workspace.directory
        if conversation in directory.users:
            if not directory.has_im(conversation):
                return []
            conversation = directory.im_for(conversation)
        return self._core.workspace.history.messages(conversation)

    def thread(self, conversation: str, ts: str) -> list[Message]:
        return [m for m in self.messages(conversation) if ts in (m.ts, m.thread_ts)]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Ephemeral]:
        if channel is not None and channel in self._core.workspace.directory.users:
            channel = self.dm_channel(channel)
        return self._core.workspace.history.ephemerals(channel, user)

    @property
    def response_posts(self) -> list[ResponsePost]:
        return self._core.responses.posts()

    def modals(self, user: str) -> list[View]:
        """The user's open modal stack, bottom first."""
        return self._core.workspace.views.stack(user)

    def uploaded(self, file_id: str) -> bytes | None:
        """The bytes the app uploaded as `file_id` (files upload v2), or None if there are
        none (never uploaded, or deleted)."""
        with self._core.uploads.lock:
            return self._core.uploads.data.get(file_id)

    def home(self, user: str) -> View | None:
        return self._core.workspace.views.home(user)

    def view(self, view_id: str) -> View:
        return self._core.workspace.views.get(view_id)

    @property
    def calls(self) -> list[Call]:
        return self._core.recorder.calls()

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def deliveries(self) -> list[Delivery]:
        return self._deliverer.deliveries()

    @property
    def problems(self) -> list[Problem]:
        """Everything Slack would have rejected. Tests assert this is empty."""
        return self._core.recorder.problems()

    def clear_problems(self) -> None:
        self._core.recorder.clear_problems()

    def assert_no_problems(self) -> None:
        problems = self.problems
        if problems:
            listing = "\n".join(f"  - {p}" for p in problems)
            raise AssertionError(f"{len(problems)} thing(s) Slack would reject:\n{listing}")
