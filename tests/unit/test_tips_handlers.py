"""`/pendulum remind …` and the weekly channel tip through the handlers: real Services,
SQLite, prompts/ and delivery engine around a stub Slack that knows channels. Every message
the stub sees is checked for Block Kit problems (`world.slack.problems`)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from blockkit.validate import message_problems
from bot.content.compose import tip_message
from bot.features import tips
from bot.store import schedules as sch
from tests.support.checkin_world import Call, last_ephemeral, world_fixture
from tests.support.nudge_world import (
    ALICE,
    BOB,
    CHEN,
    ENG,
    LEADS,
    RANDOM,
    TEAM,
    World,
    blocks_text,
    make_world,
    ref,
    slack_of,
)

# Wednesday 4 March 2026 12:00 UTC; Alice is in Berlin (UTC+1), Bob in New York (UTC-5).
MON_0930_BERLIN = datetime(2026, 3, 9, 8, 30, tzinfo=UTC)


world = world_fixture(make_world)


def subscription(world: World, channel: str = ENG) -> sch.Schedule:
    found = tips.channel_schedule(world.services, TEAM, channel)
    assert found is not None
    return found


def tips_in(world: World, channel: str = ENG) -> list[Call]:
    return slack_of(world).posts_to(channel, "Tip of the week")


# -- subscribing -----------------------------------------------------------------------------
def test_remind_subscribes_this_channel_monday_0930_in_the_subscribers_zone(world: World) -> None:
    reply = world.command("remind", run_later=False)
    assert reply.message is None and reply.later is not None  # Slack is asked after the ack
    reply.later()
    s = subscription(world)
    assert (s.kind, s.owner_user_id, s.target) == ("tip", ALICE, ENG)
    assert (s.weekday, s.local_time, s.tz) == (0, "09:30", "Europe/Berlin")
    assert s.next_due_at == MON_0930_BERLIN
    assert "gets a weekly tip Mondays at 09:30, Europe/Berlin time" in last_ephemeral(world)
    assert "Monday 9 March at 09:30 (CET)" in last_ephemeral(world)
    assert world.slack.of("conversations.members")  # the subscriber's membership was checked


def test_remind_with_channel_day_time_and_zone_in_any_order(world: World) -> None:
    world.command(f"remind america/new_york 14:15 {ref(LEADS, 'leads')} thursday", BOB)
    s = subscription(world, LEADS)
    assert (s.weekday, s.local_time, s.tz, s.owner_user_id) == (3, "14:15", "America/New_York", BOB)
    # again, from someone else, only the time: day and zone stay; not a second subscription
    world.command(f"remind {ref(LEADS)} 10:00", ALICE)
    s = subscription(world, LEADS)
    assert (s.weekday, s.local_time, s.tz) == (3, "10:00", "America/New_York")
    assert len(sch.list_by_team(world.store, TEAM, "tip")) == 1
    assert "Updated" in last_ephemeral(world)


@pytest.mark.parametrize(
    ("channel", "user", "needle"),
    [
        (RANDOM, ALICE, "/invite @Pendulum"),  # public, the app isn't in it
        ("G0SECRET", ALICE, "/invite @Pendulum"),  # private, invisible to the app
        (LEADS, CHEN, "a channel you're in"),  # Chen isn't in #leads
    ],
)
def test_remind_refuses_channels_it_cannot_use_and_says_how_to_fix_it(
    world: World, channel: str, user: str, needle: str
) -> None:
    world.command(f"remind {ref(channel, 'x')}", user)
    assert needle in last_ephemeral(world)
    assert sch.list_by_team(world.store, TEAM) == []


def test_remind_in_an_archived_channel(world: World) -> None:
    slack_of(world).channels[ENG].archived = True
    world.command("remind")
    assert "archived" in last_ephemeral(world)
    assert sch.list_by_team(world.store, TEAM) == []


def test_remind_from_a_dm_needs_a_channel_and_bad_words_are_answered_at_once(world: World) -> None:
    reply = world.command("remind", channel="D0ALICE")
    assert "Which channel" in repr(reply.message) and reply.later is None
    reply = world.command("remind #eng")
    assert "autocomplete" in repr(reply.message) and reply.later is None
    reply = world.command("remind blursday <!channel>")
    assert "blursday" in repr(reply.message)
    assert "<!channel>" not in repr(reply.message)
    assert sch.list_by_team(world.store, TEAM) == []


# -- the weekly tip ----------------------------------------------------------------------------
def test_the_tip_goes_out_at_0930_local_with_a_read_more_button(world: World) -> None:
    world.command("remind")
    world.run_until(MON_0930_BERLIN - timedelta(minutes=1), step=timedelta(minutes=30))
    assert tips_in(world) == []
    world.run_until(MON_0930_BERLIN)
    (tip,) = tips_in(world)
    assert tip.at == MON_0930_BERLIN
    body = {k: tip.args[k] for k in ("text", "blocks")}
    assert message_problems(body) == []
    assert "Idea from" in blocks_text(tip)
    buttons = [e for b in tip.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    topic_ids = set(world.services.library.topics)
    assert all(b["action_id"] == "topic_open" and b["value"] in topic_ids for b in buttons)
    (pick,) = world.rows("SELECT pool, target, period, cycle FROM rotation_picks")
    assert pick == ("tips", ENG, "2026-W11", 0)
    # "Read more" answers whoever clicks, privately, with the topic
    if buttons:
        reply = world.action("topic_open", buttons[0]["value"], BOB, channel=ENG)
        assert reply.message is not None and "Share in channel" in repr(reply.message)


def test_a_full_rotation_without_repeats_then_a_new_cycle(world: World) -> None:
    world.command("remind")
    pool = [t.id for t in world.services.library.tips]
    weeks = len(pool) + 2
    world.run_until(MON_0930_BERLIN + timedelta(weeks=weeks - 1), step=timedelta(days=1))
    picks = [r[0] for r in world.rows("SELECT item_id FROM rotation_picks ORDER BY period")]
    assert len(tips_in(world)) == weeks == len(picks)
    assert sorted(picks[: len(pool)]) == sorted(pool)
    assert all(a != b for a, b in itertools.pairwise(picks))
    cycles = [r[0] for r in world.rows("SELECT cycle FROM rotation_picks ORDER BY period")]
    assert cycles == [0] * len(pool) + [1, 1]
    # each channel walks its own order
    world.command(f"remind {ref(LEADS)}")
    world.run_until(world.clock.now() + timedelta(weeks=3), step=timedelta(days=1))
    leads = [
        r[0] for r in world.rows("SELECT item_id FROM rotation_picks WHERE target = ?", [LEADS])
    ]
    assert len(leads) == 3 and len(set(leads)) == 3


def test_remind_now_is_this_weeks_tip(world: World) -> None:
    world.command("remind")
    world.command("remind now")
    assert "Posted this week's tip" in last_ephemeral(world)
    assert len(tips_in(world)) == 1
    world.command("remind now")
    assert "already went out" in last_ephemeral(world)
    world.run_until(datetime(2026, 3, 8, 23, tzinfo=UTC))  # to the end of this week
    assert len(tips_in(world)) == 1
    world.run_until(MON_0930_BERLIN)  # a new week
    assert len(tips_in(world)) == 2
    first, second = [r[0] for r in world.rows("SELECT item_id FROM rotation_picks ORDER BY period")]
    assert first != second


def test_remind_skip_a_holiday(world: World) -> None:
    world.command("remind")
    reply = world.command("remind skip 2026-03-10")  # a Tuesday
    assert "go out on Mondays" in repr(reply.message) and "2026-03-09" in repr(reply.message)
    reply = world.command("remind skip 2026-03-02")
    assert "has passed" in repr(reply.message)
    reply = world.command(f"remind skip 2026-03-09 {ref(ENG)}")
    assert "No tip in <#C0TEAM> on Monday 9 March 2026" in repr(reply.message)
    assert "Next: Monday 16 March" in repr(reply.message)
    world.run_until(MON_0930_BERLIN + timedelta(weeks=1), step=timedelta(hours=2))
    assert len(tips_in(world)) == 1
    statuses = world.rows("SELECT period, status FROM deliveries WHERE kind = 'tip' ORDER BY 1")
    assert statuses == [("2026-W11", "skipped"), ("2026-W12", "sent")]


def test_remind_list_and_off(world: World) -> None:
    reply = world.command("remind list")
    assert "No channel gets a weekly tip yet" in repr(reply.message)
    world.command("remind")
    world.command(f"remind {ref(LEADS)} friday 16:00", BOB)
    reply = world.command("remind list", CHEN)
    text = repr(reply.message)
    assert "2 channels get a weekly tip" in text
    assert "<#C0TEAM>: Mondays at 09:30, Europe/Berlin time, set up by <@U0ALICE>" in text
    assert "<#G0LEADS>: Fridays at 16:00, America/New_York time, set up by <@U0BOB>" in text
    assert reply.message is not None and message_problems(reply.message) == []
    # someone outside #leads can't turn it off; a member can; the owner can at once
    world.command(f"remind off {ref(LEADS)}", CHEN)
    assert "Only members" in last_ephemeral(world)
    world.command(f"remind off {ref(LEADS)}", ALICE)
    assert "are off" in last_ephemeral(world)
    reply = world.command("remind off", ALICE, run_later=False)
    assert "are off" in repr(reply.message)
    assert sch.list_by_team(world.store, TEAM) == []
    reply = world.command("remind off")
    assert "no weekly tip to stop" in repr(reply.message)


# -- failures ----------------------------------------------------------------------------------
def test_removed_from_the_channel_pauses_and_tells_the_owner_once(world: World) -> None:
    world.command("remind")
    slack_of(world).channels[ENG].bot_member = False
    world.run_until(MON_0930_BERLIN + timedelta(weeks=2), step=timedelta(hours=6))
    s = subscription(world)
    assert s.paused_reason == "not_in_channel" and s.next_due_at is None
    notices = world.slack.dms(ALICE, "couldn't deliver")
    assert len(notices) == 1 and "/invite @Pendulum" in repr(notices[0].args)
    assert tips_in(world) == []
    assert "Paused (not_in_channel)" in repr(world.command("remind list").message)
    # the failed tip was never seen, so it is not used up
    assert world.rows("SELECT status FROM deliveries WHERE kind = 'tip'") == [("failed",)]
    # fixed: `remind now` posts and resumes; the next week's goes out as usual
    slack_of(world).channels[ENG].bot_member = True
    world.command("remind now")
    assert "back on" in last_ephemeral(world)
    assert subscription(world).paused_reason is None
    world.run_until(world.clock.now() + timedelta(weeks=1), step=timedelta(hours=6))
    picks = [r[0] for r in world.rows("SELECT item_id FROM rotation_picks ORDER BY period")]
    assert len(tips_in(world)) == 2 and len(picks) == 3
    assert picks[0] == picks[1] != picks[2]  # the unseen tip came round again, then the next


def test_remind_again_resumes_a_paused_subscription(world: World) -> None:
    world.command("remind")
    slack_of(world).channels[ENG].bot_member = False
    world.run_until(MON_0930_BERLIN, step=timedelta(hours=6))
    assert subscription(world).paused_reason == "not_in_channel"
    world.command("remind")
    assert "/invite" in last_ephemeral(world)  # still not fixed: said so, still paused
    slack_of(world).channels[ENG].bot_member = True
    world.command("remind")
    assert "Resumed" in last_ephemeral(world)
    assert subscription(world).next_due_at == MON_0930_BERLIN + timedelta(weeks=1)


def test_a_missed_tip_is_sent_on_restart_the_same_day_and_skipped_after(world: World) -> None:
    world.command("remind")
    # down from Sunday to Monday 11:30 (two hours late): sent on restart
    world.run_until(datetime(2026, 3, 8, 12, tzinfo=UTC))
    world.clock.set(MON_0930_BERLIN + timedelta(hours=2))
    world.restart()
    world.engine.recover()
    world.engine.tick()
    assert len(tips_in(world)) == 1
    # down over the whole of the next Monday: skipped, not posted on Tuesday
    world.clock.set(MON_0930_BERLIN + timedelta(weeks=1, days=1))
    world.restart()
    world.engine.recover()
    world.engine.tick()
    assert len(tips_in(world)) == 1
    rows = world.rows("SELECT period, status FROM deliveries WHERE kind = 'tip' ORDER BY 1")
    assert rows == [("2026-W11", "sent"), ("2026-W12", "skipped")]


@pytest.mark.parametrize(
    ("error", "why"),
    [
        ("not_in_channel", "/invite @Pendulum"),
        ("is_archived", "archived"),
        ("channel_not_found", "no longer exists"),
    ],
)
def test_permanent_errors_pause_the_subscription_and_tell_its_owner_once(
    world: World, error: str, why: str
) -> None:
    world.command("remind", BOB)
    world.slack.post_errors[ENG] = error
    world.run_until(MON_0930_BERLIN + timedelta(weeks=3), step=timedelta(hours=6))
    assert subscription(world).paused_reason == error
    (notice,) = world.slack.dms(BOB, "couldn't deliver")
    assert why in repr(notice.args) and "<#C0TEAM>" in repr(notice.args)
    assert message_problems({k: notice.args[k] for k in ("text", "blocks")}) == []
    assert world.slack.dms(ALICE) == []  # only the owner is told


def test_two_subscriptions_of_one_channel_at_the_same_moment_leave_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.command("remind", BOB)
    # Alice's `remind` looked before Bob's was stored, and creates a second one
    real = tips.channel_schedule
    calls = iter([None])
    monkeypatch.setattr(tips, "channel_schedule", lambda *a: next(calls, real(*a)))
    world.command("remind", ALICE)
    (only,) = sch.list_by_team(world.store, TEAM, "tip")
    assert only.owner_user_id == BOB


def test_the_shipped_tips_are_tagged_attributed_and_link_real_topics(world: World) -> None:
    library = world.services.library
    assert len(library.tips) >= 26
    assert len({t.id for t in library.tips}) == len(library.tips)
    for tip in library.tips:
        assert tip.tags and tip.source, tip.id
        assert tip.topic is None or tip.topic in library.topics, tip.id
        assert message_problems(tip_message(library, tip)) == [], tip.id
