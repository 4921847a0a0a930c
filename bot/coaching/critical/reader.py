"""Is a task on a manager's critical path? A clause-level reader and the essay's rule.

The rule comes from "The Pendulum or the Ladder" (CONTENT.md, `critical-path`): a manager
should stop writing code *on the critical path*, not stop engineering. So the reader does not
score words; it looks for the few facts that decide, clause by clause, over ALL of the text:

- is someone **waiting** on it (a team blocked, "can't start until", "needs it")?
- is there a **date** or a **release** on it (a cut, a launch, "due friday", v3.2)?
- is a **customer** or an outside promise riding on it?
- would it make you a **gate** (required reviewer, CODEOWNERS, sole approver), or are you the
  **only one** who can do it?
- is it an **incident** happening now, or the **headline project** out of a post-incident review?
- is it a **keep-type** activity (review, on-call, a P2 nobody picks up, monitoring, tooling,
  docs, pairing where someone else drives, a spike)?

Weaker keep cues (a helper, a papercut, a walkthrough) are a separate fact, `keep_hint`, that
keeps a task only when no release, date or customer rides on it. A word one keystroke away
from a key word ("revew", "dashbaord") is read as that word.

Each fact is found with its polarity: a clause's negations before the phrase ("no one is
waiting on it", "not tied to any launch") flip it, and two of them flip it back ("it's not
that nobody needs it"). A clause about someone else's work ("Priya is leading the
remediation") does not make it yours. Then `decide` applies the essay's rule and names the
clause that decided, so the answer can quote the user's own words.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.coaching import critical_wording
from bot.coaching.critical.language import (
    _negations_before,
    _normal,
    _others,
    clauses,
    is_english,
    readable,
)
from bot.coaching.critical.patterns_keep import KEEP_PATTERNS
from bot.coaching.critical.patterns_risk import (
    FACTS,
    QUESTION_FACTS,
    QUOTE_CHARS,
    RISK_PATTERNS,
    SHORT_CLAUSE_WORDS,
    Fact,
    Verdict,
)

__all__ = [
    "FACTS",
    "PATTERNS",
    "QUESTION_FACTS",
    "Fact",
    "Finding",
    "Reading",
    "Verdict",
    "answer",
    "clauses",
    "decide",
    "is_english",
    "quote",
    "read",
    "read_clause",
    "readable",
]

PATTERNS: dict[Fact, tuple[str, ...]] = {**RISK_PATTERNS, **KEEP_PATTERNS}
# One alternation per fact: a single scan of each clause per fact, however long the text.
_COMPILED: dict[Fact, tuple[re.Pattern[str], ...]] = {
    fact: (re.compile("|".join(f"(?:{p})" for p in patterns)),)
    for fact, patterns in PATTERNS.items()
}


@dataclass(frozen=True)
class Finding:
    """One fact as the text states it: yes (`present`) or explicitly no, and where."""

    fact: Fact
    present: bool
    clause: str  # the user's clause, as typed (Slack markup read as text)
    others: bool = False  # the clause is about someone else's work


@dataclass(frozen=True)
class Reading:
    """What a task says, fact by fact, and the essay's verdict on it."""

    verdict: Verdict
    decided_by: Fact | None  # the fact that decided; None for ❓ and for non-English
    clause: str  # the user's words that decided ("" when nothing did)
    findings: tuple[Finding, ...]
    english: bool = True
    missing: tuple[Fact, ...] = ()  # for ❓: the deciding questions to ask
    # for a ❓ whose words point both ways: (the keep-type clause, the hand-off clause)
    both_ways: tuple[str, str] | None = None

    def has(self, fact: Fact) -> bool:
        return any(f.fact == fact and f.present and not f.others for f in self.findings)

    def denies(self, fact: Fact) -> bool:
        return any(f.fact == fact and not f.present for f in self.findings)


