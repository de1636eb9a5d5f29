"""Several runs overlaid: spot prices above, cumulative liquidated notional below.

Each run is labelled by what differs between the runs' configs (``run_labels``), e.g.
``link.hedge.latency=300ms``, so a sweep over one parameter reads at a glance.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.waves import cascade_direction
from sim.core.config import Config, Latency
from sim.core.trace import Kind, TraceTable
from sim.core.units import format_duration
from sim.plots import formats, style, timeaxis

COMPARE_SIZE = (12.0, 7.0)
LONG_LABEL = 60  # labels longer than this get their run's figures on a second legend line
MAX_LABEL_KEYS = 3  # differing keys named in a label before "+N more"
IGNORED_KEYS = frozenset({"experiment.description"})
RUN_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
VENUE_LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))  # one per spot venue name
LINE_WIDTH = (1.0, 3.5)  # of the last and the first run


@dataclasses.dataclass(frozen=True)
class Run:
    """One run to overlay: its trace, node kinds and label."""

    trace: TraceTable
    nodes: dict[str, str]
    label: str


def _leaves(obj: object, key: str = "", unit: str | None = None) -> dict[str, str]:
    """Every value of a config by dotted key, as text (durations with units, a link's
    latency model as one value)."""
    if isinstance(obj, Latency):
        return {key: format_duration(obj.value) if obj.model == "constant" else obj.describe()}
    if dataclasses.is_dataclass(obj):
        out: dict[str, str] = {}
        for f in dataclasses.fields(obj):
            out.update(_leaves(getattr(obj, f.name), f"{key}.{f.name}".lstrip("."), f.metadata.get("unit")))
        return out
    if isinstance(obj, dict):
        return {k: v for name, value in obj.items() for k, v in _leaves(value, f"{key}.{name}", unit).items()}
    if unit == "duration" and isinstance(obj, float):
        return {key: format_duration(obj)}
    if obj is None:
        return {key: "unset"}
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 1e15:
        return {key: f"{int(obj):,}"}
    if isinstance(obj, float):
        return {key: f"{obj:g}"}
    return {key: str(obj)}


def run_labels(configs: list[Config], names: list[str]) -> list[str]:
    """A label per run naming the config values that differ between the runs (``names``, e.g.
    folder names, when none do); runs of different experiments that differ in more than
    MAX_LABEL_KEYS values are labelled by experiment and seed (their other differences are
    the whole worlds, not a parameter)."""
    leaves = [_leaves(c) for c in configs]
    keys = list(dict.fromkeys(k for leaf in leaves for k in leaf))
    differing = [k for k in keys if k not in IGNORED_KEYS and len({leaf.get(k) for leaf in leaves}) > 1]
    if not differing:
        return list(names)
    if "experiment.name" in differing and len(differing) > MAX_LABEL_KEYS:
        return [f"{leaf['experiment.name']} (seed {leaf['experiment.seed']})" for leaf in leaves]
    shown, more = differing[:MAX_LABEL_KEYS], len(differing) - MAX_LABEL_KEYS
    suffix = f" (+{more} more)" if more > 0 else ""
    return [", ".join(f"{k}={leaf.get(k, 'absent')}" for k in shown) + suffix for leaf in leaves]


def _span(runs: list[Run]) -> tuple[float, float, bool]:
    """x range: first ignition to last liquidation over all runs, padded (else everything);
    True when that crops."""
    ts = [r.trace.t for r in runs if len(r.trace)]
    lo, hi = (min(t.min() for t in ts), max(t.max() for t in ts)) if ts else (0.0, 1.0)
    ign = [r.trace.t[r.trace.where(Kind.IGNITE)] for r in runs]
    liq = [r.trace.t[r.trace.where(Kind.LIQUIDATION)] for r in runs]
    if not any(len(t) for t in liq):
        return float(lo), float(hi), False
    start = min((t.min() for t in ign if len(t)), default=lo)
    end = max(t.max() for t in liq if len(t))
    span = max(end - start, 1e-9)
    x0, x1 = max(lo, start - 0.05 * span), min(hi, end + 0.15 * span)
    return float(x0), float(x1), (x0, x1) != (lo, hi)


def _width(i: int, n: int) -> float:
    """Line width of the ``i``-th of ``n`` runs: the first widest, so identical paths stay
    visible as stacked bands."""
    lo, hi = LINE_WIDTH
    return hi - (hi - lo) * i / max(n - 1, 1)


def _draw_spot(
    ax: Axes, run: Run, x0: float, x1: float, styles: dict[str, object], **line
) -> tuple[float, float, float]:
    """Spot last price per spot venue (line style by venue name, ``styles``); returns the lowest
    and highest price shown in [x0, x1] (with the one held at x0) and the run's extreme in its
    cascade's direction: the peak in a squeeze, the trough in a crash."""
    table, lo, hi = run.trace, np.inf, -np.inf
    squeeze = cascade_direction(table) == 1
    extreme = -np.inf if squeeze else np.inf
    spots = [n for n, k in run.nodes.items() if k == "spot"]
    for venue in spots:
        m = table.where(Kind.TRADE, venue) & np.isfinite(table.price)
        t, p = table.t[m], table.price[m]
        if not len(t):
            continue
        ax.plot(t, p, drawstyle="steps-post", ls=styles[venue], label=venue, **line)
        seen = np.concatenate([p[t < x0][-1:], p[(t >= x0) & (t <= x1)]])
        lo, hi = min(lo, seen.min(initial=np.inf)), max(hi, seen.max(initial=-np.inf))
        extreme = max(extreme, p.max()) if squeeze else min(extreme, p.min())
    return lo, hi, extreme


