"""The content directory: lint passes on prompts/, and catches what a coach can get wrong."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.coaching.profile import SAMPLE_ASSESSMENT, build_profile
from bot.coaching.reading import recommended_topics
from bot.content.compose import render_card, render_topic, topic_full_message
from bot.content.library import load_library
from bot.content.lint import lint_directory

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
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
    generic = topic_full_message(library, library.topics["tour"], None)
    personal = topic_full_message(library, library.topics["tour"], me)
    assert generic != personal


def copy_prompts(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(PROMPTS, target)
    return target


def test_lint_reports_file_and_problem(tmp_path: Path) -> None:
    content = copy_prompts(tmp_path)
    topic = content / "topics" / "energy.md.j2"
    topic.write_text(topic.read_text() + "\n{{ not_a_variable }}\n")
    (content / "tips.yaml").write_text("- {id: only-one, text: hi, source: pendulum}\n")
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


# -- credits: every topic, tip and message names a real source -------------------------------


def test_every_credit_has_an_author_a_title_and_only_known_links() -> None:
    library = load_library(PROMPTS)
    credited = [s for t in library.topics.values() for s in t.sources]
    credited += [t.credit for t in library.tips if t.credit is not None]
    credited += [s for m in library.messages.values() for s in m.sources]
    assert len([t for t in library.tips if t.credit is None]) == 0
    for source in credited:
        assert source.author.strip() and source.title.strip(), source
        assert not source.url or source.url.startswith("https://"), source
    # personal essays name no author: credited as an engineer's essay, never left blank
    assert library.sources["ic-em-and-back"].author == "an engineer's essay"
    assert library.sources["em-ic-dilemma"].credit() == (
        "an engineer's essay, “[Journal] My EM vs. IC Dilemma” (2024)"
    )


def test_every_message_with_ideas_shows_its_credit() -> None:
    library = load_library(PROMPTS)
    bare = {m.id for m in library.messages.values() if not m.sources}
    # a bare reminder and the calendar's forms and status lines carry no essay's idea
    assert bare == {
        "checkin-reminder",
        "checkin-calendar",
        "calendar-chart",
        "calendar-checking",
        "calendar-error",
        "calendar-form",
        "calendar-intro",
        "calendar-status",
        "slow-down",
        "tips-limit",
        "export-not-delivered",
    }


def _write(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_lint_rejects_an_empty_author(tmp_path: Path) -> None:
    content = copy_prompts(tmp_path)
    _write(content / "sources.csv", "pendulum,Charity Majors,", "pendulum,,")
    problems = lint_directory(content)
    assert any("sources.csv" in p and "needs an id, an author and a title" in p for p in problems)


def test_lint_rejects_a_topic_without_sources_or_with_an_unknown_one(tmp_path: Path) -> None:
    content = copy_prompts(tmp_path)
    topic = content / "topics" / "tour.md.j2"
    _write(topic, "sources: [pendulum-or-ladder, twin-anxieties]", "sources: [a-blog-i-read]")
    energy = content / "topics" / "energy.md.j2"
    _write(energy, "sources: [climb-the-ladder, pendulum-or-ladder]", "sources: []")
    problems = lint_directory(content)
    assert any("tour.md.j2" in p and "unknown source 'a-blog-i-read'" in p for p in problems)
    assert any("energy.md.j2" in p and "lacks sources" in p for p in problems)


def test_lint_rejects_a_tip_or_message_without_a_real_credit(tmp_path: Path) -> None:
    content = copy_prompts(tmp_path)
    _write(content / "tips.yaml", "source: em-ic-dilemma", 'source: ""')
    _write(content / "tips.yaml", "source: ic-em-and-back", "source: somebody")
    _write(content / "messages" / "nudge-monday.md.j2", "sources: [pendulum-or-ladder]\n", "")
    problems = lint_directory(content)
    assert any("tips.yaml" in p and "needs id, text and source" in p for p in problems)
    assert any("tips.yaml" in p and "unknown source 'somebody'" in p for p in problems)
    assert any("nudge-monday.md.j2" in p and "lacks sources" in p for p in problems)


def test_lint_requires_a_short_card_on_every_topic(tmp_path: Path) -> None:
    content = copy_prompts(tmp_path)
    topic = content / "topics" / "rusty.md.j2"
    text = topic.read_text()
    start, end = text.index("card:\n"), text.index("\n---\n")
    topic.write_text(text[:start] + text[end + 1 :])
    problems = lint_directory(content)
    assert any("rusty.md.j2" in p and "needs a card" in p for p in problems)


def test_every_card_is_the_point_three_bullets_and_a_next_step() -> None:
    library = load_library(PROMPTS)
    for topic in library.topics.values():
        card = render_card(library, topic)
        assert card.count("\n• ") == 3, topic.id
        assert "*Next step:*" in card, topic.id
        assert len(card) < len(render_topic(library, topic, None)), topic.id


def test_the_new_topics_are_recommended_where_they_help() -> None:
    library = load_library(PROMPTS)
    known = list(library.topics)

    def picks(**answers: object) -> list[str]:
        me = build_profile({**SAMPLE_ASSESSMENT, **answers}, library.rules)
        return recommended_topics(library.rules, me, known=known)

    staying_ic = picks(role="ic", years_engineering=9, years_managing=0, goal="stay")
    assert staying_ic[0] == "stay-senior"
    rusty_em = picks(role="em", years_managing=6, months_since_hands_on=60, goal="stay")
    assert rusty_em[0] == "sidelined"