# "write a git hook that blocks commits", "a dashboard for the error spike": when the task
# makes a keep-type artifact, what follows the artifact says what it is ABOUT, not a fact
# about the task. Facts after it in the same clause are not the task's.
_ARTIFACT = re.compile(
    r"^(?:(?:[\w'-]+ ){0,4}?(?:build|write|add|make|set up|create|tune|wire up|put|stand up|"
    r"improve|fix|update|automate|hack on|spin up|knock out|throw together)\s+)?"
    r"(?:(?:a|an|the|some|our|one|new|small|little|quick|tiny|simple|basic|better)\s+)*"
    r"(?:[\w'-]+\s+){0,3}?"
    r"(?:hook|alerts?|alarms?|dashboards?|panels?|bots?|scripts?|(?:ci )?checks?|checkers?|"
    r"linters?|lint rules?|tests?|runbooks?(?: entry| page)?|docs?|metrics?|"
    r"monitors?|reminders?|notifiers?|graphs?|charts?|faqs?|guides?|readme|wiki(?: page)?|"
    r"cron ?jobs?|clis?|github actions?|slack commands?|grafana|datadog|"
    r"boards?(?! meeting| deck| members?| demo)|reports?(?= (?:of|showing|listing|about) ))\b"
    r"(?![ -](?:site|portal|platform|product|feature|page|app|redesign))"
)
# "unsure whether anything depends on it": what follows a hedge is a question, not a fact.
_UNSURE = re.compile(
    r"\b(?:unsure|not sure|no idea|idk|dunno|don't know|do not know|wonder(?:ing)?|"
    r"not clear|unclear) (?:whether|if|what|who|how|when)\b"
    r"|^(?:or )?(?:is|isn't) (?:that|it|this)\b(?= (?:on|in|blocking|needed|urgent|critical|"
    r"a blocker|tied|part|something|\w+'s (?:critical|blocker|priority))\b)"
)
# Facts an artifact's subject or a hedge can carry without them being the task's.
_SCOPED: frozenset[Fact] = frozenset(
    {"waiting", "customer", "release", "date", "incident", "postmortem"}
)


def _scope_end(text: str) -> int | None:
    """Where the task's own words end and a description of its subject begins (or None)."""
    ends = [m.end() for m in (_ARTIFACT.search(text), _UNSURE.search(text)) if m is not None]
    return min(ends) if ends else None


def read_clause(clause: str) -> list[Finding]:
    """The facts one clause states, each with its polarity."""
    text_for_match = _normal(clause)
    others = _others(text_for_match)
    scope_end = _scope_end(text_for_match)
    found: list[Finding] = []
    for fact, patterns in _COMPILED.items():
        best: bool | None = None
        for pattern in patterns:
            for match in pattern.finditer(text_for_match):
                if fact in _SCOPED and scope_end is not None and match.start() >= scope_end:
                    continue
                flips = _negations_before(text_for_match, match.start())
                # "without my OK" is itself a negation: "nothing ships without my OK" is a gate
                flips += match.group(0).startswith("without")
                negated = flips % 2 == 1
                present = not negated
                if fact in ("relaxed", "keep_activity", "keep_hint", "authoring") and not present:
                    continue  # "not a spike" is no evidence either way
                best = present if best is None else (best or present)
        if best is not None:
            found.append(Finding(fact, best, clause, others and fact in _OWNED))
    if others:
        found.append(Finding("others_own", True, clause))
    return found


# Facts that describe whose work it is: in a clause about someone else they aren't yours.
_OWNED: frozenset[Fact] = frozenset({"postmortem", "release", "authoring", "date", "customer"})


# -- the rule -------------------------------------------------------------------------------

# Order matters: the first present fact in this list decides a hand-off.
_HAND_OFF_ORDER: tuple[Fact, ...] = ("gate", "only_me", "incident", "waiting")
_LEADS = re.compile(
    r"\b(?:lead|leading|own|owning|owner of|drive|driving|main|headline|big|biggest|top|whole|"
    r"take point|run point|dri|chair|program|end to end|head up)\b",
    re.I,
)
_REVIEW_WAIT = re.compile(
    r"\bwait(?:s|ing)? (?:on|for) (?:my |a |an |the |their |a second |another )?"
    r"(?:approval|review|second look|reviewer)|\b(?:approval|review) from\b",
    re.I,
)


