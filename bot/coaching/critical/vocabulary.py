"""The words the critical-path classifier reads: its verdicts and sides, its tuning knobs, the
word lists (negators, other people, filler, stop words) and the text → stems pipeline."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Verdict = Literal["keep", "hand_off", "depends"]
Side = Literal["hand_off", "keep", "ambiguous"]
VERDICTS: tuple[Verdict, ...] = ("keep", "hand_off", "depends")
SIDES: tuple[Side, ...] = ("hand_off", "keep", "ambiguous")

# Tuning knobs (checked by tests/unit/test_critical_path.py; change them with the examples in view).
MAX_CHARS = 2000  # only the start of a very long message is read
BASE_MARGIN = 1.6  # |score| needed for a confident verdict with clean evidence
CONFLICT_MARGIN = 0.35  # extra margin per unit of the weaker side's evidence
AMBIGUITY_MARGIN = 0.5  # extra margin per unit of ambiguous evidence
REPEAT_FACTOR = 0.25  # each further phrase of an already-matched group adds this × its weight
LEAD_BONUS = 1.5  # a signal in the task's opening words (its verb) counts this much more
NEGATION_WINDOW = 3  # tokens before a hand-off phrase searched for "no", "not", "nobody"…
KNN_K = 3
KNN_MIN_SIMILARITY = 0.2
KNN_WEIGHT = 2.5
NEAR_DUPLICATE = 0.8  # similarity at which an example's own label decides

# "they own the fix": a hand-off phrase of a group marked `others_flip` right after one of
# these is someone else's work, so it counts for keeping.
OTHERS = frozenset(
    {
        "they",
        "he",
        "she",
        "their",
        "someone",
        "somebody",
        "another",
        "whoever",
        "others",
        "teammate",
    }
)
NEGATORS = frozenset(
    {"no", "not", "nobody", "noone", "never", "without", "nothing", "none", "neither", "nor"}
)
# Words skipped when looking for the task's opening verb ("I should review…").
LEAD_FILLER = frozenset(
    {
        "i",
        "i'll",
        "to",
        "should",
        "could",
        "can",
        "will",
        "would",
        "maybe",
        "please",
        "we",
        "me",
        "let",
        "go",
        "just",
        "also",
        "and",
        "then",
        "want",
        "need",
        "gonna",
        "am",
        "m",
        "ll",
        "d",
        "todo",
        "task",
        "plan",
        "planning",
        "going",
    }
)
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "it",
        "its",
        "is",
        "are",
        "be",
        "been",
        "was",
        "were",
        "this",
        "that",
        "these",
        "those",
        "i",
        "me",
        "my",
        "we",
        "our",
        "us",
        "you",
        "your",
        "so",
        "as",
        "into",
        "up",
        "out",
        "s",
        "t",
        "m",
        "ll",
        "d",
        "re",
        "ve",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "just",
        "some",
        "all",
        "any",
        "he",
        "she",
        "they",
        "them",
        "their",
        "his",
        "her",
        "who",
        "which",
        "what",
        "there",
        "then",
        "than",
        "too",
        "very",
        "about",
        "over",
        "after",
        "before",
        "while",
        "if",
        "but",
        "not",
        "no",
    }
)

# Generic task verbs: every task has one, so they say nothing about which example it is like.
SIMILARITY_STOPWORDS = STOPWORDS | frozenset(
    {
        "fix",
        "write",
        "build",
        "make",
        "add",
        "do",
        "work",
        "take",
        "get",
        "run",
        "finish",
        "pick",
        "want",
        "need",
        "new",
        "one",
        "thi",
        "week",
    }
)

_SLACK_LINK = re.compile(r"<(?P<target>[^<>|]*)(?:\|(?P<label>[^<>]*))?>")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_NOT = re.compile(r"(?<=[a-z])n['’]t\b")


# -- text -----------------------------------------------------------------------------------


def readable(text: str) -> str:
    """Slack-formatted text as a person reads it: `<@U1|ana>` → `@ana`, `<#C1|dev>` → `#dev`,
    `<https://x|click>` → `click`, `<!channel>` → `@channel`, entities decoded. Still user
    text: escape it before showing it."""

    def plain(match: re.Match[str]) -> str:
        target, label = match.group("target"), match.group("label")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            name = label or target[1:].split("^", 1)[0]
            return "@" + name.lstrip("@")
        return label or target

    text = _SLACK_LINK.sub(plain, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def stem(word: str) -> str:
    """A crude, predictable English stemmer: enough that "blocking", "blocked" and "blocks"
    meet "block", and "releases"/"released"/"releasing" meet "release"."""
    w = word
    if len(w) <= 4 and w.endswith("s") and any(c.isdigit() for c in w):
        return w[:-1]  # "p3s" → "p3"
    if len(w) <= 3:
        return w
    if w.endswith(("ies", "ied")) and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) >= 6:
        w = _undouble(w[:-3])
    elif w.endswith("ed") and len(w) >= 5:
        w = _undouble(w[:-2])
    elif w.endswith(("sses", "shes", "ches", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def _undouble(w: str) -> str:
    if len(w) >= 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case words of `text` (Slack markup and accents removed, "isn't" → "is not")."""
    text = unicodedata.normalize("NFKC", readable(text[:MAX_CHARS])).lower()
    text = text.replace("’", "'")
    text = _NOT.sub(" not", text)
    out: list[str] = []
    for token in _TOKEN.findall(text):
        # "sam's" → "sam"; "i'm" → "i", "m"
        head, _, tail = token.partition("'")
        out.append(head)
        if tail and tail != "s":
            out.append(tail)
    return out


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]
