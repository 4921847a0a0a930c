"""The workbench's conversations, kept in a file beside the database.

The database and the clock survive a restart of `pendulum-bot`; without this the messages
would not, and a returning user would see "No messages yet" beside schedules they made.
The file is `<database>.workbench.json`, rewritten (atomically) within a second of any
change and once more at shutdown; "Start over" deletes it with the database.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any

from slack_emulator import Emulator

log = logging.getLogger("pendulum.workbench")

SAVE_EVERY = 0.5  # seconds between looks for changes


def conversations_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".workbench.json")


class SavedConversations:
    def __init__(self, emu: Emulator, path: Path) -> None:
        self.emu = emu
        self.path = path
        self._saved = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def restore(self) -> bool:
        """Load the file into the emulator; False when there is none (or it is unreadable,
        which is logged: the workbench then starts with empty conversations)."""
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return False
        except (OSError, ValueError) as exc:
            log.warning("could not read %s (%s); starting with no conversations", self.path, exc)
            return False
        try:
            self.emu.load_conversations(data if isinstance(data, dict) else {})
        except (TypeError, ValueError, AttributeError) as exc:
            log.warning("%s does not hold conversations (%s); ignoring it", self.path, exc)
            self.emu.load_conversations({})
            return False
        self._saved = self.emu.conversations_revision
        return True

    def save(self) -> None:
        with self._lock:
            revision = self.emu.conversations_revision
            text = json.dumps(self.emu.dump_conversations(), ensure_ascii=False)
            partial = self.path.with_name(f".{self.path.name}.partial")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, self.path)
            self._saved = revision

    def save_if_changed(self) -> None:
        if self.emu.conversations_revision != self._saved:
            try:
                self.save()
            except OSError as exc:  # a full disk must not stop the workbench
                log.warning("could not save the conversations to %s: %s", self.path, exc)

    def start(self) -> SavedConversations:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="workbench-save", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(SAVE_EVERY):
            self.save_if_changed()

    def stop(self) -> None:
        """Stop watching, saving what changed since the last save."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.save_if_changed()

    def discard(self) -> None:
        """Forget the saved conversations (the watcher must be stopped)."""
        with suppress(FileNotFoundError):
            self.path.unlink()
        self._saved = -1
