"""Is a task on a manager's critical path? A small, deterministic classifier (no ML library).

Two kinds of evidence, both read from `prompts/critical_path.yaml`:

1. **Signals** (`signals:`): groups of phrases a coach wrote, each with a weight and a reason.
   `hand_off` groups are evidence the team would wait on the task (a deadline, a launch,
   "blocking", "only I know how", a customer promise, a migration…); `keep` groups are evidence
   it is good warm-hands work (review, on-call cover, a flaky test, tooling, docs, a spike…);
   `ambiguous` groups name work that could go either way (refactor, upgrade, "the API") and
   make a confident answer harder to reach. Phrases are matched on word stems, longest first,
   so "release notes" is docs, not a release, and "only reviewer" is a gate, not a review.
   A hand-off phrase just after a negation ("nobody is *waiting on* it", "*no deadline*")
   counts as evidence for keeping.
2. **Nearest examples** (`examples:`): TF-IDF cosine similarity to the labelled examples. A
   near-duplicate of an example takes that example's verdict and explanation; otherwise the
   closest few vote, weighted by similarity.

The verdict is `hand_off` or `keep` only when the combined score clears a margin that grows
with conflicting and ambiguous evidence; everything else is `depends`, answered with the
checklist rather than a confident wrong verdict.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.coaching.critical.vocabulary import (
    AMBIGUITY_MARGIN,
    BASE_MARGIN,
    CONFLICT_MARGIN,
    KNN_K,
    KNN_MIN_SIMILARITY,
    KNN_WEIGHT,
    LEAD_BONUS,
    LEAD_FILLER,
    MAX_CHARS,
    NEAR_DUPLICATE,
    NEGATION_WINDOW,
    NEGATORS,
    OTHERS,
    REPEAT_FACTOR,
    SIDES,
    SIMILARITY_STOPWORDS,
    VERDICTS,
    Side,
    Verdict,
    readable,
    stem,
    stems,
    words,
)

__all__ = [
    "MAX_CHARS",
    "Verdict",
    "readable",
    "stem",
    "words",
]

# -- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalGroup:
    id: str
    side: Side
    weight: float
    reason: str
    phrases: tuple[tuple[str, ...], ...]  # stemmed
    others_flip: bool = False  # "they own it" is someone else's work


@dataclass(frozen=True)
class Example:
    text: str
    verdict: Verdict
    why: str
    vector: Mapping[str, float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Hit:
    """One matched phrase: which group, the words as typed, where, and its signed weight."""

    group: SignalGroup
    words: str
    start: int
    weight: float  # > 0 pushes to hand_off, < 0 to keep; ambiguous hits carry their weight
    negated: bool = False


@dataclass(frozen=True)
class Neighbour:
    example: Example
    similarity: float


@dataclass(frozen=True)
class Classification:
    verdict: Verdict
    score: float  # > 0: critical path; < 0: warm hands
    margin: float  # |score| needed for a confident verdict
    hits: tuple[Hit, ...]
    neighbours: tuple[Neighbour, ...]
    decided_by: Literal["example", "evidence", "weak", "conflict", "empty"]

    @property
    def example(self) -> Example | None:
        """The nearest labelled example, when it is close enough to mention."""
        return self.neighbours[0].example if self.neighbours else None

    def reasons(self, side: Side) -> list[tuple[str, list[str]]]:
        """(reason, [words as typed]) for the groups on one side, strongest first."""
        totals: dict[str, float] = {}
        found: dict[str, tuple[str, list[str]]] = {}
        for hit in self.hits:
            hit_side: Side = (
                "ambiguous"
                if hit.group.side == "ambiguous"
                else ("hand_off" if hit.weight > 0 else "keep")
            )
            if hit_side != side:
                continue
            key = hit.group.id + (":not" if hit.negated else "")
            reason = NEGATED_REASON if hit.negated else hit.group.reason
            totals[key] = totals.get(key, 0.0) + abs(hit.weight)
            found.setdefault(key, (reason, []))[1].append(hit.words)
        order = sorted(totals, key=lambda k: -totals[k])
        return [found[k] for k in order]


NEGATED_REASON = "you say nobody is waiting on it"


@dataclass(frozen=True)
class Model:
    groups: tuple[SignalGroup, ...]
    examples: tuple[Example, ...]
    idf: Mapping[str, float]
    by_first: Mapping[str, tuple[tuple[tuple[str, ...], SignalGroup], ...]]
    # term → (example index, weight): similarity only touches examples sharing a term
    postings: Mapping[str, tuple[tuple[int, float], ...]]

    def without(self, index: int) -> Model:
        """The same model with one example left out (leave-one-out evaluation)."""
        kept = [e for i, e in enumerate(self.examples) if i != index]
        return build_model(self.groups, [(e.text, e.verdict, e.why) for e in kept])


class ModelError(ValueError):
    """critical_path.yaml can't be turned into a classifier; the message says what to fix."""


