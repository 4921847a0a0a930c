"""A tie-breaker for the critical-path reader when the essay's rule found no deciding fact.

The reader decides from facts (someone waiting, a date, a gate…). When the text states none
of them it answers ❓ and asks. Many such tasks are still worded like the keep-type or the
hand-off work in the labelled corpus ("poke at the sidekiq retries", "the SDK the partner
integration needs"), so a small linear model over words and word pairs, trained offline by
`bench/train_wording.py` and shipped as data (`critical_wording.json`), gets a say, but only
when it is confident; otherwise the ❓ and its questions stay. Inference is plain Python.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

Label = Literal["keep", "hand_off", "depends"]
LABELS: tuple[Label, ...] = ("keep", "hand_off", "depends")
WEIGHTS = Path(__file__).with_name("critical_wording.json")
# Only a confident model overrides ❓: measured on batches written after the rule changed,
# 0.8 turned most ❓ on clear cases into the right verdict and none into the wrong one.
CONFIDENCE = 0.8
_TOKEN = re.compile(r"[a-z0-9']+")


def features(text: str) -> set[str]:
    """Lower-case words and adjacent word pairs."""
    words = _TOKEN.findall(text.lower().replace("’", "'"))
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


@dataclass(frozen=True)
class Model:
    weights: dict[str, tuple[float, ...]]
    bias: tuple[float, ...]

    def scores(self, feats: set[str]) -> list[float]:
        z = list(self.bias)
        for f in feats:
            w = self.weights.get(f)
            if w is not None:
                z = [a + b for a, b in zip(z, w, strict=True)]
        return z

    def probabilities(self, text: str) -> dict[Label, float]:
        z = self.scores(features(text))
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return {label: e[k] / total for k, label in enumerate(LABELS)}


@lru_cache(maxsize=1)
def model() -> Model:
    raw = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    weights = {f: tuple(float(v) for v in w) for f, w in raw["weights"].items()}
    return Model(weights, tuple(float(v) for v in raw["bias"]))


def lean(text: str, parts: list[str]) -> tuple[Label, str] | None:
    """(keep or hand_off, the clause that pulls hardest that way) when the model is confident;
    None when it isn't, or when it leans to ❓ itself."""
    m = model()
    probs = m.probabilities(text)
    best = max(probs, key=lambda label: probs[label])
    if best == "depends" or probs[best] < CONFIDENCE or not parts:
        return None
    k = LABELS.index(best)

    def pull(clause: str) -> float:
        z = m.scores(features(clause))
        return z[k] - max(v for i, v in enumerate(z) if i != k)

    return best, max(parts, key=pull)
