"""The `/pendulum` coaching commands end to end: the real app (`pendulum-bot run`, Socket
Mode) against the local Slack emulator. Every grammar row, answers in a DM, a private channel
and a channel the app is not in, Share in channel, the assess modal (open → inline errors →
save → reading DM), the checklist walk-through and the "Critical path?" message shortcut."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from blockkit.validate import message_problems, view_problems
from slack_emulator import Emulator
from slack_emulator.models import Ephemeral
from tests.support.harness import (
    ALICE,
    BOB,
    CHEN,
    NOBOT,
    PRIVATE,
    TEAM,
    AppProcess,
    make_emulator,
    start_app,
)
from tests.support.steps import answered, header, latest_ephemeral

ROLE, YEARS_ENG, YEARS_MGMT, MONTHS, GOAL = (
    "assess_role",
    "assess_years_engineering",
    "assess_years_managing",
    "assess_months_hands_on",
    "assess_goal",
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, AppProcess]]:
    """One app for the module (starting it is the slow part); each test checks its own
    Slack problems."""
    with make_emulator() as emulator:
        process = start_app(emulator, tmp_path_factory.mktemp("commands") / "app")
        try:
            yield emulator, process
        finally:
            process.stop()


@pytest.fixture
def slack(live: tuple[Emulator, AppProcess]) -> Iterator[Emulator]:
    emulator, _ = live
    emulator.clear_problems()
    yield emulator
    emulator.assert_no_problems()


@pytest.fixture
def bot(live: tuple[Emulator, AppProcess]) -> AppProcess:
    return live[1]


def assessments(bot: AppProcess) -> list[tuple[Any, ...]]:
    return bot.query("SELECT team_id, user_id, role, goal FROM assessments")


# -- every grammar row ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("", "/pendulum topics"),
        ("help", "/pendulum check"),
        ("topics", "Coaching topics"),
        ("ladder", "Climbing the ladder"),
        ("Director", "Climbing the ladder"),
        ("advice cto", "Coming back to engineering"),
        ("ic", "Going back from EM to IC"),
        ("  em   to   IC ", "Going back from EM to IC"),
        ("check write the migration for Friday's launch", "⛔"),
        ("check review Priya's PR", "✅"),
        ("check refactor the auth module", "❓"),
        ("check", "Is it on your critical path?"),
        ("❓", "Is it on your critical path?"),
        ("lader", "I don't know"),
    ],
)
def test_grammar_row(slack: Emulator, text: str, expect: str) -> None:
    ack = answered(slack.slash_command(ALICE, TEAM, text))
    assert expect in repr(ack)
    assert expect in repr(latest_ephemeral(slack, TEAM).blocks)


@pytest.mark.parametrize(
    "text",
    [
        "<!channel> hi",
        "check <@U0BOB|bob> <https://example.com|click> ```x```",
        "😀 日本語",
        "check " + "x" * 5000,
    ],
)
def test_bad_input_is_answered_and_escaped(slack: Emulator, text: str) -> None:
    ack = answered(slack.slash_command(ALICE, TEAM, text))
    rendered = repr(ack)
    assert "<!channel>" not in rendered and "<@U0BOB" not in rendered
    assert "<https://example.com" not in rendered


@pytest.mark.parametrize("channel", [None, PRIVATE, NOBOT])
def test_answers_in_dm_private_channel_and_where_the_app_is_not(
    slack: Emulator, channel: str | None
) -> None:
    answered(slack.slash_command(ALICE, channel, "ladder"))
    assert header(latest_ephemeral(slack, channel).blocks).startswith("Climbing the ladder")


# -- buttons on a topic ---------------------------------------------------------------------


@pytest.mark.parametrize("channel", [NOBOT, TEAM, None])
def test_share_in_channel_posts_for_everyone_named_and_unpersonalised(
    slack: Emulator, channel: str | None
) -> None:
    where = channel or slack.dm_channel(ALICE)
    answered(slack.slash_command(ALICE, channel, "ladder"))
    before = len(slack.messages(where))
    slack.click(ALICE, latest_ephemeral(slack, channel), "topic_share")
    shared = slack.wait_for(lambda: slack.messages(where)[before:], timeout=5)
    (post,) = shared
    assert header(post.blocks).startswith("Climbing the ladder")
    assert f"Shared by <@{ALICE}>" in repr(post.blocks)
    assert "topic_share" not in repr(post.blocks)
    assert message_problems({"text": post.text, "blocks": post.blocks}) == []


FULL_TEXT_ONLY = "Note the flip"  # a sentence of the ladder topic's full text, not its card


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def next_ephemeral(slack: Emulator, user: str, channel: str, count: int) -> Ephemeral:
    slack.wait_for(lambda: len(slack.ephemerals(channel=channel, user=user)) > count, timeout=5)
    return latest_ephemeral(slack, channel, user)


def test_a_topic_opens_with_its_card_and_read_more_sends_the_full_text(slack: Emulator) -> None:
    answered(slack.slash_command(ALICE, TEAM, "ladder"))
    card = latest_ephemeral(slack, TEAM)
    text = repr(card.blocks)
    assert header(card.blocks).startswith("Climbing the ladder")
    assert text.count("• ") == 3 and "*Next step:*" in text and "Idea from" in text
    assert FULL_TEXT_ONLY not in text  # a card, not the wall
    assert action_ids(card.blocks) == ["topic_more", "topic_share", "topics_list"]

    count = len(slack.ephemerals(channel=TEAM, user=ALICE))
    slack.click(ALICE, card, "topic_more")
    full = next_ephemeral(slack, ALICE, TEAM, count)
    assert header(full.blocks).startswith("Climbing the ladder")
    assert FULL_TEXT_ONLY in repr(full.blocks) and "Idea from" in repr(full.blocks)
    assert "charity.wtf" in repr(full.blocks)  # the credit links the public essay
    assert message_problems({"text": full.text, "blocks": full.blocks}) == []


def test_a_shared_card_offers_read_more_privately_to_whoever_clicks(slack: Emulator) -> None:
    answered(slack.slash_command(ALICE, TEAM, "ladder"))
    before = len(slack.messages(TEAM))
    slack.click(ALICE, latest_ephemeral(slack, TEAM), "topic_share")
    (post,) = slack.wait_for(lambda: slack.messages(TEAM)[before:], timeout=5)
    assert repr(post.blocks).count("• ") == 3 and FULL_TEXT_ONLY not in repr(post.blocks)
    assert action_ids(post.blocks) == ["topic_more"]
    assert message_problems({"text": post.text, "blocks": post.blocks}) == []

    # Chen, a teammate (Bob's private answers are checked elsewhere in this module)
    count = len(slack.ephemerals(channel=TEAM, user=CHEN))
    slack.click(CHEN, post, "topic_more")
    full = next_ephemeral(slack, CHEN, TEAM, count)
    assert FULL_TEXT_ONLY in repr(full.blocks)
    assert len(slack.messages(TEAM)) == before + 1  # nothing more in the channel


def test_read_and_all_topics_buttons(slack: Emulator) -> None:
    answered(slack.slash_command(ALICE, TEAM, "topics"))
    listing = latest_ephemeral(slack, TEAM)
    count = len(slack.ephemerals(channel=TEAM, user=ALICE))
    slack.click(ALICE, listing, "topic_open:rusty")
    slack.wait_for(lambda: len(slack.ephemerals(channel=TEAM, user=ALICE)) > count, timeout=5)
    assert header(latest_ephemeral(slack, TEAM).blocks).startswith("How fast")


# -- the checklist --------------------------------------------------------------------------


def test_checklist_walk_through_replaces_the_message_until_a_verdict(slack: Emulator) -> None:
    answered(slack.slash_command(ALICE, TEAM, "check"))
    step = latest_ephemeral(slack, TEAM)
    ts = step.ts
    slack.click(ALICE, step, "cp_answer:no")

    def replaced() -> Ephemeral | None:
        now = [e for e in slack.ephemerals(channel=TEAM, user=ALICE) if e.ts == ts]
        return now[0] if now and "Question 2" in repr(now[0].blocks) else None

    second = slack.wait_for(replaced, timeout=5)
    assert second is not None
    slack.click(ALICE, second, "cp_answer:yes")

    def verdict() -> Ephemeral | None:
        now = [e for e in slack.ephemerals(channel=TEAM, user=ALICE) if e.ts == ts]
        return now[0] if now and "⛔" in header(now[0].blocks) else None

    slack.wait_for(verdict, timeout=5)


# -- the message shortcut -------------------------------------------------------------------


def post_without_event(slack: Emulator, channel: str, text: str) -> str:
    """Bob writes in `channel`. The manifest subscribes to no message events, so (as in real
    Slack) the emulator does not tell the app."""
    assert slack.post_as_user(BOB, channel, text) is None
    return slack.messages(channel)[-1].ts


@pytest.mark.parametrize("channel", [TEAM, NOBOT])
def test_message_shortcut_gives_a_verdict_privately(slack: Emulator, channel: str) -> None:
    ts = post_without_event(
        slack,
        channel,
        "Can you write the migration for Friday's launch? You're the only one who knows how",
    )
    count = len(slack.ephemerals(channel=channel, user=ALICE))
    slack.message_shortcut(ALICE, channel, ts, "critical_path_check")
    slack.wait_for(lambda: len(slack.ephemerals(channel=channel, user=ALICE)) > count, timeout=5)
    answer = latest_ephemeral(slack, channel)
    assert header(answer.blocks).startswith("⛔")
    assert "Friday" in repr(answer.blocks)
    assert slack.ephemerals(channel=channel, user=BOB) == []


# -- the assess modal -----------------------------------------------------------------------


def test_assess_modal_errors_then_save_then_reading_dm(slack: Emulator, bot: AppProcess) -> None:
    delivery = slack.slash_command(ALICE, TEAM, "assess")
    assert delivery.acked and delivery.latency is not None and delivery.latency < 3.0
    (modal,) = slack.wait_for(lambda: slack.modals(ALICE), timeout=3)
    assert view_problems(modal.spec) == []
    assert not [c for c in slack.calls_to("views.open") if c.response.get("ok") is False]

    bad = slack.submit_view(
        ALICE,
        modal,
        {
            ROLE: {"value": "em"},
            YEARS_ENG: {"value": "seven"},
            YEARS_MGMT: {"value": "-1"},
            MONTHS: {"value": "900"},
            GOAL: {"value": "stay"},
        },
    )
    assert set(bad.outcome["errors"]) == {YEARS_ENG, YEARS_MGMT, MONTHS}
    assert slack.view(modal.id).errors == bad.outcome["errors"]
    assert assessments(bot) == []

    dm = slack.dm_channel(ALICE)
    before = len(slack.messages(dm))
    good = slack.submit_view(
        ALICE,
        modal,
        {YEARS_ENG: {"value": "8"}, YEARS_MGMT: {"value": "4"}, MONTHS: {"value": "30"}},
    )
    assert good.outcome.get("closed") and slack.modals(ALICE) == []
    (reading,) = slack.wait_for(lambda: slack.messages(dm)[before:], timeout=5)
    assert "Your pendulum reading" in repr(reading.blocks)
    assert "Your next step" in repr(reading.blocks)
    assert message_problems({"text": reading.text, "blocks": reading.blocks}) == []
    assert len(assessments(bot)) == 1

    # the reading is available again, privately, and topics now star the picks
    assert "Your next step" in repr(answered(slack.slash_command(ALICE, TEAM, "reading")))
    assert ":star:" in repr(answered(slack.slash_command(ALICE, TEAM, "topics")))
    # Bob has not assessed: his answers are not personalised by Alice's
    assert ":star:" not in repr(answered(slack.slash_command(BOB, TEAM, "topics")))


# -- HTTP mode ------------------------------------------------------------------------------


def test_http_mode_check_share_and_assess(emu: Emulator, http_app: AppProcess) -> None:
    """The same answers over signed HTTP (conftest's `http_app`), where the ack is the HTTP
    response and the modal must still open inside the trigger_id's 3 seconds."""
    assert "⛔" in repr(
        answered(emu.slash_command(ALICE, NOBOT, "check ship the launch by Friday"))
    )
    answered(emu.slash_command(ALICE, NOBOT, "tour"))
    emu.click(ALICE, latest_ephemeral(emu, NOBOT), "topic_share")
    emu.wait_for(lambda: emu.messages(NOBOT), timeout=5)
    emu.slash_command(ALICE, TEAM, "assess")
    (modal,) = emu.wait_for(lambda: emu.modals(ALICE), timeout=3)
    assert modal.callback_id == "assess"
    emu.assert_no_problems()
