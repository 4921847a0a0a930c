"""Fuzz the full command path: 1,000 random `/pendulum` texts per transport (Socket Mode and
signed HTTP through waitress), typed through the emulator at the real app running as a
subprocess — the same generator as tests/unit/test_commands_properties.py (mentions, links, emoji,
other scripts, code fences, huge and empty input).

Each command is acked within 3 seconds with valid Block Kit that carries no Slack control
markup; whatever the app does afterwards (modals, response_url posts) is something Slack
accepts and never a special mention; and after the lot the database holds nothing new.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from bench.observe import settle
from blockkit.validate import message_problems
from slack_emulator import Emulator
from tests.support.command_text import command_text
from tests.support.harness import ALICE, TEAM, AppProcess, make_emulator, start_app

EXAMPLES = 1000
SPECIAL = re.compile(r"<!(channel|here|everyone|subteam)")
CONTROL = re.compile(r"<[!@#][^<>]*>")


@pytest.fixture(scope="module", params=["socket", "http"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Emulator, AppProcess]]:
    with make_emulator() as emulator:
        process = start_app(
            emulator, tmp_path_factory.mktemp(f"fuzz-{request.param}") / "app", mode=request.param
        )
        try:
            yield emulator, process
        finally:
            process.stop()


def test_a_thousand_random_commands_over_the_wire(live: tuple[Emulator, AppProcess]) -> None:
    emu, app = live
    before = settle(emu, app.db_location).database
    seen: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(text=command_text)
    def one_command(text: str) -> None:
        delivery = emu.slash_command(ALICE, TEAM, text)
        seen.append(text)
        assert delivery.acked and delivery.ok, (text, delivery.status, delivery.latency)
        if delivery.transport == "http":
            assert delivery.status == 200, (text, delivery.status)
        ack = delivery.ack
        if ack is None:  # only the modal opener answers with an empty ack (then views.open)
            return
        assert message_problems({k: v for k, v in ack.items() if k in ("text", "blocks")}) == []
        rendered = json.dumps(ack, ensure_ascii=False)
        assert not SPECIAL.search(rendered), (text, rendered[:300])
        for control in CONTROL.findall(rendered):
            assert control not in text, (control, text)

    one_command()
    assert len(seen) >= EXAMPLES

    # what the app did after the acks: nothing Slack would reject, no special mention
    after = settle(emu, app.db_location)
    emu.assert_no_problems()
    posted = [json.dumps(p.body, ensure_ascii=False) for p in emu.response_posts]
    posted += [f"{e.text} {e.blocks}" for e in emu.ephemerals()]
    posted += [f"{m.text} {m.blocks}" for m in emu.messages(ALICE) + emu.messages(TEAM)]
    posted += [json.dumps(v.spec, ensure_ascii=False) for v in emu.modals(ALICE)]
    assert not [p for p in posted if SPECIAL.search(p)]
    # and nothing was stored
    assert after.database == before
