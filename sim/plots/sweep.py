"""Sweep figures from a sweep folder (sweep.json + sweep.csv).

``sweep_figure``: a panel per metric, the metric against one swept parameter, the mean
over seeds with its 95% confidence band (Student t), one line per value of a second
parameter (or the single runs as faint dots when there is none), and with a threshold a
marker at every crossing of a mean line. ``heatmap_figure``: for a crossed 2-D grid, the
mean of each metric over the grid, a panel per metric.
"""

from __future__ import annotations

import math
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.plots import formats, style
from sim.study.grid import DURATION, FRACTION, show
from sim.study.stats import COUNTS, ci95, possible_range
from sim.study.store import FIRST, LAST, read_rows
from sim.study.sweep import TABLE, read_manifest

ANNOTATE_MAX = 12  # heatmaps with at most this many cells a side get their values written in


@dataclass
class SweepData:
    """A sweep folder's rows, split into runs that worked and a count of those that failed."""

    experiment: str
    params: list[str]
    units: dict[str, str | None]
    zipped: bool
    rows: list[dict[str, str]]
    failed: int
    metrics: list[str]

    def values(self, key: str) -> list:
        """The distinct values of a parameter, in first-seen order, as numbers when they are."""
        return list(dict.fromkeys(_number(r[key]) for r in self.rows))


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def load_sweep(folder: Path) -> SweepData:
    manifest = read_manifest(folder)
    header, rows = read_rows(Path(folder) / TABLE)
    ok = [r for r in rows if not r["error"]]
    skip = {*FIRST, *LAST, *manifest.params}
    return SweepData(
        manifest.experiment,
        manifest.params,
        manifest.units,
        manifest.zip,
        ok,
        len(rows) - len(ok),
        [c for c in header if c not in skip],
    )


def metric_unit(name: str) -> str:
    if name.startswith(("peak_price", "final_price")):
        return formats.PRICE_UNIT
    money = ("insurance_fund_change", "vault_change", "bad_debt")
    if name.endswith(("min_mark", "max_mark")) or name.startswith(("min_price", "max_price")):
        return formats.PRICE_UNIT
    if "notional" in name or name.startswith("forced_flow.") or name.endswith(money):
        return formats.NOTIONAL_UNIT
    if name.endswith("_s"):
        return "s"
    if name == "amplification" or name.startswith("amplification_by_channel."):
        return "×"
    if name in COUNTS or name.endswith((".processed", ".max_queue", ".count", "liquidation_attempts")):
        return "count"
    if name.startswith("playbook.") and ("yield" in name or "funding." in name or name.endswith("_vol")):
        return "fraction a year"  # seed 004's rates: 0.1 = 10% a year
    return ""


def metric_label(name: str) -> str:
    unit = metric_unit(name)
    return formats.label(name, unit) if unit else name


class Scale:
    """How a parameter is drawn: durations in ms or s, fractions in %, other numbers as they are;
    text values at positions 0, 1, 2, ... with their text as tick labels."""

    def __init__(self, key: str, unit: str | None, values: list) -> None:
        self.key, self.unit = key, unit
        self.numeric = all(isinstance(v, float) for v in values)
        self.categories = [] if self.numeric else [str(v) for v in values]
        top = max((abs(v) for v in values), default=0.0) if self.numeric else 0.0
        self.factor, suffix = 1.0, ""
        if unit == DURATION:
            self.factor, suffix = (1000.0, "ms") if top < 1 else (1.0, "s")
        elif unit == FRACTION:
            self.factor, suffix = 100.0, "%"
        self.label = formats.label(key, suffix) if suffix else key

    def __call__(self, value) -> float:
        return value * self.factor if self.numeric else float(self.categories.index(str(value)))

    def ticks(self, ax: Axes, axis: str = "x") -> None:
        if not self.numeric:
            positions = range(len(self.categories))
            getattr(ax, f"set_{axis}ticks")(positions, self.categories)


