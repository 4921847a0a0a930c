"""Writing to Pendulum in its Messages tab gets one pointer to the commands a day."""

from __future__ import annotations

from blockkit.validate import message_problems
from slack_emulator import Emulator
from tests.support.harness import ALICE, TEAM, AppProcess


def handled_events(app: AppProcess) -> int:
    ((count,),) = app.query("SELECT COUNT(*) FROM processed_requests WHERE key LIKE 'event:%'")
    return int(count)


def hints(emu: Emulator) -> list[object]:
    return [m for m in emu.messages(ALICE) if "I don't read messages here" in repr(m.blocks)]


def test_a_dm_gets_one_hint_a_day(emu: Emulator, app: AppProcess) -> None:
    delivery = emu.post_as_user(ALICE, None, "hello? how do I use you")
    assert delivery is not None and delivery.acked
    emu.wait_for(lambda: hints(emu), message="the hint DM")
    (hint,) = hints(emu)
    assert message_problems({"text": hint.text, "blocks": hint.blocks}) == []  # type: ignore[attr-defined]
    emu.post_as_user(ALICE, None, "still there?")
    emu.wait_for(lambda: handled_events(app) == 2, message="the second message handled")
    assert len(hints(emu)) == 1
    app.advance_clock(26 * 3600)
    emu.post_as_user(ALICE, None, "new day")
    emu.wait_for(lambda: len(hints(emu)) == 2, message="a hint the next day")


def test_channel_messages_are_not_delivered_to_the_app(emu: Emulator, app: AppProcess) -> None:
    assert emu.post_as_user(ALICE, TEAM, "chatting with the team") is None
