"""mrkdwn escaping and the sandboxed template renderer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.markup import Trusted, code, escape, link, mention
from bot.content.render import RenderError, render


def test_escape_only_touches_the_three_control_characters() -> None:
    assert escape("<!channel> & <@U123> *bold*") == "&lt;!channel&gt; &amp; &lt;@U123&gt; *bold*"


def test_trusted_markup_passes_through() -> None:
    assert escape(mention("U0ALICE")) == "<@U0ALICE>"


@pytest.mark.parametrize("bad", ["U123>", "<!channel>", "alice", ""])
def test_mention_refuses_anything_but_a_user_id(bad: str) -> None:
    with pytest.raises(ValueError):
        mention(bad)


def test_link_escapes_its_label_and_refuses_odd_urls() -> None:
    assert link("https://example.com/a", "a <b> | c") == "<https://example.com/a|a &lt;b&gt; / c>"
    with pytest.raises(ValueError):
        link("javascript:alert(1)", "x")


def test_render_escapes_values_but_not_trusted_ones() -> None:
    out = render(
        "{{ task }} by {{ who }}",
        {"task": "<!here> fix <https://x.io|this>", "who": mention("U0B0B")},
    )
    assert out == "&lt;!here&gt; fix &lt;https://x.io|this&gt; by <@U0B0B>"


def test_undefined_variables_are_errors() -> None:
    with pytest.raises(RenderError, match="nope"):
        render("hello {{ nope }}", {})


def test_sandbox_blocks_python_internals() -> None:
    with pytest.raises(RenderError):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})


def test_plural_and_years_filters() -> None:
    assert render("{{ 1|plural('week') }}, {{ 3|plural('week') }}", {}) == "1 week, 3 weeks"
    assert render("{{ 2.5|years }}", {}) == "2.5 years"


@given(st.text())
def test_escaped_text_never_contains_control_syntax(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert isinstance(code(text), Trusted)
    assert "<" not in code(text) and "\n" not in code(text)