def load_model(data: Mapping[str, Any]) -> Model:
    """A model from the parsed critical_path.yaml (its `signals` and `examples`)."""
    signals = data.get("signals") or {}
    if not isinstance(signals, Mapping):
        raise ModelError("critical_path.yaml: signals must be a mapping of hand_off/keep/ambiguous")
    groups: list[SignalGroup] = []
    for side in SIDES:
        for i, raw in enumerate(signals.get(side) or []):
            where = f"critical_path.yaml: signals.{side}[{i}]"
            if not isinstance(raw, Mapping) or not raw.get("phrases"):
                raise ModelError(f"{where} needs phrases")
            try:
                weight = float(raw.get("weight", 1.0))
            except (TypeError, ValueError) as exc:
                raise ModelError(f"{where}: weight must be a number") from exc
            phrases = tuple(
                dict.fromkeys(p for p in (tuple(stems(str(s))) for s in raw["phrases"]) if p)
            )
            groups.append(
                SignalGroup(
                    id=str(raw.get("id") or f"{side}{i}"),
                    side=side,
                    weight=weight,
                    reason=str(raw.get("reason") or ""),
                    phrases=phrases,
                    others_flip=bool(raw.get("others_flip", False)),
                )
            )
    examples: list[tuple[str, Verdict, str]] = []
    for i, raw in enumerate(data.get("examples") or []):
        if (
            not isinstance(raw, Mapping)
            or raw.get("verdict") not in VERDICTS
            or not raw.get("text")
        ):
            raise ModelError(f"critical_path.yaml: examples[{i}] needs text and a verdict")
        verdict: Verdict = raw["verdict"]
        examples.append((str(raw["text"]), verdict, str(raw.get("why") or "")))
    return build_model(groups, examples)


def build_model(
    groups: Sequence[SignalGroup], examples: Sequence[tuple[str, Verdict, str]]
) -> Model:
    """A model from stemmed signal groups and (text, verdict, why) examples."""
    docs = [_terms(text) for text, _, _ in examples]
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    n = max(1, len(docs))
    idf = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}
    built = tuple(
        Example(text=text, verdict=verdict, why=why, vector=_vector(doc, idf))
        for (text, verdict, why), doc in zip(examples, docs, strict=True)
    )
    index: dict[str, list[tuple[tuple[str, ...], SignalGroup]]] = {}
    for group in groups:
        for phrase in group.phrases:
            index.setdefault(phrase[0], []).append((phrase, group))
    by_first = {
        first: tuple(sorted(items, key=lambda item: -len(item[0])))
        for first, items in index.items()
    }
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, example in enumerate(built):
        for term, weight in example.vector.items():
            postings.setdefault(term, []).append((i, weight))
    return Model(
        groups=tuple(groups),
        examples=built,
        idf=idf,
        by_first=by_first,
        postings={term: tuple(items) for term, items in postings.items()},
    )


# -- similarity -----------------------------------------------------------------------------


def _terms(text: str) -> list[str]:
    content = [s for s in stems(text) if s not in SIMILARITY_STOPWORDS]
    return content + [f"{a} {b}" for a, b in itertools.pairwise(content)]


def _vector(
    terms: Iterable[str], idf: Mapping[str, float], unseen: float = 0.0
) -> dict[str, float]:
    """A unit TF-IDF vector. Words no example uses weigh `unseen` (the rarest idf) so that a
    long, novel task is not mistaken for a short example that shares one word with it."""
    counts = Counter(terms)
    vec = {
        t: (1 + math.log(c)) * idf.get(t, unseen) for t, c in counts.items() if t in idf or unseen
    }
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def neighbours(model: Model, text: str, k: int = KNN_K) -> list[Neighbour]:
    unseen = max(model.idf.values(), default=1.0)
    query = _vector(_terms(text), model.idf, unseen)
    if not query:
        return []
    sums: dict[int, float] = {}
    for term, weight in query.items():
        for i, example_weight in model.postings.get(term, ()):
            sums[i] = sums.get(i, 0.0) + weight * example_weight
    scored = [Neighbour(model.examples[i], round(sim, 6)) for i, sim in sums.items() if sim > 0]
    scored.sort(key=lambda n: (-n.similarity, n.example.text))
    return scored[:k]


# -- signals --------------------------------------------------------------------------------


def find_hits(model: Model, text: str) -> list[Hit]:
    """Leftmost-longest phrase matches over the task's stems."""
    typed = words(text)
    stemmed = [stem(w) for w in typed]
    lead = _lead_index(typed)
    hits: list[Hit] = []
    i = 0
    while i < len(stemmed):
        match: tuple[tuple[str, ...], SignalGroup] | None = None
        for phrase, group in model.by_first.get(stemmed[i], ()):
            if tuple(stemmed[i : i + len(phrase)]) == phrase:
                match = (phrase, group)
                break
        if match is None:
            i += 1
            continue
        phrase, group = match
        lead_bonus = LEAD_BONUS if i == lead and group.side != "ambiguous" else 1.0
        weight = group.weight * lead_bonus
        negated = False
        if group.side == "hand_off":
            negated = _negated(typed, i) or (group.others_flip and _by_others(typed, i))
            weight = -weight if negated else weight
        elif group.side == "keep":
            weight = -weight
        hits.append(Hit(group, " ".join(typed[i : i + len(phrase)]), i, weight, negated))
        i += len(phrase)
    return hits


