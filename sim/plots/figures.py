"""The figures a results folder gets: the hook the study layer calls to draw its PNGs.

The study layer (sim/study/output.py, sim/study/ensemble.py) writes folders but does not know
matplotlib; whoever asks for plots (the commands, sim/api.py) hands it ``FIGURES``. Each function
imports its plotting module when it is called, so matplotlib loads only when a plot is drawn.
"""

from __future__ import annotations

from pathlib import Path

from sim.engine.world import RunResult
from sim.study.ensemble import Ensemble
from sim.study.output import Figures


def draw_run(result: RunResult, folder: Path) -> None:
    """A run's prices.png and timeline.png."""
    from sim.plots.prices import plot_prices
    from sim.plots.timeline import plot_timeline

    title = f"{result.config.experiment.name} (seed {result.config.experiment.seed})"
    plot_prices(result.trace, result.nodes, folder / "prices.png", f"{title}: prices and liquidations")
    plot_timeline(result.trace, result.nodes, folder / "timeline.png", f"{title}: propagation timeline")


def draw_arms(results: dict[str, RunResult], comparison: dict[str, dict], path: Path) -> None:
    """comparison.png: the arms of one experiment side by side."""
    from sim.plots.side_by_side import plot_arm_comparison

    first = next(iter(results.values())).config.experiment
    title = f"{first.name.split(':')[0]} (seed {first.seed}): arms side by side"
    plot_arm_comparison({name: (r.trace, comparison[name]) for name, r in results.items()}, path, title)


def draw_ensemble(ensemble: Ensemble, path: Path) -> None:
    """ensemble.png: every seed's price path as a fan, with the key metrics' spread."""
    from sim.plots.ensemble import plot_ensemble

    plot_ensemble(ensemble, path)


FIGURES = Figures(run=draw_run, arms=draw_arms, ensemble=draw_ensemble)
