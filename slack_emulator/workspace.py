"""The emulated workspace's state: directory, history and views behind one lock."""

from __future__ import annotations

import threading

from bot.clock import Clock
from slack_emulator.directory import Bot, Directory
from slack_emulator.history import History
from slack_emulator.ids import Ids
from slack_emulator.models import Channel, User
from slack_emulator.viewstack import Views


class Workspace:
    """One team. A single re-entrant lock guards every record so multi-step operations
    (resolve a channel, then post to it) see one consistent state."""

    def __init__(
        self,
        *,
        team_id: str,
        team_name: str,
        domain: str,
        bot: Bot,
        users: list[User],
        channels: list[Channel],
        clock: Clock,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.ids = Ids(clock)
        self.directory = Directory(self.lock, team_id, team_name, domain, bot, users, channels)
        self.history = History(self.lock)
        self.views = Views(self.lock, self.ids)

    @property
    def team_id(self) -> str:
        return self.directory.team_id

    @property
    def bot(self) -> Bot:
        return self.directory.bot
