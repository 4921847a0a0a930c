"""prompts/strings/: loading (one namespace, no id twice), rendering (escaped values, the
configured command) and the two lint rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.library import ContentError, load_library
from bot.content.lint import lint_directory
from bot.content.markup import Trusted
from bot.content.render import RenderError
from bot.content.strings import Strings

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS, root)
    return root


def write(root: Path, area: str, text: str) -> None:
    (root / "strings").mkdir(exist_ok=True)
    (root / "strings" / f"{area}.yaml").write_text(text, encoding="utf-8")


def strings_of(root: Path, command: str = "/pendulum") -> Strings:
    return Strings(load_library(root).strings, command=command)


def test_a_sentence_says_the_configured_command_and_escapes_values(prompts: Path) -> None:
    write(
        prompts,
        "tips",
        'samples:\n  paused: {channel: "#team"}\n'
        'paused: "*Paused* in {{ channel }}: `{{ command }} remind` resumes it. "\n',
    )
    strings = strings_of(prompts, command="/coach")
    assert strings.say("paused", channel="<!channel> & co") == (
        "*Paused* in &lt;!channel&gt; &amp; co: `/coach remind` resumes it. "
    )
    assert strings.say("paused", channel=Trusted("<#C123>")).startswith("*Paused* in <#C123>:")


def test_areas_share_one_namespace(prompts: Path) -> None:
    write(prompts, "tips", 'one: "first"\n')
    write(prompts, "nudges", 'two: "second"\n')
    strings = strings_of(prompts)
    assert (strings.say("one"), strings.say("two")) == ("first", "second")


def test_an_id_in_two_areas_is_refused(prompts: Path) -> None:
    write(prompts, "tips", 'same: "first"\n')
    write(prompts, "nudges", 'same: "second"\n')
    with pytest.raises(ContentError, match="duplicate string id 'same'"):
        load_library(prompts)


def test_an_id_twice_in_one_file_is_refused(prompts: Path) -> None:
    write(prompts, "tips", 'same: "first"\nsame: "second"\n')
    with pytest.raises(ContentError, match="defined twice"):
        load_library(prompts)


def test_bad_ids_texts_and_samples_are_load_errors(prompts: Path) -> None:
    write(
        prompts,
        "tips",
        'Bad-Id: "x"\nempty: ""\nnumber: 3\nsamples:\n  ghost: {a: 1}\n',
    )
    with pytest.raises(ContentError) as caught:
        load_library(prompts)
    problems = "\n".join(caught.value.problems)
    for expected in ("'Bad-Id' is not a string id", "empty must be", "number must be", "ghost"):
        assert expected in problems


def test_unknown_ids_missing_values_and_a_passed_command_fail_loudly(prompts: Path) -> None:
    write(prompts, "tips", 'hello: "Hi {{ name }}"\n')
    strings = strings_of(prompts)
    with pytest.raises(KeyError):
        strings.say("nope")
    with pytest.raises(RenderError, match="hello"):
        strings.say("hello")
    with pytest.raises(ValueError, match="command"):
        strings.say("hello", name="A", command="/other")


def test_lint_renders_every_sentence_with_its_samples(prompts: Path) -> None:
    write(
        prompts,
        "tips",
        'samples:\n  good: {name: "Ana"}\ngood: "Hi {{ name }}"\nunsampled: "Hi {{ name }}"\n',
    )
    problems = lint_directory(prompts)
    assert [p for p in problems if "strings" in p and "unsampled" in p]
    assert not [p for p in problems if "good" in p]


def test_lint_refuses_a_literal_command_outside_samples(prompts: Path) -> None:
    write(
        prompts,
        "tips",
        'samples:\n  ok: {example: "/pendulum remind"}\n'
        'ok: "Try {{ example }}"\nbad: "Type /pendulum remind"\n',
    )
    message = prompts / "messages" / "tips-limit.md.j2"
    message.write_text(message.read_text(encoding="utf-8") + "\nType /pendulum help.\n")
    problems = lint_directory(prompts)
    literal = [p for p in problems if "instead of /pendulum" in p]
    assert any("bad" in p for p in literal)
    assert any("tips-limit.md.j2" in p for p in literal)
    assert not any(": ok:" in p for p in literal)
    # the `sample:` header of the same template spells the command out, and that is fine
    assert len([p for p in literal if "tips-limit" in p]) == 1


def test_the_shipped_strings_lint_clean() -> None:
    assert lint_directory(PROMPTS) == []
