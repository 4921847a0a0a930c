"""Sentences that must make sense where and when they are read: `checkin now` typed in the DM,
the follow-up right after a check-in, `assess` typed in a channel, and an ad hoc check-in
marked "Checked in" once answered. The real app against the emulator."""

from __future__ import annotations

import json

from bot.cli import build_parser
from slack_emulator import Emulator
from tests.support.harness import ALICE, TEAM, AppProcess
from tests.support.steps import ANSWERS, enrol, text_of, wait_dm

ASSESS = {
    "assess_role": {"value": "em"},
    "assess_years_engineering": {"value": "8"},
    "assess_years_managing": {"value": "4"},
    "assess_months_hands_on": {"value": "30"},
    "assess_goal": {"value": "stay"},
}


def private_answers(emu: Emulator, since: int = 0) -> list[str]:
    """What the app said privately after a command (response_url posts)."""
    return [json.dumps(p.body) for p in emu.response_posts[since:]]


def test_checkin_now_typed_in_the_dm_points_at_the_message_above(
    emu: Emulator, app: AppProcess
) -> None:
    enrol(emu)
    before = len(emu.response_posts)
    emu.slash_command(ALICE, None, "checkin now")  # in the DM with the app
    wait_dm(emu, ALICE, "Start check-in")
    said = emu.wait_for(
        lambda: private_answers(emu, before), timeout=10, message="the answer to checkin now"
    )
    assert "just above" in said[-1] and "in our DM" not in said[-1]

    again = len(emu.response_posts)
    emu.slash_command(ALICE, TEAM, "checkin now")  # in a channel: the DM is elsewhere
    said = emu.wait_for(lambda: private_answers(emu, again), timeout=10, message="the answer")
    assert "in our DM" in said[-1]


def test_an_ad_hoc_check_in_is_marked_checked_in_once_answered(
    emu: Emulator, app: AppProcess
) -> None:
    emu.slash_command(ALICE, TEAM, "checkin now")  # not enrolled
    prompt = wait_dm(emu, ALICE, "Start check-in")
    emu.click(ALICE, prompt, "checkin_start")
    modal = emu.wait_for(lambda: emu.modals(ALICE), timeout=10, message="the modal")[-1]
    assert emu.submit_view(ALICE, modal, ANSWERS).outcome.get("closed")
    wait_dm(emu, ALICE, "Checked in for the week")
    assert not [m for m in emu.messages(ALICE) if "Start check-in" in text_of(m)]


def test_the_follow_up_speaks_of_the_week_just_answered(emu: Emulator, app: AppProcess) -> None:
    emu.slash_command(ALICE, TEAM, "checkin now")
    emu.click(ALICE, wait_dm(emu, ALICE, "Start check-in"), "checkin_start")
    modal = emu.wait_for(lambda: emu.modals(ALICE), timeout=10, message="the modal")[-1]
    answers = {**ANSWERS, "critical_path": {"value": "yes"}, "energy": {"value": "80"}}
    assert emu.submit_view(ALICE, modal, answers).outcome.get("closed")
    followup = text_of(wait_dm(emu, ALICE, "critical path"))
    assert "This week, some of your hands-on work" in followup
    assert "Last week" not in followup


def test_assess_in_a_channel_says_where_the_reading_went(emu: Emulator, app: AppProcess) -> None:
    emu.slash_command(ALICE, TEAM, "assess")
    (modal,) = emu.wait_for(lambda: emu.modals(ALICE), timeout=5, message="the modal")
    before = len(emu.response_posts)
    assert emu.submit_view(ALICE, modal, ASSESS).outcome.get("closed")
    wait_dm(emu, ALICE, "Your pendulum reading")
    said = emu.wait_for(lambda: private_answers(emu, before), timeout=10, message="the pointer")
    assert "Your reading is in our DM" in said[-1]


def test_assess_in_the_dm_adds_no_pointer(emu: Emulator, app: AppProcess) -> None:
    emu.slash_command(ALICE, None, "assess")
    (modal,) = emu.wait_for(lambda: emu.modals(ALICE), timeout=5, message="the modal")
    before = len(emu.response_posts)
    assert emu.submit_view(ALICE, modal, ASSESS).outcome.get("closed")
    wait_dm(emu, ALICE, "Your pendulum reading")
    assert not [t for t in private_answers(emu, before) if "Your reading is in our DM" in t]


def test_the_top_level_help_names_the_tick_setting() -> None:
    assert "PENDULUM_TICK_SECONDS" in build_parser().format_help()
