"""The figure of ``perpsim critical``: the scan with its confidence band, and every crossing marked.

The mean over seeds at every value evaluated (scan and bisection steps) with its 95% band
(clipped to the metric's possible range), the single runs as faint dots, the threshold, and a
vertical line at each crossing labelled with its estimate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.plots import style
from sim.plots.sweep import Scale, metric_label
from sim.study.critical import Scan
from sim.study.grid import show
from sim.study.search import Search
from sim.study.stats import ci95, possible_range

CROSSING = "#d62728"


def critical_figure(search: Search, scan: Scan, rows: list[dict[str, str]]) -> Figure:
    """The figure (see the module docstring) from the search, its result and its folder's rows."""
    seeds = search.study.seeds
    mine = [r for r in rows if not r["error"] and int(r["replicate"]) < seeds and r.get(search.metric, "") != ""]
    xs = sorted({float(r[search.param]) for r in mine})
    runs = {x: np.array([float(r[search.metric]) for r in mine if float(r[search.param]) == x]) for x in xs}
    scale = Scale(search.param, search.unit, [float(x) for x in xs])
    fig = style.new_figure((11.0, 5.6))
    ax = fig.subplots()
    arm = "" if search.arm is None else f" (arm {search.arm})"
    n = len(scan.brackets)
    shape = "" if scan.monotone else "\nnot monotone over the scan"
    if shape and search.clocks():
        shape += f": {search.clocks()}, and a {search.param} that moves an event across a publication moves the cascade"
    style.set_titles(
        fig,
        ax,
        f"{search.study.name}{arm}: where mean {search.metric} crosses {search.threshold:g}",
        f"mean and 95% confidence band over {seeds} seeds per value · {len(scan.points)} scanned + "
        f"{scan.evaluations - len(scan.points)} bisection values · {n} crossing{'s' * (n != 1)}{shape}",
    )
    if not xs:
        style.no_data(ax, "no successful runs")
        return fig
    px = np.array([scale(x) for x in xs])
    stats = np.array([ci95(runs[x]) for x in xs])
    for x in xs:
        ax.scatter(np.full(len(runs[x]), scale(x)), runs[x], s=8, color="#7f7f7f", alpha=0.3, lw=0, zorder=2)
    ax.scatter([], [], s=8, color="#7f7f7f", alpha=0.6, lw=0, label="single runs")
    low, high = possible_range(search.metric, mine)
    ax.fill_between(
        px,
        np.clip(stats[:, 0] - stats[:, 1], low, high),
        np.clip(stats[:, 0] + stats[:, 1], low, high),
        color="#1f77b4",
        alpha=0.2,
        lw=0,
        label="95% confidence band",
    )
    ax.plot(px, stats[:, 0], color="#1f77b4", lw=1.6, zorder=3, label="mean")
    scanned = {float(x) for x, _ in scan.points}
    at_scan = [i for i, x in enumerate(xs) if x in scanned]
    ax.plot(px[at_scan], stats[at_scan, 0], "o", color="#1f77b4", ms=4, zorder=4, label="scan")
    others = [i for i in range(len(xs)) if i not in set(at_scan)]
    if others:
        ax.plot(px[others], stats[others, 0], "D", color="#ff7f0e", ms=3.5, zorder=4, label="bisection steps")
    ax.axhline(search.threshold, color=CROSSING, ls="--", lw=1.2, label=f"threshold {search.threshold:g}")
    for b in scan.brackets:
        ax.axvline(scale(b.estimate), color=CROSSING, ls=":", lw=1.2, zorder=1)
        ax.annotate(
            f"≈ {show(b.estimate, search.unit)}",
            (scale(b.estimate), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=8,
            color=CROSSING,
        )
    ax.plot([], [], ls=":", color=CROSSING, label="crossing (estimate)")
    ax.set_xlabel(scale.label)
    ax.set_ylabel(metric_label(search.metric))
    ax.yaxis.set_major_formatter(style.Thousands())
    ax.grid(True, color="#e5e5e5", lw=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, frameon=False)
    return fig


def plot_critical(search: Search, scan: Scan, out: Path | None = None) -> Path:
    """Write the figure to ``out`` (default: critical.png in the search's folder); returns the path."""
    from sim.study.store import read_rows

    rows = read_rows(search.out / "sweep.csv")[1]
    return style.save(critical_figure(search, scan, rows), Path(out) if out else search.out / "critical.png")