def _groups(data: SweepData, keys: list[str], metric: str) -> dict[tuple, np.ndarray]:
    """Per combination of ``keys``' values, the metric over every run with those values."""
    groups: dict[tuple, list[float]] = defaultdict(list)
    for r in data.rows:
        text = r.get(metric, "")
        groups[tuple(_number(r[k]) for k in keys)].append(float(text) if text else math.nan)
    return {k: np.asarray(v, dtype=float) for k, v in groups.items()}


def _subtitle(data: SweepData, x: str, by: str | None) -> str:
    seeds = {len(v) for v in _groups(data, data.params, data.metrics[0]).values()} if data.rows else {0}
    n = f"{min(seeds)}–{max(seeds)}" if len(seeds) > 1 else f"{seeds.pop()}"
    others = [p for p in data.params if p not in (x, by)]
    text = f"mean and 95% confidence band (within the metric's possible range) over {n} seeds per point"
    text += f" · {len(data.rows):,} runs"
    if data.failed:
        text += f" · {data.failed} failed (not shown)"
    if others and not data.zipped:
        text += f" · pooled over {', '.join(others)}"
    return text


def sweep_figure(
    data: SweepData, metrics: list[str], x: str, by: str | None = None, threshold: float | None = None
) -> Figure:
    """The metric(s) against ``x`` (see the module docstring), not yet saved; ``threshold`` is drawn
    as a dashed line on the first metric's panel."""
    fig = style.new_figure((11.0, 3.2 + 2.6 * len(metrics)))
    axes = fig.subplots(len(metrics), 1, sharex=True, squeeze=False)[:, 0]
    what = " and ".join(metrics) if len(metrics) <= 2 else f"{len(metrics)} metrics"
    style.set_titles(fig, axes[0], f"{data.experiment}: {what} vs {x}", _subtitle(data, x, by))
    xs = Scale(x, data.units.get(x), data.values(x))
    series = data.values(by) if by else [None]
    bys = Scale(by, data.units.get(by), series) if by else None
    colors = colormaps["viridis"](np.linspace(0.0, 0.85, len(series))) if by else ["#1f77b4"]
    for i, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        groups = _groups(data, [x, by] if by else [x], metric)
        if not data.rows:
            style.no_data(ax, "no successful runs")
        bound = possible_range(metric, data.rows)
        for value, color in zip(series, colors, strict=True):
            _draw_series(ax, groups, xs, value, color, bys, single=by is None, bound=bound)
        if threshold is not None and i == 0:
            ax.axhline(threshold, color="#d62728", ls="--", lw=1.2, label=f"threshold {threshold:g}")
            _mark_crossings(ax, groups, xs, series, threshold)
        _fit_to_runs(ax, groups, threshold if i == 0 else None, single=by is None)
        ax.set_ylabel(metric_label(metric))
        ax.yaxis.set_major_formatter(style.Thousands())
        ax.grid(True, color="#e5e5e5", lw=0.6)
        if i == 0 and ax.get_legend_handles_labels()[0]:
            ax.legend(
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                borderaxespad=0.0,
                fontsize=8,
                frameon=False,
                title=by,  # the entries carry their units
                title_fontsize=8,
            )
    axes[-1].set_xlabel(xs.label)
    xs.ticks(axes[-1])
    paired = [p for p in data.params if p != x] if data.zipped else []
    if paired and xs.numeric:
        _paired_ticks(axes[-1], data, xs, paired)
    return fig


def _paired_ticks(ax: Axes, data: SweepData, xs: Scale, paired: list[str]) -> None:
    """On a zipped sweep, label each x tick with the values swept with it, a line per parameter."""
    scales = [Scale(p, data.units.get(p), data.values(p)) for p in paired]
    partner = {_number(r[xs.key]): [_number(r[p]) for p in paired] for r in data.rows}
    xv = sorted(partner)
    step = max(1, math.ceil(len(xv) / 12))
    shown = xv[::step]
    labels = [
        "\n".join(f"{s(v):.4g}" if s.numeric else str(v) for s, v in zip([xs, *scales], [x, *partner[x]], strict=True))
        for x in shown
    ]
    ax.set_xticks([xs(x) for x in shown], labels)
    ax.set_xlabel("\n".join([xs.label, *(f"with {s.label}" for s in scales)]))


