"""Train the wording tie-breaker for the critical-path reader, offline, in plain Python.

    uv run python -m bench.train_wording [--out bot/coaching/critical_wording.json]

A three-class logistic regression (keep / hand_off / depends) over the words and word pairs
of the tuning corpus (`prompts/critical_path/corpus.yaml` only: never the held-out files).
The reader asks it only when the essay's rule found no deciding fact, and takes its answer
only when it is confident (see `bot/coaching/critical_wording.py`). Deterministic: the same
corpus gives the same weights.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

from bench.critical_path import load
from bot.coaching.critical_wording import LABELS, features

CORPUS = Path("prompts/critical_path/corpus.yaml")
OUT = Path("bot/coaching/critical_wording.json")
EPOCHS = 30
RATE = 0.3
L2 = 1e-3
MIN_COUNT = 2  # a feature seen in fewer tasks than this is noise
SEED = 13
KEEP_WEIGHT = 0.005  # weights smaller than this are dropped from the shipped file


def train(cases: list[tuple[str, str]]) -> tuple[dict[str, list[float]], list[float]]:
    counts = Counter(f for text, _ in cases for f in features(text))
    vocab = {f for f, n in counts.items() if n >= MIN_COUNT}
    weights: dict[str, list[float]] = {f: [0.0] * len(LABELS) for f in sorted(vocab)}
    bias = [0.0] * len(LABELS)
    data = [(sorted(f for f in features(t) if f in vocab), LABELS.index(y)) for t, y in cases]
    rnd = random.Random(SEED)
    for _ in range(EPOCHS):
        rnd.shuffle(data)
        for feats, label in data:
            z = [bias[k] + sum(weights[f][k] for f in feats) for k in range(len(LABELS))]
            top = max(z)
            e = [math.exp(v - top) for v in z]
            total = sum(e)
            for k in range(len(LABELS)):
                grad = e[k] / total - (1.0 if k == label else 0.0)
                bias[k] -= RATE * grad
                for f in feats:
                    weights[f][k] -= RATE * (grad + L2 * weights[f][k])
    return weights, bias


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    cases: list[tuple[str, str]] = [(c.text, c.verdict) for c in load(CORPUS)]
    weights, bias = train(cases)
    kept = {
        f: [round(v, 4) for v in w]
        for f, w in weights.items()
        if max(abs(v) for v in w) >= KEEP_WEIGHT
    }
    data = {
        "about": "critical-path wording tie-breaker; regenerate with: "
        "uv run python -m bench.train_wording",
        "trained_on": str(CORPUS),
        "tasks": len(cases),
        "labels": list(LABELS),
        "bias": [round(v, 4) for v in bias],
        "weights": kept,
    }
    args.out.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"{len(cases)} tasks, {len(kept)} features → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
