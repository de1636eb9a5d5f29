"""Where ``make bench`` writes its figures: results/ unless asked to update the tracked RESULTS.md."""

from __future__ import annotations

from pathlib import Path

from benchmarks.run_all import RESULTS, destination


def test_figures_go_under_results_unless_asked_to_update():
    assert destination(update=False) == Path("results/benchmarks/RESULTS.md")
    assert destination(update=True) == RESULTS == Path(__file__).parents[2] / "benchmarks" / "RESULTS.md"
