"""The words of a task as the critical-path reader sees them: Slack markup read as text,
clauses, negation, someone else's work, typos one keystroke from a key word, and whether the
text is English at all."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Words that flip a fact found after them in the same clause.
NEGATORS = frozenset(
    {"no", "not", "never", "nobody", "noone", "none", "nothing", "zero", "neither", "nor"}
)
# "not optional" means required; "not a nice-to-have" means it matters: say so before reading.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bnot (?:optional|a nice ?-?to ?-?have)\b"), "required for"),
    (re.compile(r"\bno longer\b"), "now"),
    (re.compile(r"\b(?:not|isn't|is not) unimportant\b"), "important"),
    (re.compile(r"\b(?:can't|cannot|can not) say\b"), "not"),
    (re.compile(r"\b(?:don't|do not|doesn't|won't|not) (?:miss|slip|blow|lose)\b"), "hit"),
    (re.compile(r"\bnot (?:just|only)\b"), "also"),
    (re.compile(r"\bno one\b"), "noone"),
    (re.compile(r"\bnot a spike anymore\b"), "now planned"),
)
# A clause about someone else's work: their ownership is not yours.
_OTHERS = re.compile(
    r"\b(?P<who>[a-z]+)(?:'s| is| are)? (?:owns?|leading|leads|driving|drives|types|typing|"
    r"at the keyboard|the owner|the author|building|implementing)\b|\bowned by \w+|"
    r"\b(?:his|her|their) (?:ticket|pr|work|refactor)|\bis with the \w+(?: team| squad)?\b|"
    r"\bassigned to (?!me\b)\w+|\bowner:? (?!me\b|tbd\b|\(me\))[a-z]+|"
    r"\b(?:have|has|with) (?:an )?owners?\b"
)
_NOT_OTHERS = frozenset(
    {
        "i",
        "we",
        "to",
        "will",
        "ll",
        "gonna",
        "should",
        "can",
        "could",
        "would",
        "me",
        "myself",
        "and",
        "or",
        "you",
        "m",
        "just",
        "who",
        "that",
        "it",
        "the",
        "who's",
        "i'm",
        "be",
        "am",
        "one",
        "of",
        "about",
        "on",
        "for",
        "with",
        "start",
        "keep",
        "been",
        "was",
        "were",
        "still",
        "also",
        "now",
    }
)
_CLAUSE_SPLIT = re.compile(
    r"(?:[()\[\]]+\s*"
    r"|(?:[.!?;\n]|:(?!\s*(?:(?i:no|none|nope|n/a|nobody)\b|[-—–])))+(?:\s|$)"
    r"|,\s+|\s+[—–+&-]+\s+"
    r"|\s+(?:but(?! me\b| us\b)|so|since|because|although|though|while|and|unless|as|plus)"
    r"\s+)"
)
# A ticket's form fields answered "no": "Is anyone waiting: no", "Date: none".
_FORM_NO = re.compile(
    r"(?:is )?(?:any(?:one|body) )?(?P<field>waiting|blocked|blockers?|date|deadline|due date|due)"
    r"\s*[:?]+\s*(?:(?:no|none|nope|n/a|nobody)\b|[-—–]+(?=\s|[.,;]|$))",
    re.IGNORECASE,
)
_LEADING_JOIN = re.compile(r"^(?:but|so|and|since|because|plus)\s+", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9']+")
_SLACK_LINK = re.compile(r"<(?P<target>[^<>|]*)(?:\|(?P<label>[^<>]*))?>")


# -- text -----------------------------------------------------------------------------------


def readable(text: str) -> str:
    """Slack-formatted text as a person reads it: `<@U1|ana>` → `@ana`, links → their label."""

    def plain(match: re.Match[str]) -> str:
        target, label = match.group("target"), match.group("label")
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^", 1)[0]).lstrip("@")
        return label or target

    text = _SLACK_LINK.sub(plain, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _form_no(match: re.Match[str]) -> str:
    field = match.group("field").lower()
    return "nobody is waiting on it" if field in ("waiting", "blocked") else f"no {field}"


def clauses(text: str) -> list[str]:
    """The text cut into sentences and clauses, ALL of it, in order (as typed)."""
    text = unicodedata.normalize("NFKC", readable(text)).replace("’", "'")
    parts = (_LEADING_JOIN.sub("", p.strip(" \t\"'`*_~")) for p in _CLAUSE_SPLIT.split(text))
    return [p for p in parts if p and _TOKEN.search(p.lower())]


# A short quoted span is a name ("the 'deadline passed' email", "the 'launch' flags"), not a
# fact about the task.
_QUOTED = re.compile(r"(?<![a-z0-9])['\"“‘`][^'\"”’`\n]{1,40}['\"”’`](?![a-z0-9])")


# The other half of a quoted name that a clause boundary cut ("the 'urgent' and 'blocker'
# labels" → "blocker' labels").
_HALF_QUOTED = re.compile(r"^[\w -]{1,38}['”’](?=\s|$)|(?<=\s)['“‘][\w -]{1,38}$")


def _normal(clause: str) -> str:
    text = clause.lower().replace("’", "'").replace("cannot", "can't").replace("can not", "can't")
    text = _WORD.sub(_spelled, text)
    text = _FORM_NO.sub(_form_no, text)
    text = " ".join(_HALF_QUOTED.sub(" ", _QUOTED.sub(" ", text)).split())
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text


# Typed in a hurry: a word one keystroke away from one of these is read as it ("revew",
# "dashbaord", "flakey"). Only words of 5+ letters, and never a real word listed in _REAL.
_KEY_WORDS = frozenset(
    {
        "review",
        "reviews",
        "oncall",
        "dashboard",
        "flaky",
        "deadline",
        "release",
        "blocked",
        "blocking",
        "blocker",
        "waiting",
        "customer",
        "customers",
        "monitoring",
        "runbook",
        "approval",
        "approver",
        "outage",
        "incident",
        "postmortem",
        "rotation",
        "pairing",
        "alerts",
        "alerting",
        "escalation",
        "hotfix",
        "urgent",
        "documentation",
        "refactor",
    }
)
_REAL = frozenset(
    [
        "lunch",
        "locked",
        "wanting",
        "writing",
        "related",
        "relates",
        "rotating",
        "outrage",
        "approve",
        "approved",
        "approves",
        "alert",
        "revue",
        "blocks",
        "locking",
        "baiting",
        "waiving",
        "customs",
        "reviewed",
        "reviewer",
        "released",
        "releases",
        "blockers",
        "blocky",
        "refactors",
        "refract",
        "alerted",
        "alerter",
        "escalations",
        "outages",
        "incidents",
        "urgency",
        "waited",
        "waiter",
        "deadlines",
        "runbooks",
        "rotations",
        "approvers",
        "approvals",
    ]
)
_WORD = re.compile(r"[a-z]{5,}")


def _spelled(match: re.Match[str]) -> str:
    return _respell(match.group(0))


@lru_cache(maxsize=4096)
def _respell(word: str) -> str:
    if word in _KEY_WORDS or word in _REAL:
        return word
    for key in _KEY_WORDS:
        if abs(len(key) - len(word)) <= 1 and _one_edit(word, key):
            return key
    return word


def _one_edit(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns `a` into `b`."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        if len(diff) != 2:
            return False
        i, j = diff
        return j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


_ABILITY = frozenset({"can't", "couldn't", "cannot"})


def _is_negator(word: str) -> bool:
    head = word.split("'", 1)[0]
    if word in _ABILITY:  # "can't start until…" says someone is stuck, not that nothing is
        return False
    return head in NEGATORS or word.endswith("n't") or word == "without"


def _negations_before(text: str, start: int) -> int:
    """How many negating words come before `start` in the clause (its last 7 words)."""
    return sum(1 for w in _TOKEN.findall(text[:start])[-7:] if _is_negator(w))


def _others(text: str) -> bool:
    for match in _OTHERS.finditer(text):
        who = match.group("who")
        if who is None or who not in _NOT_OTHERS:
            return True
    return False


# -- language -------------------------------------------------------------------------------

# Common function words: cheap evidence of which language a task is written in.
_ENGLISH_WORDS = """
the a an and or of to in on for with is are it this that i we my our it's i'm i'll you be by
at from as so but not no if can will should up out all any its they he she has have do does
was were
"""
_FOREIGN_WORDS = """
der die das und ist nicht ein eine mit für auf den dem ich wir zu le la les est pas une des du
et pour avec sur je nous dans el los las que para con por una un es yo hay del il di che per
non sono gli della em os uma não com eu nós het een niet ik wij voor och att är jag inte för på
"""
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_FOREIGN = frozenset(_FOREIGN_WORDS.split())


def is_english(text: str) -> bool:
    """A cheap check: mostly non-Latin letters, or more foreign than English function words."""
    letters = [c for c in readable(text) if c.isalpha()]
    if letters:
        latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
        if latin / len(letters) < 0.6:
            return False
    words = _TOKEN.findall(text.lower())
    english = sum(1 for w in words if w in _ENGLISH)
    foreign = sum(1 for w in words if w in _FOREIGN and w not in _ENGLISH)
    return not (foreign >= 2 and foreign > english)