def _lead_index(typed: Sequence[str]) -> int:
    for i, word in enumerate(typed[:6]):
        if word not in LEAD_FILLER:
            return i
    return -1


def _negated(typed: Sequence[str], start: int) -> bool:
    window = typed[max(0, start - NEGATION_WINDOW) : start]
    return any(w in NEGATORS for w in window) or "no one" in " ".join(window)


def _by_others(typed: Sequence[str], start: int) -> bool:
    return any(w in OTHERS for w in typed[max(0, start - 2) : start])


def _side_totals(hits: Sequence[Hit]) -> dict[Side, float]:
    """Evidence per side; repeated phrases from one group add with diminishing returns."""
    per_group: dict[tuple[str, Side], list[float]] = {}
    for hit in hits:
        side: Side = (
            "ambiguous"
            if hit.group.side == "ambiguous"
            else ("hand_off" if hit.weight > 0 else "keep")
        )
        per_group.setdefault((hit.group.id, side), []).append(abs(hit.weight))
    totals: dict[Side, float] = {"hand_off": 0.0, "keep": 0.0, "ambiguous": 0.0}
    for (_, side), weights in per_group.items():
        weights.sort(reverse=True)
        totals[side] += weights[0] + REPEAT_FACTOR * sum(weights[1:])
    return totals


# -- the verdict ----------------------------------------------------------------------------

_VOTE: dict[str, float] = {"hand_off": 1.0, "keep": -1.0, "depends": 0.0}


def classify(model: Model, text: str) -> Classification:
    near = neighbours(model, text)
    hits = find_hits(model, text)
    if not words(text):
        return Classification("depends", 0.0, BASE_MARGIN, (), (), "empty")
    if near and near[0].similarity >= NEAR_DUPLICATE:
        example = near[0].example
        score = _VOTE[example.verdict] * KNN_WEIGHT
        return Classification(
            example.verdict, score, BASE_MARGIN, tuple(hits), tuple(near), "example"
        )
    totals = _side_totals(hits)
    signal_score = totals["hand_off"] - totals["keep"]
    votes = [n for n in near if n.similarity >= KNN_MIN_SIMILARITY]
    knn_score = KNN_WEIGHT * sum(n.similarity * _VOTE[n.example.verdict] for n in votes)
    unsure = sum(n.similarity for n in votes if n.example.verdict == "depends")
    score = signal_score + knn_score
    margin = (
        BASE_MARGIN
        + CONFLICT_MARGIN * min(totals["hand_off"], totals["keep"])
        + AMBIGUITY_MARGIN * (totals["ambiguous"] + unsure)
    )
    verdict: Verdict
    if score >= margin:
        verdict = "hand_off"
    elif score <= -margin:
        verdict = "keep"
    else:
        verdict = "depends"
    if verdict != "depends":
        decided_by: Literal["evidence", "weak", "conflict"] = "evidence"
    elif min(totals["hand_off"], totals["keep"]) > 0:
        decided_by = "conflict"
    else:
        decided_by = "weak"
    return Classification(
        verdict, round(score, 4), round(margin, 4), tuple(hits), tuple(near), decided_by
    )


# -- the checklist --------------------------------------------------------------------------

Answer = Literal["yes", "no", "unsure"]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    hand_off_if: Literal["yes", "no"]


def checklist(data: Mapping[str, Any]) -> list[Question]:
    out = []
    for raw in data.get("checklist") or []:
        if isinstance(raw, Mapping) and raw.get("id") and raw.get("question"):
            hand_off_if: Literal["yes", "no"] = (
                "no" if str(raw.get("hand_off_if", "yes")).lower() == "no" else "yes"
            )
            out.append(Question(str(raw["id"]), str(raw["question"]), hand_off_if))
    return out


def checklist_verdict(questions: Sequence[Question], answers: Sequence[str]) -> Verdict | None:
    """The verdict of answers given so far, or None while more questions are needed.

    Any answer that says "hand off" decides at once; all answered with none of those keeps it,
    unless some were "unsure", which leaves it at depends."""
    for question, answer in zip(questions, answers, strict=False):
        if answer == question.hand_off_if:
            return "hand_off"
    if len(answers) < len(questions):
        return None
    return "depends" if "unsure" in answers[: len(questions)] else "keep"


def deciding_question(questions: Sequence[Question], answers: Sequence[str]) -> Question | None:
    """The question whose answer sent the task to hand_off, if one did."""
    for question, answer in zip(questions, answers, strict=False):
        if answer == question.hand_off_if:
            return question
    return None
