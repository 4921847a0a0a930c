"""Loading the content directory (`prompts/`) into typed, validated objects.

A content directory holds topic templates (`topics/*.md.j2`), message templates
(`messages/*.md.j2`), the bibliography `sources.csv`, YAML data (`rules.yaml`, `tips.yaml`,
`critical_path.yaml`, `checkin.yaml`, `nudges.yaml`) and the features' short sentences
(`strings/<area>.yaml`, see `bot.content.strings`). Every topic, tip and message credits the
essays its ideas come from by id in `sources.csv`; a credit that is missing, unknown or has no
author is a load error. Loading checks shape only; `bot.content.lint` goes further and renders
everything.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.content.markup import escape, link
from bot.content.render import render

REQUIRED_TOPIC_KEYS = ("id", "title", "summary", "tags", "sources")
# libyaml's parser when PyYAML was built with it: the same documents, a tenth of the start-up
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


DATA_FILES = ("rules.yaml", "tips.yaml", "critical_path.yaml", "checkin.yaml", "nudges.yaml")
# The bibliography: one row per essay (id, author, title, date, url). Titles and addresses are
# quoted as published, so it is a CSV table, not prose: lint allows only these columns and
# short cells, and the originality check (which reads prose files) leaves it alone.
SOURCES_FILE = "sources.csv"
SOURCE_COLUMNS = ("id", "author", "title", "date", "url")
MAX_SOURCE_CELL = 160
CARD_BULLETS = 3
# prompts/strings/<area>.yaml: `id: "sentence"`, plus `samples: {id: {variable: value}}`
STRINGS_DIR = "strings"
SAMPLES_KEY = "samples"
STRING_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ContentError(Exception):
    """The content directory is unusable. Holds every `file: problem` line found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:3]) + (" …" if len(problems) > 3 else ""))


@dataclass(frozen=True)
class Source:
    """One essay, credited as published. `author` is a name, or "an engineer's essay" when the
    essay names none; `url` only where the source is public and its address known."""

    id: str
    author: str
    title: str
    date: str = ""
    url: str = ""

    def credit(self) -> str:
        """Plain text: `Charity Majors, “Title” (2019)`."""
        year = f" ({self.date[:4]})" if self.date else ""
        return f"{self.author}, “{self.title}”{year}"

    def credit_mrkdwn(self) -> str:
        """The credit as Slack mrkdwn, the title linked where there is a link."""
        year = f" ({escape(self.date[:4])})" if self.date else ""
        title = link(self.url, self.title) if self.url else escape(self.title)
        return f"{escape(self.author)}, “{title}”{year}"


def credit_line(sources: tuple[Source, ...]) -> str:
    """`Idea from …` in mrkdwn (escaped, with links), for a context block."""
    return "Idea from " + "; ".join(s.credit_mrkdwn() for s in sources)


@dataclass(frozen=True)
class Template:
    """A front-matter + Jinja2 body file, and the sources its ideas come from."""

    id: str
    path: Path
    meta: Mapping[str, Any]
    body: str
    sources: tuple[Source, ...] = ()

    def render(self, context: Mapping[str, Any]) -> str:
        return render(self.body, context, name=str(self.path))

    def source_line(self) -> str:
        return "Idea from " + "; ".join(s.credit() for s in self.sources)


@dataclass(frozen=True)
class Card:
    """A topic's short form: the point, three bullets, one next step (Jinja, rules only).
    It is what a topic opens with and what a share posts, so a channel never gets a wall."""

    point: str
    bullets: tuple[str, ...]
    next_step: str


@dataclass(frozen=True)
class Topic(Template):
    title: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    card: Card | None = None


@dataclass(frozen=True)
class Tip:
    id: str
    text: str
    tags: tuple[str, ...]
    source: str
    topic: str | None = None
    credit: Source | None = None


