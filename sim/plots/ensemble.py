"""The figure of an ensemble (``perpsim run NAME --seeds N``): every seed's price path as a fan
with its median, and the distribution of the key metrics over the seeds.

Top, a panel per spot venue (at most MAX_VENUES): each seed's last traded price as a thin
grey line, the 5–95% and 25–75% bands across seeds at each time, and the median. Bottom, a
panel per metric of the summary line (at most MAX_METRICS, those that vary first): each
seed as a dot, the mean with its 95% confidence interval, and the median.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.plots import formats, style
from sim.plots.sweep import metric_label
from sim.plots.timeaxis import set_time_axis
from sim.study.ensemble import Ensemble, show_value, span

MAX_VENUES, MAX_METRICS = 3, 4
FAN = "#1f77b4"
MEAN, MEDIAN = "#d62728", "#2ca02c"


def ensemble_figure(ensemble: Ensemble) -> Figure:
    """The figure (see the module docstring), not yet saved."""
    venues = list(dict.fromkeys(v for m in ensemble.members for v in m.prices))[:MAX_VENUES]
    metrics = _shown_metrics(ensemble)
    fig = style.new_figure((12.0, 1.2 + 3.4 * max(len(venues), 1) + (3.4 if metrics else 0.0)))
    rows = [3.4] * max(len(venues), 1) + ([3.4] if metrics else [])
    grid = fig.add_gridspec(len(rows), max(len(metrics), 1), height_ratios=rows)
    fans = [fig.add_subplot(grid[i, :]) for i in range(max(len(venues), 1))]
    for ax in fans[1:]:
        ax.sharex(fans[0])
    style.set_titles(
        fig,
        fans[0],
        f"{ensemble.title}: {len(ensemble.members)} seeds",
        f"seeds {ensemble.seeds[0]}–{ensemble.seeds[-1]} · price: every seed, the 5–95% and 25–75% bands "
        "across seeds, the median · metrics: a dot per seed, the mean with its 95% confidence interval",
    )
    if not venues:
        style.no_data(fans[0], "no spot venue")
    for ax, venue in zip(fans, venues, strict=False):
        _fan(ax, ensemble, venue)
    set_time_axis(fans[-1], ensemble.duration)
    for i, name in enumerate(metrics):
        _distribution(fig.add_subplot(grid[len(rows) - 1, i]), ensemble, name, legend=i == len(metrics) - 1)
    return fig


def _fan(ax, ensemble: Ensemble, venue: str) -> None:
    t = ensemble.grid
    paths = np.array([m.prices[venue] for m in ensemble.members if venue in m.prices])
    for path in paths:
        ax.plot(t, path, color="#7f7f7f", lw=0.5, alpha=0.35, zorder=1)
    ax.plot([], [], color="#7f7f7f", lw=0.8, alpha=0.6, label="one seed")
    counted = np.isfinite(paths).any(axis=0)
    if counted.any():
        q = np.full((5, len(t)), np.nan)
        q[:, counted] = np.nanpercentile(paths[:, counted], [5, 25, 50, 75, 95], axis=0)
        ax.fill_between(t, q[0], q[4], color=FAN, alpha=0.15, lw=0, label="5–95% of seeds", zorder=2)
        ax.fill_between(t, q[1], q[3], color=FAN, alpha=0.3, lw=0, label="25–75% of seeds", zorder=2)
        ax.plot(t, q[2], color=FAN, lw=1.8, label="median", zorder=3)
    ax.set_ylabel(formats.label(f"{venue} last price", formats.PRICE_UNIT))
    ax.yaxis.set_major_formatter(style.Thousands())
    ax.grid(True, color="#e5e5e5", lw=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, frameon=False, title=venue)


def _distribution(ax, ensemble: Ensemble, name: str, legend: bool) -> None:
    values = np.array([float(m.metrics[name]) for m in ensemble.members if _given(m.metrics.get(name))])
    s = ensemble.spreads[name]
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(values))  # fixed: the figure is reproducible
    ax.scatter(jitter, values, s=14, color="#7f7f7f", alpha=0.7, lw=0, label="one seed", zorder=3)
    ax.axhspan(s.ci_low, s.ci_high, color=MEAN, alpha=0.15, lw=0, label="mean, 95% CI", zorder=1)
    ax.axhline(s.mean, color=MEAN, lw=1.5, zorder=2)
    ax.axhline(s.median, color=MEDIAN, lw=1.2, ls="--", label="median", zorder=2)
    ax.set_xlim(-0.6, 0.6)
    ax.set_xticks([])
    missing = f"\n({s.missing} seeds without)" if s.missing else ""
    ax.set_title(f"{name}\nmean {show_value(s.mean)} ({span(s.ci_low, s.ci_high)}){missing}", fontsize=9)
    ax.set_ylabel(metric_label(name), fontsize=8)
    ax.yaxis.set_major_formatter(style.Thousands())
    ax.grid(True, axis="y", color="#e5e5e5", lw=0.6)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8, frameon=False)


def _given(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _shown_metrics(ensemble: Ensemble) -> list[str]:
    """The metrics to draw (the chosen ones, or the key ones): those that vary over the seeds
    first, at most MAX_METRICS."""
    names = ensemble.shown()
    varied = [n for n in names if ensemble.spreads[n].min < ensemble.spreads[n].max]
    return (varied + [n for n in names if n not in varied])[:MAX_METRICS]


def plot_ensemble(ensemble: Ensemble, out: Path) -> Path:
    """Write the figure to ``out``; returns the path."""
    return style.save(ensemble_figure(ensemble), Path(out))
