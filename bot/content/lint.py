"""`pendulum-bot content lint`: everything a coach can get wrong in a content directory.

Renders every template with sample data (with and without a self-assessment), validates the
Block Kit it becomes against Slack's limits, and checks front matter and data files. Credits are
checked on load (`bot.content.library`): every topic, tip and message names sources from
`sources.csv`, each with an author and a title. Every topic needs a short card. Every
sentence in `strings/` renders with its `samples:` values, and no sentence or message template
writes the slash command literally (`{{ command }}` follows the configuration). Each problem is
one `file: problem` line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from blockkit.validate import message_problems
from bot.coaching.critical.classifier import load_model
from bot.coaching.profile import SAMPLE_ASSESSMENT, build_profile
from bot.content.compose import (
    render_card,
    template_message,
    tip_message,
    topic_full_message,
    topic_message,
)
from bot.content.library import ContentError, Library, Topic, load_library
from bot.content.render import RenderError
from bot.content.strings import Strings
from bot.slack.ratelimit import limit_problems

MIN_TIPS = 26
MAX_CARD_CHARS = 900
MIN_CRITICAL_PATH_EXAMPLES = 30
VERDICTS = ("keep", "hand_off", "depends")
# the default slash command: text says `{{ command }}`, only samples may spell it out
LITERAL_COMMAND = "/pendulum"
SAMPLE_LINE = re.compile(r"^\s*samples?:")
SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone|subteam\^)")
MARKDOWN_NOT_MRKDWN = re.compile(r"\*\*|^#{1,6} |\[[^\]]+\]\(https?://", re.MULTILINE)


def lint_directory(root: Path) -> list[str]:
    try:
        library = load_library(root)
    except ContentError as exc:
        return exc.problems
    return lint_library(library)


def lint_library(library: Library) -> list[str]:
    problems: list[str] = []
    problems += _check_rules(library)
    problems += _check_topics(library)
    problems += _check_messages(library)
    problems += _check_tips(library)
    problems += _check_critical_path(library)
    problems += _check_checkin(library)
    problems += _check_strings(library)
    problems += _check_command_literal(library)
    return problems


def _rendered(where: str, build: Callable[[], dict[str, Any]]) -> list[str]:
    """Build one message; report render errors and Block Kit problems."""
    try:
        msg = build()
    except RenderError as exc:
        return [str(exc)]
    except Exception as exc:  # a template can fail in many ways; report, don't crash
        return [f"{where}: {type(exc).__name__}: {exc}"]
    problems = [f"{where}: {p}" for p in message_problems(msg)]
    return problems + _text_problems(where, msg)


def _text_problems(where: str, msg: dict[str, Any]) -> list[str]:
    text = repr(msg)
    out = []
    if SPECIAL_MENTION.search(text):
        out.append(f"{where}: contains a special mention (<!channel>, <!here>…)")
    for chunk in _texts(msg.get("blocks", [])):
        if MARKDOWN_NOT_MRKDWN.search(chunk):
            out.append(f"{where}: uses Markdown syntax Slack won't render (**, #, [text](url))")
            break
    return out


def _texts(node: object) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _check_rules(library: Library) -> list[str]:
    path = library.root / "rules.yaml"
    rules = library.rules
    problems = []
    try:
        positions = rules["pendulum"]["positions"]
        if not positions or positions[-1].get("max_months") is not None:
            problems.append(f"{path}: the last pendulum position must have max_months: null")
    except (KeyError, TypeError):
        problems.append(f"{path}: needs pendulum.positions")
    for key in ("tour_of_duty_years", "energy", "checkin", "recommendations", "next_steps"):
        if key not in rules:
            problems.append(f"{path}: needs {key}")
    problems += [f"{path}: {problem}" for problem in limit_problems(rules)]
    topics = set(library.topics)
    for i, rule in enumerate(rules.get("recommendations") or []):
        for topic in rule.get("topics") or []:
            if topic not in topics:
                problems.append(f"{path}: recommendations[{i}] names unknown topic {topic!r}")
    return problems


def _sample_profiles(library: Library) -> list[Any]:
    try:
        return [None, build_profile(SAMPLE_ASSESSMENT, library.rules)]
    except (KeyError, TypeError, ValueError):
        return [None]


def _check_topics(library: Library) -> list[str]:
    problems = []
    for topic in library.topics.values():
        if topic.path.name != f"{topic.id}.md.j2":
            problems.append(f"{topic.path}: file name should be {topic.id}.md.j2")
        if len(topic.title) > 60:
            problems.append(f"{topic.path}: title is {len(topic.title)} chars (max 60)")
        if len(topic.summary) > 150:
            problems.append(f"{topic.path}: summary is {len(topic.summary)} chars (max 150)")
        if topic.card is None:
            problems.append(f"{topic.path}: needs a card (point, 3 bullets, next) to open with")
        else:
            problems += _card_problems(library, topic)
        for me in _sample_profiles(library):
            problems += _rendered(str(topic.path), partial(topic_full_message, library, topic, me))
        problems += _rendered(
            str(topic.path), partial(topic_message, library, topic, command=LITERAL_COMMAND)
        )
        problems += _rendered(
            str(topic.path),
            partial(topic_message, library, topic, shared_by="U0SAMPLE1", command=LITERAL_COMMAND),
        )
    return _unique(problems)


def _card_problems(library: Library, topic: Topic) -> list[str]:
    """A card is what a channel sees when a topic is shared: it has to stay short."""
    try:
        text = render_card(library, topic)
    except RenderError as exc:
        return [str(exc)]
    if len(text) > MAX_CARD_CHARS:
        return [f"{topic.path}: card is {len(text)} chars (max {MAX_CARD_CHARS})"]
    return []


def _check_messages(library: Library) -> list[str]:
    problems = []
    for template in library.messages.values():
        sample = template.meta.get("sample") or {}
        if not isinstance(sample, dict):
            problems.append(f"{template.path}: sample must be a mapping")
            continue
        for me in _sample_profiles(library):
            problems += _rendered(
                str(template.path), partial(template_message, library, template.id, me, sample)
            )
    return _unique(problems)


def _check_tips(library: Library) -> list[str]:
    path = library.root / "tips.yaml"
    problems = []
    if len(library.tips) < MIN_TIPS:
        problems.append(f"{path}: {len(library.tips)} tips; at least {MIN_TIPS} are needed")
    seen: set[str] = set()
    for tip in library.tips:
        if tip.id in seen:
            problems.append(f"{path}: duplicate tip id {tip.id!r}")
        seen.add(tip.id)
        if tip.topic and tip.topic not in library.topics:
            problems.append(f"{path}: tip {tip.id!r} points at unknown topic {tip.topic!r}")
        if len(tip.text) > 600:
            problems.append(f"{path}: tip {tip.id!r} is {len(tip.text)} chars (max 600)")
        problems += _rendered(f"{path}: tip {tip.id}", partial(tip_message, library, tip))
    return problems


def _check_critical_path(library: Library) -> list[str]:
    path = library.root / "critical_path.yaml"
    data = library.critical_path
    problems = []
    examples = data.get("examples") or []
    if len(examples) < MIN_CRITICAL_PATH_EXAMPLES:
        problems.append(
            f"{path}: {len(examples)} examples; at least {MIN_CRITICAL_PATH_EXAMPLES} are needed"
        )
    for i, example in enumerate(examples):
        if not isinstance(example, dict) or not example.get("text"):
            problems.append(f"{path}: examples[{i}] needs text")
        elif example.get("verdict") not in VERDICTS:
            problems.append(f"{path}: examples[{i}] verdict must be one of {', '.join(VERDICTS)}")
    for verdict in VERDICTS:
        if verdict not in (data.get("verdicts") or {}):
            problems.append(f"{path}: verdicts.{verdict} is missing")
        if not any(isinstance(e, dict) and e.get("verdict") == verdict for e in examples):
            problems.append(f"{path}: no example has verdict {verdict}")
    try:
        load_model(data)
    except Exception as exc:  # the classifier's signals must load, or `check` would fail
        problems.append(f"{path}: signals cannot be loaded ({type(exc).__name__}: {exc})")
    checklist = data.get("checklist") or []
    if not 3 <= len(checklist) <= 5:
        problems.append(f"{path}: the checklist needs 3 to 5 questions")
    for i, item in enumerate(checklist):
        if not isinstance(item, dict) or not item.get("id") or not item.get("question"):
            problems.append(f"{path}: checklist[{i}] needs id and question")
        elif len(str(item["question"])) > 150:
            problems.append(f"{path}: checklist[{i}] question is over 150 chars")
        elif item.get("hand_off_if") not in ("yes", "no"):
            problems.append(f"{path}: checklist[{i}] hand_off_if must be yes or no")
    return problems


def _check_checkin(library: Library) -> list[str]:
    path = library.root / "checkin.yaml"
    questions = library.checkin.get("questions") or {}
    problems = []
    for key in ("hands_on", "critical_path", "focus_blocks", "energy", "note"):
        if key not in questions:
            problems.append(f"{path}: questions.{key} is missing")
            continue
        question = questions[key]
        if not question.get("label") or len(str(question["label"])) > 150:
            problems.append(f"{path}: questions.{key}.label is missing or over 150 chars")
        for option in question.get("options") or []:
            if len(str(option.get("label", ""))) > 75 or len(str(option.get("value", ""))) > 150:
                problems.append(f"{path}: questions.{key} has an option over Slack's limits")
    return problems


def _check_strings(library: Library) -> list[str]:
    strings = Strings(library.strings, command=LITERAL_COMMAND)
    problems = []
    for entry in library.strings.values():
        where = f"{entry.path}: {entry.id}"
        try:
            text = strings.say(entry.id, **entry.sample)
        except RenderError as exc:
            problems.append(str(exc))
            continue
        except Exception as exc:  # a sentence can fail in many ways; report, don't crash
            problems.append(f"{where}: {type(exc).__name__}: {exc}")
            continue
        problems += _text_problems(where, {"text": text, "blocks": [{"text": text}]})
    return problems


def _check_command_literal(library: Library) -> list[str]:
    """`/pendulum` written into a sentence or a message template (outside its `sample:`
    header) would stay wrong for an app installed under another command."""
    fix = f"write `{{{{ command }}}}` instead of {LITERAL_COMMAND}"
    problems = [
        f"{entry.path}: {entry.id}: {fix}"
        for entry in library.strings.values()
        if LITERAL_COMMAND in entry.text
    ]
    for template in library.messages.values():
        lines = template.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if LITERAL_COMMAND in line and not SAMPLE_LINE.match(line):
                problems.append(f"{template.path}:{number}: {fix}")
    return problems


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
