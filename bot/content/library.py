"""Loading the content directory (`prompts/`) into typed, validated objects.

A content directory holds topic templates (`topics/*.md.j2`), message templates
(`messages/*.md.j2`) and YAML data (`rules.yaml`, `tips.yaml`, `critical_path.yaml`,
`checkin.yaml`, `nudges.yaml`). Loading checks shape only; `bot.content.lint` goes further
and renders everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.content.render import render

REQUIRED_TOPIC_KEYS = ("id", "title", "summary", "tags", "sources")
# libyaml's parser when PyYAML was built with it: the same documents, a tenth of the start-up
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


DATA_FILES = ("rules.yaml", "tips.yaml", "critical_path.yaml", "checkin.yaml", "nudges.yaml")


class ContentError(Exception):
    """The content directory is unusable. Holds every `file: problem` line found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:3]) + (" …" if len(problems) > 3 else ""))


@dataclass(frozen=True)
class Source:
    author: str
    title: str

    def credit(self) -> str:
        return f"{self.author}, “{self.title}”" if self.author else f"“{self.title}”"


@dataclass(frozen=True)
class Template:
    """A front-matter + Jinja2 body file."""

    id: str
    path: Path
    meta: Mapping[str, Any]
    body: str

    def render(self, context: Mapping[str, Any]) -> str:
        return render(self.body, context, name=str(self.path))


@dataclass(frozen=True)
class Topic(Template):
    title: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()

    def source_line(self) -> str:
        return "Idea from " + "; ".join(s.credit() for s in self.sources)


@dataclass(frozen=True)
class Tip:
    id: str
    text: str
    tags: tuple[str, ...]
    source: str
    topic: str | None = None


@dataclass
class Library:
    root: Path
    topics: dict[str, Topic] = field(default_factory=dict)
    messages: dict[str, Template] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)
    tips: list[Tip] = field(default_factory=list)
    critical_path: dict[str, Any] = field(default_factory=dict)
    checkin: dict[str, Any] = field(default_factory=dict)
    nudges: dict[str, Any] = field(default_factory=dict)

    def topic_for(self, word: str) -> Topic | None:
        """A topic by id or alias, case-insensitive."""
        word = word.strip().lower()
        if word in self.topics:
            return self.topics[word]
        for topic in self.topics.values():
            if word in topic.aliases:
                return topic
        return None

    def topic_names(self) -> list[str]:
        names = list(self.topics)
        for topic in self.topics.values():
            names.extend(topic.aliases)
        return names

    def message(self, message_id: str) -> Template:
        return self.messages[message_id]


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        raise ContentError([f"{path}: no front matter (the file must start with ---)"])
    parts = text.split("\n---", 2)
    if len(parts) < 2:
        raise ContentError([f"{path}: front matter is not closed with ---"])
    head = parts[0][3:]
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    try:
        meta = _yaml(head) or {}
    except yaml.YAMLError as exc:
        raise ContentError([f"{path}: front matter is not valid YAML ({exc})"]) from exc
    if not isinstance(meta, dict):
        raise ContentError([f"{path}: front matter must be a mapping"])
    return meta, body


def _load_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return _yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path}: missing")
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not valid YAML ({exc})")
    return None


def _load_topic(path: Path, problems: list[str]) -> Topic | None:
    try:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    missing = [k for k in REQUIRED_TOPIC_KEYS if not meta.get(k)]
    if missing:
        problems.append(f"{path}: front matter lacks {', '.join(missing)}")
        return None
    sources: list[Source] = []
    for raw in meta["sources"]:
        if isinstance(raw, dict) and raw.get("title"):
            sources.append(Source(author=str(raw.get("author", "")), title=str(raw["title"])))
        else:
            problems.append(f"{path}: each source needs a title (and an author)")
    return Topic(
        id=str(meta["id"]),
        path=path,
        meta=meta,
        body=body,
        title=str(meta["title"]),
        summary=str(meta["summary"]),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        aliases=tuple(str(a).lower() for a in meta.get("aliases") or ()),
        sources=tuple(sources),
    )


def _load_tips(raw: Any, path: Path, problems: list[str]) -> list[Tip]:
    if not isinstance(raw, list):
        problems.append(f"{path}: must be a list of tips")
        return []
    tips: list[Tip] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not all(item.get(k) for k in ("id", "text", "source")):
            problems.append(f"{path}: tip #{i + 1} needs id, text and source")
            continue
        tips.append(
            Tip(
                id=str(item["id"]),
                text=str(item["text"]).strip(),
                tags=tuple(str(t) for t in item.get("tags") or ()),
                source=str(item["source"]),
                topic=str(item["topic"]) if item.get("topic") else None,
            )
        )
    return tips


def load_library(root: Path) -> Library:
    """Load and shape-check a content directory. Raises ContentError listing every problem."""
    problems: list[str] = []
    lib = Library(root=root)
    if not root.is_dir():
        raise ContentError([f"{root}: not a directory"])

    for path in sorted((root / "topics").glob("*.md.j2")):
        topic = _load_topic(path, problems)
        if topic is None:
            continue
        if topic.id in lib.topics:
            problems.append(f"{path}: duplicate topic id {topic.id!r}")
        lib.topics[topic.id] = topic
    if not lib.topics:
        problems.append(f"{root / 'topics'}: no topic templates (*.md.j2)")
    seen_names: dict[str, str] = {}
    for topic in lib.topics.values():
        for name in (topic.id, *topic.aliases):
            if name in seen_names and seen_names[name] != topic.id:
                problems.append(
                    f"{topic.path}: {name!r} is also used by topic {seen_names[name]!r}"
                )
            seen_names[name] = topic.id

    for path in sorted((root / "messages").glob("*.md.j2")):
        try:
            meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        message_id = str(meta.get("id") or path.name.removesuffix(".md.j2"))
        lib.messages[message_id] = Template(id=message_id, path=path, meta=meta, body=body)

    data = {name: _load_yaml(root / name, problems) for name in DATA_FILES}
    for name in ("rules.yaml", "critical_path.yaml", "checkin.yaml", "nudges.yaml"):
        if data[name] is not None and not isinstance(data[name], dict):
            problems.append(f"{root / name}: must be a mapping")
            data[name] = None
    lib.rules = data["rules.yaml"] or {}
    lib.critical_path = data["critical_path.yaml"] or {}
    lib.checkin = data["checkin.yaml"] or {}
    lib.nudges = data["nudges.yaml"] or {}
    if data["tips.yaml"] is not None:
        lib.tips = _load_tips(data["tips.yaml"], root / "tips.yaml", problems)

    if problems:
        raise ContentError(problems)
    return lib
