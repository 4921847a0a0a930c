"""Block Kit validator: valid payloads pass, and every limit Slack enforces is caught."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blockkit.validate import blocks_problems, message_problems, view_problems


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def button(action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain("Go"), "action_id": action_id, **extra}


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def input_block(block_id: str = "in", element: dict[str, Any] | None = None) -> dict[str, Any]:
    element = element or {"type": "plain_text_input", "action_id": "value"}
    return {"type": "input", "block_id": block_id, "label": plain("Label"), "element": element}


def modal(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain("Pendulum"),
        "submit": plain("Save"),
        "blocks": list(blocks),
        **extra,
    }


def one(problems: list[str], fragment: str) -> None:
    assert any(fragment in p for p in problems), problems


RICH_MESSAGE: dict[str, Any] = {
    "text": "Weekly check-in",
    "blocks": [
        {"type": "header", "text": plain("Weekly check-in")},
        section(
            "*Where are you on the pendulum?*",
            block_id="q",
            accessory={
                "type": "overflow",
                "action_id": "more",
                "options": [option("Snooze", "snooze"), option("Skip", "skip")],
            },
        ),
        {"type": "section", "fields": [mrkdwn("*Focus*"), mrkdwn("3 days")]},
        {
            "type": "context",
            "elements": [
                mrkdwn("Only you can see your answers"),
                {"type": "image", "image_url": "https://x.test/a.png", "alt_text": "icon"},
            ],
        },
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "answers",
            "elements": [
                button("answer", value="yes", style="primary"),
                button("later", value="later", url="https://example.com"),
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "placeholder": plain("Pick"),
                    "options": [option("Engineer", "eng"), option("Manager", "mgr")],
                    "initial_option": option("Manager", "mgr"),
                },
            ],
        },
        {"type": "image", "image_url": "https://x.test/chart.png", "alt_text": "chart"},
        {
            "type": "rich_text",
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}
            ],
        },
    ],
}


def test_a_rich_valid_message_passes() -> None:
    assert message_problems(RICH_MESSAGE) == []


def test_a_valid_modal_and_home_pass() -> None:
    view = modal(
        input_block("name"),
        input_block("when", {"type": "datepicker", "action_id": "date"}),
        input_block(
            "mode",
            {
                "type": "radio_buttons",
                "action_id": "r",
                "options": [{"text": mrkdwn("*A*"), "value": "a"}],
            },
        ),
        input_block(
            "days", {"type": "checkboxes", "action_id": "c", "options": [option("Mon", "mon")]}
        ),
        close=plain("Cancel"),
        callback_id="checkin",
        private_metadata="x" * 3000,
    )
    assert view_problems(view) == []
    home = {"type": "home", "blocks": [section("Hello"), input_block()]}
    assert view_problems(home) == []


def test_text_only_message_passes_and_empty_message_fails() -> None:
    assert message_problems({"text": "hello"}) == []
    one(message_problems({"text": ""}), "needs non-empty text or blocks")
    one(message_problems({}), "needs non-empty text or blocks")


def test_block_counts_per_surface() -> None:
    assert blocks_problems([{"type": "divider"}] * 50, surface="message") == []
    one(blocks_problems([{"type": "divider"}] * 51, surface="message"), "51 blocks > 50")
    assert blocks_problems([{"type": "divider"}] * 100, surface="modal") == []
    one(blocks_problems([{"type": "divider"}] * 101, surface="home"), "101 blocks > 100")


def test_unknown_block_type_and_unknown_field() -> None:
    one(blocks_problems([{"type": "video"}], surface="message"), "unsupported block type")
    one(
        blocks_problems([{"type": "divider", "colour": "red"}], surface="message"),
        "blocks[0].colour: unknown field",
    )


def test_header_limits() -> None:
    one(
        blocks_problems([{"type": "header", "text": plain("x" * 151)}], surface="message"),
        "blocks[0].text.text: 151 chars > 150",
    )
    one(
        blocks_problems([{"type": "header", "text": mrkdwn("x")}], surface="message"),
        "blocks[0].text.type: must be plain_text",
    )


def test_section_limits() -> None:
    problems = blocks_problems([{"type": "divider"}] * 3 + [section("x" * 3012)], surface="message")
    assert "blocks[3].text.text: 3012 chars > 3000" in problems
    one(
        blocks_problems([{"type": "section", "fields": [mrkdwn("a")] * 11}], surface="message"),
        "11 fields > 10",
    )
    one(
        blocks_problems([{"type": "section", "fields": [mrkdwn("a" * 2001)]}], surface="message"),
        "fields[0].text: 2001 chars > 2000",
    )
    one(blocks_problems([{"type": "section"}], surface="message"), "needs text or fields")
    one(blocks_problems([section("")], surface="message"), "text.text: must not be empty")


def test_context_and_actions_element_counts() -> None:
    one(
        blocks_problems([{"type": "context", "elements": [mrkdwn("a")] * 11}], surface="message"),
        "11 elements > 10",
    )
    buttons = [button(f"b{i}") for i in range(26)]
    one(
        blocks_problems([{"type": "actions", "elements": buttons}], surface="message"),
        "26 elements > 25",
    )
    one(
        blocks_problems([{"type": "actions", "elements": []}], surface="message"),
        "must be a non-empty list",
    )


def test_button_limits() -> None:
    def problems(**extra: Any) -> list[str]:
        element = {**button(), **extra}
        return blocks_problems([{"type": "actions", "elements": [element]}], surface="message")

    one(problems(text=plain("x" * 76)), "text.text: 76 chars > 75")
    one(problems(text=mrkdwn("Go")), "text.type: must be plain_text")
    one(problems(value="v" * 2001), "value: 2001 chars > 2000")
    one(problems(url="https://x.test/" + "a" * 3000), "url: 3015 chars > 3000")
    one(problems(style="secondary"), "is not primary or danger")
    one(problems(action_id="a" * 256), "action_id: 256 chars > 255")


def test_option_limits() -> None:
    def select(kind: str, options: list[dict[str, Any]]) -> list[str]:
        element = {"type": kind, "action_id": "s", "options": options}
        if kind == "static_select":
            element["placeholder"] = plain("Pick")
        return blocks_problems([{"type": "actions", "elements": [element]}], surface="message")

    many = [option(f"o{i}", f"v{i}") for i in range(101)]
    one(select("static_select", many), "101 elements > 100")
    one(select("static_select", [option("x" * 76, "v")]), "text.text: 76 chars > 75")
    one(select("static_select", [option("x", "v" * 151)]), "value: 151 chars > 150")
    one(select("radio_buttons", many[:11]), "11 elements > 10")
    one(select("checkboxes", many[:11]), "11 elements > 10")
    one(select("overflow", many[:6]), "6 elements > 5")
    one(select("static_select", [{"text": mrkdwn("x"), "value": "v"}]), "must be plain_text")
    assert select("radio_buttons", [{"text": mrkdwn("*x*"), "value": "v"}]) == []


def test_initial_option_must_be_an_option() -> None:
    element = {
        "type": "static_select",
        "action_id": "s",
        "placeholder": plain("p"),
        "options": [option("a", "a")],
        "initial_option": option("b", "b"),
    }
    one(
        blocks_problems([{"type": "actions", "elements": [element]}], surface="message"),
        "initial_option: must be one of the options",
    )


def test_ids_are_bounded_and_unique() -> None:
    one(
        blocks_problems([{"type": "divider", "block_id": "b" * 256}], surface="message"),
        "block_id: 256 chars > 255",
    )
    dup = [{"type": "divider", "block_id": "x"}, {"type": "divider", "block_id": "x"}]
    one(blocks_problems(dup, surface="message"), "duplicate block_id 'x'")
    same_block = [{"type": "actions", "elements": [button("a"), button("a")]}]
    one(blocks_problems(same_block, surface="message"), "duplicate action_id 'a'")
    # Slack's rule is per block: the same action_id in two blocks is fine.
    two_blocks = [
        {"type": "actions", "elements": [button("a")]},
        {"type": "actions", "elements": [button("a")]},
    ]
    assert blocks_problems(two_blocks, surface="message") == []


def test_text_object_types() -> None:
    one(
        blocks_problems(
            [{"type": "section", "text": {"type": "markdown", "text": "x"}}], surface="message"
        ),
        "is not plain_text or mrkdwn",
    )
    one(
        blocks_problems(
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}],
            surface="message",
        ),
        "text.emoji: unknown field",
    )


def test_inputs_only_in_modals_and_home() -> None:
    one(
        message_problems({"text": "x", "blocks": [input_block()]}),
        "input blocks are only allowed in modals and home tabs",
    )
    one(
        view_problems(
            modal(
                input_block("i", {"type": "plain_text_input", "action_id": "v", "max_length": 3001})
            )
        ),
        "max_length: must be an integer 1..3000",
    )
    one(
        view_problems(
            modal(input_block("i", {"type": "button", "text": plain("x"), "action_id": "b"}))
        ),
        "element type 'button' not allowed here",
    )


def test_view_rules() -> None:
    one(view_problems({"type": "dialog", "blocks": []}), "'dialog' is not modal or home")
    one(view_problems({"type": "modal", "blocks": []}), "title: required")
    one(
        view_problems({"type": "modal", "title": plain("x" * 25), "blocks": []}),
        "title.text: 25 chars > 24",
    )
    one(
        view_problems({"type": "modal", "title": plain("t"), "blocks": [input_block()]}),
        "submit: required when the modal has input blocks",
    )
    one(view_problems(modal(close=plain("c" * 25))), "close.text: 25 chars > 24")
    one(view_problems(modal(submit=plain("s" * 25))), "submit.text: 25 chars > 24")
    one(view_problems(modal(private_metadata="m" * 3001)), "private_metadata: 3001 chars > 3000")
    one(view_problems(modal(callback_id="c" * 256)), "callback_id: 256 chars > 255")
    one(view_problems(modal(id="V123")), "id: unknown view field")
    one(view_problems(modal(*[{"type": "divider"}] * 101)), "101 blocks > 100")


@pytest.mark.parametrize(
    "mention", ["<!channel>", "<!here>", "<!everyone>", "<!here|here>", "<!subteam^S0123|@leads>"]
)
def test_special_mentions_are_problems_everywhere(mention: str) -> None:
    one(message_problems({"text": f"hey {mention}"}), "text: special mention")
    one(
        message_problems({"text": "x", "blocks": [section(f"hey {mention}")]}),
        "blocks[0].text.text: special mention",
    )
    in_button = {"type": "actions", "elements": [button(text=plain(mention))]}
    one(message_problems({"text": "x", "blocks": [in_button]}), "special mention")
    one(view_problems(modal(section(mention))), "blocks[0].text.text: special mention")


def test_escaped_ordinary_and_unrendered_mentions_are_fine() -> None:
    assert message_problems({"text": "&lt;!channel&gt; and <@U0ALICE> in <#C0TEAM>"}) == []
    in_value = {"type": "actions", "elements": [button(value="<!channel>")]}
    assert message_problems({"text": "x", "blocks": [in_value]}) == []
    assert view_problems(modal(private_metadata='{"note": "<!here>"}')) == []


def test_rich_text_broadcast_and_link_names() -> None:
    broadcast = {
        "type": "rich_text",
        "elements": [
            {"type": "rich_text_section", "elements": [{"type": "broadcast", "range": "channel"}]}
        ],
    }
    one(message_problems({"text": "x", "blocks": [broadcast]}), "rich_text broadcast")
    one(message_problems({"text": "hi @here", "link_names": True}), "special mention")
    assert message_problems({"text": "hi @here"}) == []


@given(st.text(alphabet=st.characters(blacklist_characters="<"), max_size=200))
def test_text_without_angle_brackets_never_has_a_special_mention(text: str) -> None:
    assert not any("special mention" in p for p in message_problems({"text": text or "x"}))


@given(st.integers(min_value=1, max_value=3100))
def test_section_text_limit_is_exactly_3000(length: int) -> None:
    problems = blocks_problems([section("a" * length)], surface="message")
    assert (problems != []) == (length > 3000)
