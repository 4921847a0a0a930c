"""Which files of bot/ two everyday paths run through, traced in one process.

    uv run python scripts/walks.py            # the files, then the count, for each walk

1. `/pendulum check <task>`: the command's handler from `run_command` to the Reply that goes
   back in the ack (the Bolt listener, bot/slack/listeners/commands.py, is added by name: it
   only builds the context and acks).
2. A weekly check-in DM: one engine tick at the due instant, from planning to the after-send
   hook, with a stub Slack (the check-in test world in tests/support/).

Every function call on any thread is recorded (sys.setprofile), so a file counts once
something in it runs: this is "how many files does a reader open to follow the path".
"""

from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LISTENER = "bot/slack/listeners/commands.py"
# the test world validates every message it sees; before issue 12 the validator sat in bot/
WORLD_ONLY = {"bot/blocks/validate.py"}
TASK = "check fix the flaky deploy script before Friday's release"


def traced(run: Callable[[], object]) -> list[str]:
    """The bot/ files (relative paths) whose code ran during `run()`, on any thread."""
    bot = str(ROOT / "bot") + "/"
    seen: set[str] = set()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(bot):
            seen.add(frame.f_code.co_filename)

    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return sorted({str(Path(f).relative_to(ROOT)) for f in seen} - WORLD_ONLY)


def world_module() -> Any:
    try:
        from tests.support import checkin_world
    except ImportError:  # before the restructure (issue 12)
        from tests import test_checkin_fakes as checkin_world  # type: ignore[no-redef]
    return checkin_world


def main() -> None:
    worlds = world_module()
    with tempfile.TemporaryDirectory() as tmp:
        world = worlds.build_world(Path(tmp))
        try:
            check = traced(lambda: world.command(TASK))
            world.command("checkin on")
            ((due,),) = world.rows("SELECT next_due_at FROM schedules WHERE kind = 'checkin'")
            instant = datetime.fromisoformat(str(due).replace("Z", "+00:00"))
            world.run_until(instant - timedelta(minutes=30))  # every tick before the due one
            before = len(world.slack.calls)
            checkin = traced(lambda: world.run_until(instant))
            sent = [c for c in world.slack.calls[before:] if c.method == "chat.postMessage"]
            assert sent, "no check-in DM went out at the due instant"
        finally:
            world.engine.close()
    listener = LISTENER if (ROOT / LISTENER).exists() else "bot/listeners/commands.py"
    for name, files in (("check", sorted({listener, *check})), ("weekly check-in", checkin)):
        print(f"== {name}: {len(files)} files")
        for f in files:
            print(f"   {f}")


if __name__ == "__main__":
    main()
