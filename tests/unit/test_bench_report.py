"""Republishing some of the benchmarks keeps the published figures of the others."""

from __future__ import annotations

from bench import report


def results_block(top: str, sections: dict[str, str]) -> str:
    body = "".join(f"### {n}. {title}\n\nfigures of {title}\n\n" for n, title in sections.items())
    return f"{report.START}\n{top}\n\n| Machine | |\n|---|---|\n\n{body}{report.END}\n"


def test_a_partial_run_replaces_its_sections_and_keeps_the_others() -> None:
    published = "# Benchmarks\n\nprose\n\n" + results_block(
        "Measured long ago.", {"1": "old acks", "2": "old fan-out", "3": "old idle"}
    )
    fresh = results_block("Measured today.", {"1": "new acks", "3": "new idle"})
    written = report.splice(published + "\nmore prose\n", fresh)
    assert written.startswith("# Benchmarks\n\nprose\n\n") and written.endswith("more prose\n")
    assert "Measured today. Section 2: not measured in this run" in written
    assert "Measured long ago." not in written
    assert "figures of new acks" in written and "figures of old acks" not in written
    assert "figures of old fan-out" in written  # not re-measured: kept
    assert written.index("### 1.") < written.index("### 2.") < written.index("### 3.")
    assert written.count(report.START) == 1 and written.count(report.END) == 1
