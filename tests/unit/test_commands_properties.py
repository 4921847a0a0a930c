"""Property: whatever follows `/pendulum` (mentions, links, emoji, other scripts, code fences,
huge or empty text), `run_command` answers with valid Block Kit, never echoes Slack control
markup from the input, and stores nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from blockkit.validate import message_problems
from bot.router import run_command, split_command
from bot.services import Services
from tests.support.command_text import command_text
from tests.support.commands_fakes import (
    ROUTER,
    StubClient,
    command,
    library,
    make_services,
    row_counts,
)

CONTROL = re.compile(r"<[^<>]*>")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    svc = make_services(Path(tmp_path_factory.mktemp("props")))
    yield svc
    svc.worker.shutdown()
    svc.store.close()


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=command_text)
def test_any_text_gets_a_safe_valid_answer_and_stores_nothing(
    services: Services, text: str
) -> None:
    client = StubClient()
    before = row_counts(services)
    reply = run_command(ROUTER, command(services, client, text))
    word, _ = split_command(text)
    if reply.message is None:
        # only the modal opener answers with nothing but a deferred views.open
        assert word in ("assess", "assessment", "self-assessment") and reply.later is not None
        reply.later()
        assert [c.method for c in client.calls] == ["views_open"]
    else:
        msg = reply.message
        assert message_problems(msg) == [], (text, msg)
        assert client.calls == []
        rendered = repr(msg)
        assert "<!" not in rendered and "<@" not in rendered and "<#" not in rendered
        for control in CONTROL.findall(rendered):
            assert control not in text, (control, text)
        assert not re.search(r"<https?://", rendered) or _from_content(rendered)
    assert row_counts(services) == before


def _from_content(rendered: str) -> bool:
    """Links in the answer come from prompts/ (a topic's body or a source's credit), never from
    the input."""
    content = library()
    bodies = "".join(t.body for t in content.topics.values())
    bodies += "".join(f"<{s.url}" for s in content.sources.values() if s.url)
    return all(link in bodies for link in re.findall(r"<https?://[^|>]*", rendered))