def _leads(clause: str, parts: tuple[str, ...]) -> bool:
    """The post-incident work is the big one, or the next clause says you lead it."""
    if _LEADS.search(clause):
        return True
    at = parts.index(clause) if clause in parts else -1
    for after in parts[at + 1 : at + 4] if at >= 0 else ():
        if _others(_normal(after)):
            return False
        if _LEADS.search(after):
            return True
    return False


_SOFT_HAND_OFF: tuple[Fact, ...] = ("customer", "release", "date")


def read(text: str) -> Reading:
    """Read a task and decide: the essay's rule over the facts found in every clause."""
    if not is_english(text):
        return Reading("depends", None, "", (), english=False, missing=QUESTION_FACTS)
    findings: list[Finding] = []
    parts = clauses(text)
    for clause in parts:
        findings.extend(read_clause(clause))
    reading = decide(tuple(findings), tuple(parts))
    if reading.verdict == "depends":
        reading = _lean(text, parts, reading)
    else:
        reading = _arbitrate(text, reading)
    return _with_context(reading, parts)


_HAND_OFF_FACTS: frozenset[Fact] = frozenset(
    {"gate", "only_me", "incident", "waiting", "customer", "release", "date", "postmortem"}
)
_KEEP_FACTS: frozenset[Fact] = frozenset({"keep_activity", "keep_hint", "relaxed"})


def _arbitrate(text: str, reading: Reading) -> Reading:
    """Facts that point both ways ("tune the paging policy so escalations don't wake the
    team"): the rule's order picks one, and the wording model checks it. When the wording
    leans the other way, ask instead of guessing. A gate, the only one, a live incident or
    someone waiting is the essay's own rule and stands. Replayed on five batches the reader
    had not seen, this turned 7 of 19 confidently wrong answers into ❓ and no right one."""
    if reading.decided_by in _HAND_OFF_ORDER:
        return reading
    mine = [f for f in reading.findings if not f.others]
    hand = next((f for f in mine if f.present and f.fact in _HAND_OFF_FACTS), None)
    keep = next((f for f in mine if f.present and f.fact in _KEEP_FACTS), None) or next(
        (f for f in mine if not f.present and f.fact in ("waiting", "date", "release")), None
    )
    if hand is None or keep is None:
        return reading
    probs = critical_wording.model().probabilities(text)
    other: critical_wording.Label = "keep" if reading.verdict == "hand_off" else "hand_off"
    if probs[other] <= probs[reading.verdict]:
        return reading
    return Reading(
        "depends",
        None,
        "",
        reading.findings,
        missing=QUESTION_FACTS,
        both_ways=(keep.clause, hand.clause),
    )


def _lean(text: str, parts: list[str], reading: Reading) -> Reading:
    """No deciding fact: a confident wording model may still settle it, quoting the clause
    that pulls hardest; the reason then says it goes by the wording, not a stated fact."""
    if any(_UNSURE.search(_normal(p)) for p in parts):
        return reading  # "idk what's riding on it": the user is asking, so ask back
    leaning = critical_wording.lean(text, parts)
    if leaning is None:
        return reading
    verdict, clause = leaning
    return replace(reading, verdict=verdict, decided_by="wording", clause=clause)


def _with_context(reading: Reading, parts: list[str]) -> Reading:
    """A deciding clause of a word or two ("sev1") is quoted with the clause after it."""
    if not reading.clause or len(reading.clause.split()) >= SHORT_CLAUSE_WORDS:
        return reading
    at = parts.index(reading.clause)
    if at + 1 >= len(parts):
        return reading
    return replace(reading, clause=f"{reading.clause}: {parts[at + 1]}")


