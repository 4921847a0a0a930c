"""Accuracy of the critical-path reader (what `check` uses) on a held-out set of 24 labelled
tasks (`tests/data/critical_path_heldout.yaml`), written independently of the reader and its
corpus, and not used to tune them."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.coaching.critical.reader import read

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "critical_path_heldout.yaml"
REQUIRED_ACCURACY = 0.85


def test_heldout_accuracy() -> None:
    cases = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    assert len(cases) >= 20
    misses = []
    for case in cases:
        got = read(str(case["text"])).verdict
        if got != case["verdict"]:
            misses.append(f"{case['verdict']} → {got}: {case['text']}")
    accuracy = (len(cases) - len(misses)) / len(cases)
    print(f"\nheld-out accuracy: {len(cases) - len(misses)}/{len(cases)} = {accuracy:.3f}")
    for miss in misses:
        print("  miss:", miss)
    assert accuracy >= REQUIRED_ACCURACY, misses