def _fit_to_runs(ax: Axes, groups: dict, threshold: float | None, single: bool) -> None:
    """Scale the y axis to what the runs span, not to the bands: with few seeds a 95% band is
    many times wider than the runs themselves and would flatten them (it runs off the axes).
    The means, and the single runs when they are drawn, are always inside."""
    runs = np.concatenate([np.asarray(v, dtype=float) for v in groups.values()] or [np.array([])])
    runs = runs[np.isfinite(runs)]
    if not len(runs):
        return
    stats = np.array([ci95(v) for v in groups.values()])
    stats = stats[np.isfinite(stats[:, 0])]
    shown = np.concatenate((runs, stats[:, 0])) if single else stats[:, 0]
    bands = np.clip(np.concatenate((stats[:, 0] - stats[:, 1], stats[:, 0] + stats[:, 1])), runs.min(), runs.max())
    values = np.concatenate((shown, bands, [] if threshold is None else [threshold]))
    low, high = float(values.min()), float(values.max())
    pad = 0.1 * (high - low) or 0.05 * max(abs(high), 1.0)
    ax.set_ylim(low - pad, high + pad)


def crossings_of(px: np.ndarray, means: np.ndarray, threshold: float) -> list[float]:
    """Where the line through (px, means) crosses ``threshold`` (``>=`` is above), interpolated,
    between every pair of neighbouring points on opposite sides."""
    out = []
    for (x0, y0), (x1, y1) in zip(zip(px, means, strict=True), zip(px[1:], means[1:], strict=True), strict=False):
        if np.isfinite(y0) and np.isfinite(y1) and (y0 >= threshold) != (y1 >= threshold):
            out.append(float(x0 + (threshold - y0) * (x1 - x0) / (y1 - y0)))
    return out


def _mark_crossings(ax: Axes, groups: dict, xs: Scale, series: list, threshold: float) -> None:
    """A marker on the threshold line wherever a series' mean crosses it (each crossing, not one)."""
    if not xs.numeric:
        return
    found = []
    for value in series:
        keys = sorted((k for k in groups if value is None or k[1] == value), key=lambda k: xs(k[0]))
        px = np.array([xs(k[0]) for k in keys])
        found += crossings_of(px, np.array([ci95(groups[k])[0] for k in keys]), threshold)
    if found:
        ax.plot(found, [threshold] * len(found), "v", color="#d62728", ms=7, zorder=5, lw=0, label="mean crosses")


def _draw_series(
    ax: Axes,
    groups: dict,
    xs: Scale,
    value,
    color,
    bys: Scale | None,
    single: bool,
    bound: tuple[float, float] = (-math.inf, math.inf),
) -> None:
    """One line: mean ± 95% CI against x for the runs whose ``by`` value is ``value``, the band
    clipped to ``bound`` (the metric's possible range)."""
    keys = sorted((k for k in groups if value is None or k[1] == value), key=lambda k: xs(k[0]))
    if not keys:
        return
    px = np.array([xs(k[0]) for k in keys])
    stats = np.array([ci95(groups[k]) for k in keys])
    label = "mean" if bys is None else show(value, bys.unit) if bys.numeric else str(value)
    if single:
        for xv, k in zip(px, keys, strict=True):
            runs = groups[k]
            ax.scatter(np.full(len(runs), xv), runs, s=9, color="#7f7f7f", alpha=0.35, lw=0, zorder=2)
        ax.scatter([], [], s=9, color="#7f7f7f", alpha=0.6, lw=0, label="single runs")
    ax.fill_between(
        px,
        np.clip(stats[:, 0] - stats[:, 1], *bound),
        np.clip(stats[:, 0] + stats[:, 1], *bound),
        color=color,
        alpha=0.2 if single else 0.12,
        lw=0,
        label="95% confidence band" if single else None,
    )
    ax.plot(px, stats[:, 0], color=color, lw=1.8, marker="o", ms=3.5, label=label, zorder=3)