def decide(findings: tuple[Finding, ...], parts: tuple[str, ...] = ()) -> Reading:
    """The essay's rule: hand off what someone waits on, what a date, release or customer
    rides on, gates, and the headline post-incident project; keep reviews, on-call, P2s,
    monitoring, tooling, docs, pairing and spikes; ask only when the deciding facts are
    missing."""

    def first(fact: Fact, present: bool = True) -> Finding | None:
        for f in findings:
            if f.fact == fact and f.present == present and not f.others:
                return f
        return None

    def done(verdict: Verdict, finding: Finding) -> Reading:
        return Reading(verdict, finding.fact, finding.clause, findings)

    for fact in _HAND_OFF_ORDER:
        hit = first(fact)
        reviewing = first("keep_activity") is not None or first("keep_hint") is not None
        if fact == "waiting" and hit and reviewing and _REVIEW_WAIT.search(hit.clause):
            continue  # people waiting for a review: one reviewer of several, not the author
        if hit is not None:
            return done("hand_off", hit)
    headline = next(
        (
            f
            for f in findings
            if f.fact == "postmortem" and f.present and not f.others and _leads(f.clause, parts)
        ),
        None,
    )
    if headline is not None:  # the biggest post-incident project, not one small action item
        return done("hand_off", headline)
    keep = first("keep_activity")
    if keep is not None:
        authored = _authored_elsewhere(findings, keep.clause)
        if authored is not None:  # "review Max's PR, then write the flow marketing launches"
            return done("hand_off", authored)
        return done("keep", keep)
    waiting_denied = first("waiting", present=False)
    for fact in _SOFT_HAND_OFF:
        hit = first(fact)
        if fact == "customer" and waiting_denied is not None:
            continue  # "nobody is waiting, customers do it by hand and that's fine"
        if hit is not None:
            return done("hand_off", hit)
    for fact in ("waiting", "date", "release"):
        denied = first(fact, present=False)
        if denied is not None:
            return done("keep", denied)
    relaxed = first("relaxed")
    if relaxed is not None:
        return done("keep", relaxed)
    hint = first("keep_hint")
    if hint is not None:
        return done("keep", hint)
    others = first("others_own")
    mine = [
        f for f in findings if f.fact == "authoring" and f.clause != getattr(others, "clause", "")
    ]
    if others is not None and not mine:  # someone else owns the work; you help
        return done("keep", others)
    return Reading("depends", None, "", findings, missing=QUESTION_FACTS)


_MAKES = re.compile(
    r"\b(?:build|building|write|writing|implement\w*|develop\w*|code|coding|ship|shipping|"
    r"deliver\w*|finish\w*|rewrite|rewriting|integrate|author\w*|own|owning|take|taking|make|"
    r"making)\b",
    re.I,
)


def _authored_elsewhere(findings: tuple[Finding, ...], keep_clause: str) -> Finding | None:
    """A customer, release or date fact in a clause of its own where you author the work, apart
    from the keep-type work: a mixed task whose hand-off part decides."""
    keepish = {f.clause for f in findings if f.fact in ("keep_activity", "keep_hint")}
    for f in findings:
        if (
            f.fact in _SOFT_HAND_OFF
            and f.present
            and not f.others
            and f.clause != keep_clause
            and f.clause not in keepish
            and _MAKES.search(f.clause)
        ):
            return f
    return None


def answer(missing_answers: Mapping[str, bool]) -> Verdict | None:
    """The verdict once the deciding questions are answered: any yes hands it off, all no
    keeps it; None while one is still open."""
    if any(missing_answers.get(f) for f in QUESTION_FACTS):
        return "hand_off"
    if all(f in missing_answers for f in QUESTION_FACTS):
        return "keep"
    return None


def quote(clause: str, limit: int = QUOTE_CHARS) -> str:
    """The user's clause, one line, cut to `limit` (still user text: escape it to show it)."""
    text = " ".join(clause.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
