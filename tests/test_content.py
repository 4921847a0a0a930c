"""The content directory: lint passes on prompts/, and catches what a coach can get wrong."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.coaching.profile import SAMPLE_ASSESSMENT, build_profile
from bot.content.compose import topic_message
from bot.content.library import load_library
from bot.content.lint import lint_directory

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
ORIGINALITY = PROMPTS.parent.parent / "shared" / "tools" / "originality.py"
CONTENT_MAP_IDS = {
    "pendulum", "not-a-promotion", "tour", "rusty", "critical-path", "ladder", "ladder-costs",
    "energy", "anxieties", "return", "archetypes", "em-to-ic",
}  # fmt: skip


def test_packaged_prompts_lint_clean() -> None:
    assert lint_directory(PROMPTS) == []


def test_every_topic_in_the_content_map_exists_with_a_source_line() -> None:
    library = load_library(PROMPTS)
    assert set(library.topics) >= CONTENT_MAP_IDS
    for topic in library.topics.values():
        assert topic.sources, topic.id
        assert topic.source_line().startswith("Idea from ")


def test_natural_aliases_resolve() -> None:
    library = load_library(PROMPTS)
    expected = {"director": "ladder", "cto": "return", "ic": "em-to-ic", "staff": "archetypes"}
    for alias, topic_id in expected.items():
        topic = library.topic_for(alias)
        assert topic is not None and topic.id == topic_id, alias


def test_topics_are_personalised_by_the_assessment() -> None:
    library = load_library(PROMPTS)
    me = build_profile({**SAMPLE_ASSESSMENT, "years_managing": 4}, library.rules)
    generic = topic_message(library, library.topics["tour"], None)
    personal = topic_message(library, library.topics["tour"], me)
    assert generic != personal


def copy_prompts(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(PROMPTS, target)
    return target


def test_lint_reports_file_and_problem(tmp_path: Path) -> None:
    content = copy_prompts(tmp_path)
    topic = content / "topics" / "energy.md.j2"
    topic.write_text(topic.read_text() + "\n{{ not_a_variable }}\n")
    (content / "tips.yaml").write_text("- {id: only-one, text: hi, source: me}\n")
    problems = lint_directory(content)
    assert any(p.startswith(str(topic)) and "not_a_variable" in p for p in problems)
    assert any("tips.yaml" in p and "at least 26" in p for p in problems)


def test_lint_catches_a_special_mention_and_missing_front_matter(tmp_path: Path) -> None:
    content = copy_prompts(tmp_path)
    topic = content / "topics" / "rusty.md.j2"
    topic.write_text(topic.read_text() + "\nPing <!channel> now\n")
    broken = content / "topics" / "broken.md.j2"
    broken.write_text("no front matter here\n")
    problems = lint_directory(content)
    assert any("broken.md.j2" in p and "front matter" in p for p in problems)
    broken.unlink()
    content_problems = lint_directory(content)
    assert any("rusty.md.j2" in p and "special mention" in p for p in content_problems)


def test_lint_command_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "lint", str(PROMPTS)]) == 0
    content = copy_prompts(tmp_path)
    (content / "rules.yaml").write_text("pendulum: [unclosed\n")
    assert main(["content", "lint", str(content)]) == 1
    assert "rules.yaml" in capsys.readouterr().out


@pytest.mark.skipif(not ORIGINALITY.exists(), reason="../shared/tools/originality.py not present")
def test_prompts_share_no_eight_word_run_with_the_source_essays() -> None:
    result = subprocess.run(
        [sys.executable, str(ORIGINALITY), str(PROMPTS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert " 0 copied run" in result.stdout
