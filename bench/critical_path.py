"""Accuracy of the critical-path reader on a labelled file of tasks.

    uv run python -m bench.critical_path FILE.yaml [FILE.yaml…] [--misses] \
        [--write docs/CRITICAL_PATH.md]

Prints accuracy on clear cases (labelled keep or hand_off), the confidently-wrong count
(keep ↔ hand_off swaps), the ❓ rate, accuracy on everything, and a confusion table.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.coaching.critical.reader import Verdict, read

LABELS: tuple[Verdict, ...] = ("keep", "hand_off", "depends")


@dataclass(frozen=True)
class Case:
    text: str
    verdict: Verdict
    category: str


@dataclass(frozen=True)
class Score:
    cases: int
    clear: int
    clear_right: int
    confidently_wrong: int
    asked: int  # ❓ answers, over all cases
    right: int
    confusion: Counter[tuple[str, str]]
    misses: tuple[tuple[Case, str], ...]

    @property
    def clear_accuracy(self) -> float:
        return self.clear_right / self.clear if self.clear else 0.0

    @property
    def accuracy(self) -> float:
        return self.right / self.cases if self.cases else 0.0

    @property
    def ask_rate(self) -> float:
        return self.asked / self.cases if self.cases else 0.0


def load(path: Path) -> list[Case]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Case(str(c["text"]), c["verdict"], str(c.get("category") or "")) for c in raw]


def score(cases: list[Case]) -> Score:
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    clear = clear_right = wrong = asked = right = 0
    for case in cases:
        got = read(case.text).verdict
        confusion[(case.verdict, got)] += 1
        asked += got == "depends"
        right += got == case.verdict
        if got != case.verdict:
            misses.append((case, got))
        if case.verdict != "depends":
            clear += 1
            clear_right += got == case.verdict
            wrong += got not in (case.verdict, "depends")
    return Score(len(cases), clear, clear_right, wrong, asked, right, confusion, tuple(misses))


def report(path: Path, s: Score) -> str:
    lines = [
        f"- file: `{path}` ({s.cases} tasks, {s.clear} clear)",
        f"- clear cases right: {s.clear_right}/{s.clear} = {s.clear_accuracy:.1%}",
        f"- confidently wrong (keep ↔ hand off): {s.confidently_wrong}"
        f" ({s.confidently_wrong / max(1, s.clear):.1%} of clear cases)",
        f"- ❓ rate: {s.asked}/{s.cases} = {s.ask_rate:.1%}",
        f"- all labels right (❓ counted): {s.right}/{s.cases} = {s.accuracy:.1%}",
        "",
        "| labelled ↓ / answered → | keep | hand_off | depends |",
        "|---|---|---|---|",
    ]
    for label in LABELS:
        row = " | ".join(str(s.confusion[(label, got)]) for got in LABELS)
        lines.append(f"| {label} | {row} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="labelled YAML files")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--write", type=Path, help="write the figures into this markdown file")
    args = parser.parse_args(argv)
    sections = []
    for path in args.paths:
        s = score(load(path))
        text = report(path, s)
        sections.append(text)
        print(text)
        if args.misses:
            for case, got in s.misses:
                print(f"  {case.verdict:>8} → {got:<8} [{case.category}] {case.text}")
        print()
    if args.write:
        write(args.write, sections, args.paths)
    return 0


MARK_START = "<!-- figures:start -->"
MARK_END = "<!-- figures:end -->"


def write(target: Path, sections: list[str], paths: list[Path]) -> None:
    """Replace the figures between the markers in `target` (or append them)."""
    command = "uv run python -m bench.critical_path " + " ".join(str(p) for p in paths)
    body = "\n\n".join(sections)
    block = "\n".join([MARK_START, f"Reproduce: `{command}`", "", body, MARK_END])
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    if MARK_START in old and MARK_END in old:
        head, rest = old.split(MARK_START, 1)
        new = head + block + rest.split(MARK_END, 1)[1]
    else:
        new = old + ("\n" if old else "") + block + "\n"
    target.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
