"""Fault: Slack's Web API and response_urls answer slowly (1.5 s a call). Nothing the app
asks of Slack may sit between a request and its ack, so every command, click, submission and
event is still acked at once, and the slow work still gets done afterwards.

The real app runs as a subprocess; the emulator (in this process) is made slow after the app
has connected.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from slack_emulator import Emulator, response_posts
from slack_emulator import http_server as front
from slack_emulator.delivery import Delivery
from tests.support.harness import ALICE, BOB, TEAM, AppProcess, make_emulator, start_app

SLACK_DELAY = 1.5
FAST_ENOUGH = 0.75  # an ack that waited for even one Slack call would take 1.5 s


@pytest.fixture(params=["socket", "http"])
def slow(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Emulator, AppProcess]]:
    with make_emulator() as emulator:
        process = start_app(emulator, tmp_path_factory.mktemp("slow") / "app", mode=request.param)
        patch = pytest.MonkeyPatch()
        api, respond = front.dispatch, response_posts.post

        def slow_api(*args: Any, **kwargs: Any) -> Any:
            time.sleep(SLACK_DELAY)
            return api(*args, **kwargs)

        def slow_response(*args: Any, **kwargs: Any) -> Any:
            time.sleep(SLACK_DELAY)
            return respond(*args, **kwargs)

        patch.setattr(front, "dispatch", slow_api)
        patch.setattr(response_posts, "post", slow_response)
        try:
            yield emulator, process
        finally:
            patch.undo()
            process.stop()


def test_every_kind_of_request_is_acked_before_any_slack_call(
    slow: tuple[Emulator, AppProcess],
) -> None:
    emu, _ = slow
    latencies: dict[str, float] = {}

    def timed(label: str, act: Callable[[], Delivery | None]) -> Delivery:
        delivery = act()
        assert delivery is not None and delivery.acked, label
        assert delivery.latency is not None
        latencies[label] = delivery.latency
        return delivery

    say = emu.slash_command
    for text in (
        "help",
        "check write the migration for Friday's launch",
        "topics",
        "ladder",
        "history",
        "privacy",
        "checkin",
        "checkin on monday 9:30",
        "checkin skip",
        "assess",
        "forget me",
    ):
        timed(text, lambda t=text: say(ALICE, TEAM, t))  # type: ignore[misc]
    timed("checkin now", lambda: say(BOB, TEAM, "checkin now"))
    prompt = emu.wait_for(
        lambda: [m for m in emu.messages(BOB) if "checkin_start" in str(m.blocks)],
        timeout=30,
        message="Bob's check-in DM (slowly)",
    )[-1]
    timed("click Start check-in", lambda: emu.click(BOB, prompt, "checkin_start"))
    modal = emu.wait_for(lambda: emu.modals(BOB), timeout=30, message="the modal")[-1]
    timed(
        "submit the check-in",
        lambda: emu.submit_view(
            BOB,
            modal,
            {
                "hands_on": {"value": "5to10"},
                "critical_path": {"value": "no"},
                "focus_blocks": {"value": "3"},
                "energy": {"value": "70"},
            },
        ),
    )
    timed("App Home opened", lambda: emu.open_home(ALICE))
    timed("profile changed", lambda: emu.update_user(ALICE, tz="Europe/Lisbon"))

    slow_ones = {k: round(v, 3) for k, v in latencies.items() if v >= FAST_ENOUGH}
    assert slow_ones == {}, f"acks that waited for Slack: {slow_ones}"
    # and the work after the acks still got done, slowly: the follow-up DM, App Home
    emu.wait_for(
        lambda: len(emu.messages(BOB)) >= 2, timeout=60, message="the follow-up after answering"
    )
    emu.wait_for(lambda: emu.home(ALICE) is not None, timeout=30, message="App Home published")
    emu.assert_no_problems()