def _draw_liquidated(ax: Axes, run: Run, x0: float, x1: float, unit: str = formats.TIME_UNIT, **line) -> str:
    """Cumulative liquidated notional over all perp venues and sides; returns a summary."""
    table = run.trace
    liq = table.where(Kind.LIQUIDATION)
    cum = np.cumsum(np.nan_to_num(table.notional[liq], nan=0.0))
    total = float(cum[-1]) if len(cum) else 0.0
    ax.plot(
        np.concatenate([[x0], table.t[liq], [x1]]),
        np.concatenate([[0.0], cum, [total]]),
        drawstyle="steps-post",
        **line,
    )
    if not len(cum):
        return "no liquidations"
    return f"{formats.usd_short(total)} liquidated, the last at {formats.time_at(table.t[liq][-1], unit)}"


def compare_figure(runs: list[Run], title: str) -> Figure:
    """Spot last price per venue (line style) and run (colour) above; each run's cumulative
    liquidated notional (all perp venues and sides) below; one legend entry per run."""
    fig = style.new_figure(COMPARE_SIZE)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    top.set_ylabel(formats.label("spot last price", formats.PRICE_UNIT))
    bottom.set_ylabel(formats.label("cumulative liquidated\nnotional", formats.NOTIONAL_UNIT))
    x0, x1, cropped = _span(runs)
    unit = timeaxis.set_time_axis(bottom, x1 - x0)
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(style.Thousands())
        ax.grid(True, color="#e5e5e5", lw=0.6)
    lo, hi, handles = np.inf, -np.inf, []
    venues = list(dict.fromkeys(venue for run in runs for venue, kind in run.nodes.items() if kind == "spot"))
    styles = {venue: VENUE_LINESTYLES[j % len(VENUE_LINESTYLES)] for j, venue in enumerate(venues)}
    for i, run in enumerate(runs):
        line = {"color": RUN_COLORS[i % len(RUN_COLORS)], "lw": _width(i, len(runs))}
        low, high, extreme = _draw_spot(top, run, x0, x1, styles, **line)
        lo, hi = min(lo, low), max(hi, high)
        summary = _draw_liquidated(bottom, run, x0, x1, unit, **line)
        word = "peak" if cascade_direction(run.trace) == 1 else "lowest"
        spot = f"{word} spot {extreme:,.4g}, " if np.isfinite(extreme) else ""
        sep = "\n    " if len(run.label) > LONG_LABEL else "  "
        handles.append(Line2D([], [], **line, label=f"{run.label}{sep}({spot}{summary})"))
    top.set_xlim(x0, x1)
    bottom.set_ylim(bottom=0.0)
    if np.isfinite(lo) and np.isfinite(hi):
        pad = 0.05 * (hi - lo) if hi > lo else 0.01 * abs(hi) + 1e-9
        top.set_ylim(lo - pad, hi + pad)
    else:
        style.no_data(top, "no spot trades")
    if len(venues) > 1:  # the venues' line styles
        handles_venues = [Line2D([], [], color=style.MUTED, ls=styles[v]) for v in venues]
        top.legend(handles_venues, venues, loc="upper left", fontsize=8, title="spot venue", title_fontsize=8)
    fig.legend(handles=handles, loc="outside lower center", fontsize=9, frameon=False)
    note = f"{len(runs)} runs, labelled by what differs between their configs"
    if cropped:
        note += f" · zoomed to {formats.time_range(x0, x1, unit)} (first ignition to last liquidation)"
    style.set_titles(fig, top, title, note)
    return fig


def plot_compare(runs: list[Run], path: Path, title: str) -> Path:
    """Write the comparison figure to ``path`` (PNG, COMPARE_SIZE at style.DPI) and return it."""
    return style.save(compare_figure(runs, title), path)