def heatmap_figure(data: SweepData, metrics: list[str], x: str, y: str) -> Figure:
    """The mean of each metric over a crossed 2-D grid, a panel per metric."""
    width = 5.8 * len(metrics) + 1.0
    fig = style.new_figure((width, 5.6))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    title = f"{data.experiment}: mean over seeds on the {x} × {y} grid"
    fig.suptitle(textwrap.fill(title, width=int(width * 7)), fontsize=14, fontweight="bold")
    xv = sorted(data.values(x), key=str) if not _numeric(data.values(x)) else sorted(data.values(x))
    yv = sorted(data.values(y), key=str) if not _numeric(data.values(y)) else sorted(data.values(y))
    xs, ys = Scale(x, data.units.get(x), xv), Scale(y, data.units.get(y), yv)
    for ax, metric in zip(axes, metrics, strict=True):
        groups = _groups(data, [x, y], metric)
        grid = np.full((len(yv), len(xv)), math.nan)
        for (a, b), runs in groups.items():
            grid[yv.index(b), xv.index(a)] = ci95(runs)[0]
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", interpolation="nearest")
        bar = fig.colorbar(image, ax=ax, shrink=0.9)
        bar.ax.set_title(metric_unit(metric) or "value", fontsize=9)  # the panel's title names the metric
        ax.set_title(metric, fontsize=10)
        _grid_ticks(ax.set_xticks, xv, xs)
        _grid_ticks(ax.set_yticks, yv, ys)
        ax.set_xlabel(xs.label)
        ax.set_ylabel(ys.label)
        if len(xv) <= ANNOTATE_MAX and len(yv) <= ANNOTATE_MAX:
            _annotate(ax, grid, image)
    return fig


def _numeric(values: list) -> bool:
    return all(isinstance(v, float) for v in values)


def _grid_ticks(set_ticks, values: list, scale: Scale) -> None:
    step = max(1, math.ceil(len(values) / 12))
    idx = range(0, len(values), step)
    labels = [f"{scale(values[i]):.4g}" if scale.numeric else str(values[i]) for i in idx]
    set_ticks(list(idx), labels)


def _annotate(ax: Axes, grid: np.ndarray, image) -> None:
    """Write each cell's value, dark on light cells and light on dark ones (by perceived luminance)."""
    for (i, j), v in np.ndenumerate(grid):
        if np.isfinite(v):
            r, g, b = image.cmap(image.norm(v))[:3]
            light = 0.299 * r + 0.587 * g + 0.114 * b > 0.5
            ax.text(j, i, f"{v:.4g}", ha="center", va="center", fontsize=8, color="black" if light else "white")


def default_metrics(data: SweepData) -> list[str]:
    """A spot venue's peak price and the liquidation count, when the sweep has them."""
    peak = next((m for m in data.metrics if m.startswith("peak_price.")), None)
    chosen = [m for m in (peak, "liquidations") if m in data.metrics]
    return chosen or data.metrics[:1]


def plot_sweep(
    folder: Path,
    out: Path | None = None,
    metrics: list[str] = (),
    x: str | None = None,
    by: str | None = None,
    threshold: float | None = None,
) -> list[Path]:
    """Write the sweep figure (and the heatmap for a crossed 2-D grid); returns the paths."""
    data = load_sweep(folder)
    metrics = list(metrics) or default_metrics(data)
    x = x or data.params[0]
    if by is None and not data.zipped:
        by = next((p for p in data.params if p != x), None)
    out = Path(out) if out else Path(folder) / "sweep.png"
    paths = [style.save(sweep_figure(data, metrics, x, by, threshold), out)]
    if len(data.params) == 2 and not data.zipped and by:
        paths.append(style.save(heatmap_figure(data, metrics, x, by), out.with_name(out.stem + "-heatmap.png")))
    return paths