@dataclass(frozen=True)
class StringText:
    """One sentence of `strings/<area>.yaml` (rendered by `bot.content.strings.Strings`)."""

    id: str
    text: str
    path: Path
    sample: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Library:
    root: Path
    topics: dict[str, Topic] = field(default_factory=dict)
    messages: dict[str, Template] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    tips: list[Tip] = field(default_factory=list)
    critical_path: dict[str, Any] = field(default_factory=dict)
    checkin: dict[str, Any] = field(default_factory=dict)
    nudges: dict[str, Any] = field(default_factory=dict)
    strings: dict[str, StringText] = field(default_factory=dict)

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


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key written twice in one mapping (PyYAML keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is defined twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_strings(root: Path, problems: list[str]) -> dict[str, StringText]:
    """Every `strings/*.yaml` in one namespace; an id defined twice anywhere is a problem."""
    out: dict[str, StringText] = {}
    for path in sorted((root / STRINGS_DIR).glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: not valid YAML ({exc})")
            continue
        raw = raw or {}
        if not isinstance(raw, dict):
            problems.append(f"{path}: must be a mapping of id: text")
            continue
        samples = raw.pop(SAMPLES_KEY, None) or {}
        if not isinstance(samples, dict):
            problems.append(f"{path}: {SAMPLES_KEY} must be a mapping of id: {{variable: value}}")
            samples = {}
        for key, text in raw.items():
            string_id = str(key)
            if not STRING_ID.match(string_id):
                problems.append(f"{path}: {string_id!r} is not a string id (a-z, 0-9, _)")
                continue
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{path}: {string_id} must be a non-empty string")
                continue
            if string_id in out:
                problems.append(
                    f"{path}: duplicate string id {string_id!r} (also in {out[string_id].path})"
                )
                continue
            sample = samples.get(string_id) or {}
            if not isinstance(sample, dict):
                problems.append(f"{path}: {SAMPLES_KEY}.{string_id} must be a mapping")
                sample = {}
            out[string_id] = StringText(string_id, text, path, sample)
        for string_id in samples:
            if string_id not in raw:
                problems.append(f"{path}: {SAMPLES_KEY}.{string_id} names no string in this file")
    return out


def _load_sources(path: Path, problems: list[str]) -> dict[str, Source]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != SOURCE_COLUMNS:
                problems.append(f"{path}: columns must be exactly {','.join(SOURCE_COLUMNS)}")
                return {}
            rows = list(reader)
    except FileNotFoundError:
        problems.append(f"{path}: missing (every credit names a source listed there)")
        return {}
    except (csv.Error, UnicodeDecodeError) as exc:
        problems.append(f"{path}: not a valid CSV table ({exc})")
        return {}
    sources: dict[str, Source] = {}
    for line, row in enumerate(rows, start=2):
        cells = {k: (row.get(k) or "").strip() for k in SOURCE_COLUMNS}
        where = f"{path}:{line}"
        if None in row or any(len(v) > MAX_SOURCE_CELL for v in cells.values()):
            problems.append(f"{where}: a source row holds only short citation cells")
            continue
        if not cells["id"] or not cells["author"] or not cells["title"]:
            problems.append(
                f"{where}: a source needs an id, an author and a title"
                ' (an essay with no named author is credited as "an engineer\'s essay")'
            )
            continue
        url = cells["url"]
        if url and (not url.startswith("https://") or any(c in url for c in "<>| ")):
            problems.append(f"{where}: url must be a plain https:// address")
            url = ""
        if cells["id"] in sources:
            problems.append(f"{where}: duplicate source id {cells['id']!r}")
        sources[cells["id"]] = Source(
            id=cells["id"],
            author=cells["author"],
            title=cells["title"],
            date=cells["date"],
            url=url,
        )
    return sources


def _credits(
    raw: Any, where: str, known: Mapping[str, Source], problems: list[str]
) -> tuple[Source, ...]:
    """Resolve a list of source ids; an empty, missing or unknown credit is a problem."""
    ids = [raw] if isinstance(raw, str) else raw
    if not isinstance(ids, list) or not ids:
        problems.append(f"{where}: needs sources (ids from sources.csv)")
        return ()
    out: list[Source] = []
    for item in ids:
        source = known.get(str(item)) if isinstance(item, str) else None
        if source is None:
            problems.append(f"{where}: unknown source {item!r} (add it to sources.csv)")
        else:
            out.append(source)
    return tuple(out)


def _load_card(raw: Any, path: Path, problems: list[str]) -> Card | None:
    if raw is None:
        return None
    bullets = raw.get("bullets") if isinstance(raw, dict) else None
    if (
        not isinstance(raw, dict)
        or not raw.get("point")
        or not raw.get("next")
        or not isinstance(bullets, list)
        or len(bullets) != CARD_BULLETS
        or not all(isinstance(b, str) and b.strip() for b in bullets)
    ):
        problems.append(f"{path}: card needs point, {CARD_BULLETS} bullets and next")
        return None
    return Card(
        point=str(raw["point"]).strip(),
        bullets=tuple(b.strip() for b in bullets),
        next_step=str(raw["next"]).strip(),
    )


def _load_topic(path: Path, known: Mapping[str, Source], problems: list[str]) -> Topic | None:
    try:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"), path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    missing = [k for k in REQUIRED_TOPIC_KEYS if not meta.get(k)]
    if missing:
        problems.append(f"{path}: front matter lacks {', '.join(missing)}")
        return None
    return Topic(
        id=str(meta["id"]),
        path=path,
        meta=meta,
        body=body,
        title=str(meta["title"]),
        summary=str(meta["summary"]),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        aliases=tuple(str(a).lower() for a in meta.get("aliases") or ()),
        sources=_credits(meta["sources"], str(path), known, problems),
        card=_load_card(meta.get("card"), path, problems),
    )


def _load_tips(raw: Any, path: Path, known: Mapping[str, Source], problems: list[str]) -> list[Tip]:
    if not isinstance(raw, list):
        problems.append(f"{path}: must be a list of tips")
        return []
    tips: list[Tip] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not all(item.get(k) for k in ("id", "text", "source")):
            problems.append(f"{path}: tip #{i + 1} needs id, text and source")
            continue
        credit = _credits(str(item["source"]), f"{path}: tip {item['id']!r}", known, problems)
        tips.append(
            Tip(
                id=str(item["id"]),
                text=str(item["text"]).strip(),
                tags=tuple(str(t) for t in item.get("tags") or ()),
                source=str(item["source"]),
                topic=str(item["topic"]) if item.get("topic") else None,
                credit=credit[0] if credit else None,
            )
        )
    return tips


def load_library(root: Path) -> Library:
    """Load and shape-check a content directory. Raises ContentError listing every problem."""
    problems: list[str] = []
    lib = Library(root=root)
    if not root.is_dir():
        raise ContentError([f"{root}: not a directory"])

    lib.sources = _load_sources(root / SOURCES_FILE, problems)
    for path in sorted((root / "topics").glob("*.md.j2")):
        topic = _load_topic(path, lib.sources, problems)
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
        if "sources" not in meta:
            problems.append(f"{path}: front matter lacks sources ([] only for a bare reminder)")
        credits = (
            _credits(meta["sources"], str(path), lib.sources, problems)
            if meta.get("sources")
            else ()
        )
        lib.messages[message_id] = Template(
            id=message_id, path=path, meta=meta, body=body, sources=credits
        )

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
        lib.tips = _load_tips(data["tips.yaml"], root / "tips.yaml", lib.sources, problems)
    lib.strings = _load_strings(root, problems)

    if problems:
        raise ContentError(problems)
    return lib
