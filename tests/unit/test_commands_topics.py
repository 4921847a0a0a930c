"""`/pendulum` grammar for topics: `topics`, `<topic>`, `advice <topic>`, aliases, unknown words,
and the Read / All topics / Share in channel buttons (handlers called directly)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from blockkit.validate import message_problems
from bot.content.compose import topic_full_message, topic_message
from bot.features import topics as topics_feature
from bot.features.assess import profile_for, save_once
from bot.features.assess_form import Answers
from bot.features.topics import resolve_topic, topic_candidates
from bot.router import run_command
from bot.services import Services
from tests.support.commands_fakes import (
    CHANNEL,
    ROUTER,
    START,
    TEAM,
    USER,
    StubClient,
    action,
    client_fixture,
    command,
    library,
    services_fixture,
)

services, client = services_fixture, client_fixture  # the shared fixtures


def ask(services: Services, client: StubClient, text: str) -> dict[str, Any]:
    reply = run_command(ROUTER, command(services, client, text))
    assert reply.message is not None, text
    assert message_problems(reply.message) == [], text
    assert client.calls == []  # the ack path makes no Web API call
    return reply.message


def header_of(msg: dict[str, Any]) -> str:
    return str(msg["blocks"][0]["text"]["text"])


def action_ids(msg: dict[str, Any]) -> list[str]:
    out = []
    for block in msg["blocks"]:
        out += [e["action_id"] for e in block.get("elements", []) if "action_id" in e]
        if "accessory" in block:
            out.append(block["accessory"]["action_id"])
    return out


# -- resolution (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "topic_id"),
    [
        ("ladder", "ladder"),
        ("LADDER", "ladder"),
        ("  Ladder  ", "ladder"),
        ("director", "ladder"),
        ("cto", "return"),
        ("ic", "em-to-ic"),
        ("em to ic", "em-to-ic"),
        ("em-to-ic", "em-to-ic"),
        ("back to ic", "em-to-ic"),
        ("on the ladder", "ladder"),
        ("critical path", "critical-path"),
        ("staff engineer", "archetypes"),
        ("directors", "ladder"),
        ("rusty?", "rusty"),
    ],
)
def test_topic_names_and_aliases_resolve(typed: str, topic_id: str) -> None:
    topic = resolve_topic(library(), typed)
    assert topic is not None and topic.id == topic_id


@pytest.mark.parametrize("typed", ["", "   ", "zzz", "help me with my life please now ok"])
def test_non_topics_do_not_resolve(typed: str) -> None:
    assert resolve_topic(library(), typed) is None


def test_candidates_are_capped_for_long_text() -> None:
    assert topic_candidates("word " * 500) == []


def test_every_topic_id_and_alias_resolves_to_itself() -> None:
    for topic in library().topics.values():
        for name in (topic.id, *topic.aliases):
            found = resolve_topic(library(), name)
            assert found is not None and found.id == topic.id, name


# -- commands -------------------------------------------------------------------------------


def test_topics_lists_every_topic_with_a_read_button(
    services: Services, client: StubClient
) -> None:
    msg = ask(services, client, "topics")
    text = repr(msg)
    ids = action_ids(msg)
    for topic in library().topics.values():
        assert topic.summary.replace("'", "\\'")[:30] in text or topic.summary[:30] in text
        assert f"topic_open:{topic.id}" in ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("word", ["ladder", "director", "cto", "ic", "advice ladder", "ADVICE cto"])
def test_a_topic_answers_with_source_and_share_button(
    services: Services, client: StubClient, word: str
) -> None:
    msg = ask(services, client, word)
    topic = resolve_topic(library(), word.lower().removeprefix("advice "))
    assert topic is not None
    assert header_of(msg) == topic.title
    assert "Idea from" in repr(msg)
    assert "topic_share" in action_ids(msg)


def test_every_topic_renders_for_every_name(services: Services, client: StubClient) -> None:
    for topic in library().topics.values():
        for name in (topic.id, *topic.aliases):
            assert header_of(ask(services, client, f"advice {name}")) == topic.title


def test_advice_alone_lists_topics(services: Services, client: StubClient) -> None:
    assert header_of(ask(services, client, "advice")) == "Coaching topics"


def test_advice_with_an_unknown_topic_suggests_close_ones(
    services: Services, client: StubClient
) -> None:
    msg = ask(services, client, "advice ladr")
    text = repr(msg)
    assert "I don't have a topic called `ladr`" in text
    assert "/pendulum ladder" in text and "/pendulum topics" in text


def test_unknown_word_falls_through_to_did_you_mean(services: Services, client: StubClient) -> None:
    text = repr(ask(services, client, "lader"))
    assert "I don't know `lader`" in text
    assert "/pendulum ladder" in text
    assert "/pendulum help" in text


def test_unknown_input_with_markup_is_escaped(services: Services, client: StubClient) -> None:
    text = repr(ask(services, client, "<!channel> hello"))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def read_more(services: Services, client: StubClient, topic_id: str, **kw: Any) -> Any:
    ctx = action(services, client, "topic_more", topic_id, **kw)
    reply = ROUTER.resolve_action("topic_more")(ctx)  # type: ignore[misc]
    assert reply.message is not None
    assert message_problems(reply.message) == []
    return reply.message


def test_topic_is_personalised_by_the_latest_assessment(
    services: Services, client: StubClient
) -> None:
    card = ask(services, client, "rusty")
    plain = read_more(services, client, "rusty")
    save_once(
        services.store,
        TEAM,
        USER,
        "V1",
        Answers("em", 8, 6, 70, "pendulum_back"),
        START,
    )
    personal = read_more(services, client, "rusty")
    me = profile_for(services.store, library(), TEAM, USER, START)
    assert me is not None and me.position == "tipping"
    assert personal == topic_full_message(library(), library().topics["rusty"], me)
    assert personal != plain
    # the card is the same for everyone; only the full text is personal
    assert ask(services, client, "rusty") == card
    # another person in the same workspace still gets the unpersonalised full text
    assert read_more(services, client, "rusty", user_id="U0OTHER01") == plain


def test_help_lists_the_coaching_commands(services: Services, client: StubClient) -> None:
    text = repr(ask(services, client, "help"))
    for example in ("topics", "advice ladder", "assess", "check write the migration", "checklist"):
        assert f"/pendulum {example}" in text, example


# -- buttons --------------------------------------------------------------------------------


def run_action(services: Services, ctx: Any) -> Any:
    action_id = ctx.action["action_id"]
    handler = ROUTER.resolve_action(action_id)
    assert handler is not None, action_id
    return handler(ctx)


def test_read_button_opens_the_topic(services: Services, client: StubClient) -> None:
    reply = run_action(services, action(services, client, "topic_open:ladder", "ladder"))
    assert header_of(reply.message) == library().topics["ladder"].title
    assert message_problems(reply.message) == []


def test_read_button_with_a_forged_value(services: Services, client: StubClient) -> None:
    reply = run_action(services, action(services, client, "topic_open", "<!channel>"))
    assert "<!channel>" not in repr(reply.message)
    assert message_problems(reply.message) == []


def test_all_topics_button(services: Services, client: StubClient) -> None:
    reply = run_action(services, action(services, client, "topics_list", "all"))
    assert header_of(reply.message) == "Coaching topics"


@pytest.fixture
def posts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    sent: list[tuple[str, dict[str, Any]]] = []

    def fake_post(url: str, body: dict[str, Any]) -> bool:
        sent.append((url, body))
        return True

    monkeypatch.setattr(topics_feature, "post_in_channel", fake_post)
    return sent


def test_share_posts_in_channel_unpersonalised_and_names_the_sharer(
    services: Services, client: StubClient, posts: list[tuple[str, dict[str, Any]]]
) -> None:
    save_once(services.store, TEAM, USER, "V1", Answers("em", 8, 6, 70, "climb"), START)
    reply = run_action(services, action(services, client, "topic_share", "ladder"))
    assert reply.message is None  # the shared message is the answer
    ((url, body),) = posts
    assert url.startswith("https://hooks.slack.test/")
    assert body["response_type"] == "in_channel" and body["replace_original"] is False
    expected = topic_message(
        library(), library().topics["ladder"], shared_by=USER, command="/pendulum"
    )
    assert {k: body[k] for k in ("text", "blocks")} == expected
    assert f"Shared by <@{USER}>" in repr(body)
    assert "topic_share" not in repr(body)  # no share button on the shared copy
    assert action_ids(body) == ["topic_more"]  # the channel gets the card; Read more is private
    assert repr(body).count("• ") == 3  # the card's three bullets, not the full text
    assert message_problems(body) == []


def test_share_double_click_posts_once(
    services: Services, client: StubClient, posts: list[tuple[str, dict[str, Any]]]
) -> None:
    run_action(services, action(services, client, "topic_share", "ladder"))
    run_action(services, action(services, client, "topic_share", "ladder"))
    assert len(posts) == 1


def test_share_falls_back_to_chat_post_message(
    services: Services, client: StubClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topics_feature, "post_in_channel", lambda url, body: False)
    reply = run_action(services, action(services, client, "topic_share", "tour"))
    assert reply.message is None
    (call,) = client.named("chat_postMessage")
    assert call.kwargs["channel"] == CHANNEL and "Shared by" in repr(call.kwargs["blocks"])


def test_share_that_cannot_post_says_so_privately(
    services: Services, client: StubClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topics_feature, "post_in_channel", lambda url, body: False)
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data={"ok": False, "error": "not_in_channel"},
        headers={},
        status_code=200,
    )
    client.fail["chat_postMessage"] = SlackApiError("not_in_channel", response)  # type: ignore[no-untyped-call]
    reply = run_action(services, action(services, client, "topic_share", "tour"))
    assert reply.message is not None and "/invite @Pendulum" in repr(reply.message)
    assert message_problems(reply.message) == []


def test_share_of_an_unknown_topic(
    services: Services, client: StubClient, posts: list[tuple[str, dict[str, Any]]]
) -> None:
    reply = run_action(services, action(services, client, "topic_share", "nope"))
    assert posts == [] and "I don't have a topic" in repr(reply.message)
