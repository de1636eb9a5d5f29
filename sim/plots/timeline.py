"""Propagation timeline: prices above, a lane per node in the middle, cumulative
liquidations below, on one time axis.

Within a lane each record kind has its own sub-row, so e.g. a perp venue's orders, trades,
fills, marks and liquidations stay apart. Lines join a record to its cause when the cause
happened at another node; they run forward in time (left to right). Records are
aggregated per sub-row and time bin (a liquidation marker's area is the bin's notional),
and cause lines per pair of sub-rows and time bins (a bundle's width grows with its
count), so a dense run draws a few thousand artists, not one per record. Steady flows (a
pair of sub-rows with cause lines in most time bins, e.g. noise orders or index updates
over a long run) are thinned to STEADY_BINS faint lines across the axis, so they do not
wall off the lanes. The time axis reads in s, min or h by the span shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.causes import waves
from sim.core.trace import Kind, TraceTable
from sim.plots import formats, style, timeaxis
from sim.plots.prices import draw_cumulative, draw_prices

LANE_GROUPS = {"igniter": 0, "noise": 0, "spot": 1, "index": 2, "perp": 3, "market_maker": 4}
OTHER_GROUP = 5
SUBROW_SPREAD = 0.36  # sub-rows of a lane span lane ± this
FOCUS_MIN_RECORDS = 2000  # traces at least this long are cropped to where the action is
TIME_BINS = 600  # markers are aggregated per 1/TIME_BINS of the time axis
LINE_BINS = 80  # cause lines per 1/LINE_BINS: bundles of one pair of sub-rows stay apart, not a solid wash
MARKER_SIZE = 18.0  # pt²
FREQUENT_SIZE = 5.0  # for FREQUENT_KINDS with more than FREQUENT_MIN records in view
FREQUENT_MIN = 300
LIQ_SIZE = (25.0, 400.0)
BUNDLE_WIDTH = (0.6, 2.8)  # line width (pt) of a single cause line and of the largest bundle
BUNDLE_ALPHA = (0.25, 0.75)  # opacity of the same
CHAIN_ARROW_COLOR = "#54278f"
OTHER_ARROW_COLOR = "#8c8c8c"
BUNDLE_LEGEND_COLOR = "#b0b0b0"
# (node kind, record kind) drawn as price lines
PRICE_SERIES = (("spot", Kind.TRADE), ("index", Kind.INDEX), ("perp", Kind.MARK), ("perp", Kind.TRADE))
WAVE_LABEL_GAP = 0.025  # fraction of the time axis between two wave labels
MAX_WAVE_LINES = 30
STEADY_FILL = 0.5  # a pair of sub-rows with cause lines in more than this share of time bins...
STEADY_BINS = 48  # ...is drawn as one faint line per 1/STEADY_BINS of the time axis
STEADY_ALPHA = 0.3
STEADY_SIZE = (4.0, 40.0)  # marker area (pt²) of a steady sub-row's fewest and most records per marker
SUBTITLE_WIDTH = 150  # characters of the subtitle on one line
HEADROOM = 1.2  # the cumulative panel's top, as a multiple of its highest value (room for wave labels)


def _lanes(table: TraceTable, nodes: dict[str, str]) -> list[tuple[str, str]]:
    """(name, kind) per lane, top to bottom: igniter/noise, spot, index, perp, market makers,
    others; nodes in the trace but missing from ``nodes`` come last with kind "?"."""
    extra = sorted(set(table.node.tolist()) - nodes.keys())
    named = list(nodes.items()) + [(name, "?") for name in extra]
    return sorted(named, key=lambda nk: LANE_GROUPS.get(nk[1], OTHER_GROUP))


def _record_y(table: TraceTable, lanes: list[tuple[str, str]]) -> np.ndarray:
    """y of each record: its lane number plus the offset of its kind's sub-row in that lane."""
    if len(table) == 0:
        return np.zeros(0)
    lane_of = {name: i for i, (name, _) in enumerate(lanes)}
    node_u, node_inv = np.unique(table.node, return_inverse=True)
    lane = np.array([lane_of[n] for n in node_u])[node_inv]
    rank = {k: i for i, k in enumerate(style.RECORD_KINDS)}
    kind_u, kind_inv = np.unique(table.kind, return_inverse=True)
    order = sorted(range(len(kind_u)), key=lambda i: (rank.get(kind_u[i], len(rank)), kind_u[i]))
    kind_pos = np.empty(len(kind_u), dtype=np.int64)
    kind_pos[order] = np.arange(len(kind_u))
    keys, key_inv = np.unique(lane * len(kind_u) + kind_pos[kind_inv], return_inverse=True)
    key_lane = keys // len(kind_u)
    offsets = np.zeros(len(keys))
    for ln in np.unique(key_lane):
        at = np.flatnonzero(key_lane == ln)
        if len(at) > 1:
            offsets[at] = np.linspace(-SUBROW_SPREAD, SUBROW_SPREAD, len(at))
    return lane + offsets[key_inv]


def focus_window(table: TraceTable) -> tuple[float, float, str]:
    """x range and a note when cropped: dense traces show first ignition (else first
    exogenous record) to a little after the last liquidation."""
    lo, hi = float(table.t.min()), float(table.t.max())
    start, end = lo, hi
    if len(table) >= FOCUS_MIN_RECORDS:
        ignite = table.where(Kind.IGNITE)
        first = ignite if ignite.any() else table.cause < 0
        liq = table.where(Kind.LIQUIDATION)
        start = float(table.t[first].min()) if first.any() else lo
        end = float(table.t[liq].max()) if liq.any() else hi
        if end <= start:
            start, end = lo, hi
    span = end - start
    x0 = start - (0.02 * span if span > 0 else 0.5)
    x1 = end + (0.08 * span if span > 0 else 0.5)
    if (start, end) == (lo, hi):
        return x0, x1, ""
    what = ("first ignition" if table.where(Kind.IGNITE).any() else "first exogenous record") + (
        " to last liquidation" if table.where(Kind.LIQUIDATION).any() else " to end"
    )
    return x0, x1, f"zoomed to {formats.time_range(x0, x1, formats.time_unit(x1 - x0))} ({what})"


def _cause_rows(table: TraceTable) -> np.ndarray:
    """Row of each record's cause, -1 when exogenous or not an earlier row of this table
    (ids ascend, as in any trace or slice of one)."""
    rows = np.searchsorted(table.id, table.cause)
    found = (table.cause >= 0) & (rows < np.arange(len(table)))
    found[found] = table.id[rows[found]] == table.cause[found]
    return np.where(found, rows, -1)


def _liquidation_chains(cause: np.ndarray, is_liq: np.ndarray) -> np.ndarray:
    """Records that are liquidations, their ancestors or their descendants, given each
    record's cause row (-1 for none, else an earlier row). Pointer doubling: O(n log depth)."""
    n = len(cause)
    up = np.append(np.where(cause >= 0, cause, n), n)  # n: sentinel root
    below = np.append(is_liq, False)  # a liquidation among self and ancestors
    above = np.append(is_liq, False)  # a liquidation among self and descendants
    while (up[:n] < n).any():
        below |= below[up]
        above[up[above]] = True
        up = up[up]
    return (below | above)[:n]


def _time_bins(t: np.ndarray, x0: float, x1: float, bins: int) -> np.ndarray:
    """Bin number of each time, ``bins`` equal bins over [x0, x1] (clipped at the ends)."""
    return np.clip(((t - x0) / (x1 - x0) * bins).astype(np.int64), 0, bins - 1)


def _groups(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each element by equal ``keys`` (integer arrays), and group sizes."""
    _, inverse, counts = np.unique(np.column_stack(keys), axis=0, return_inverse=True, return_counts=True)
    return inverse.ravel(), counts


def _group_mean(values: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return np.bincount(group, weights=values, minlength=len(counts)) / counts


def bundles(
    t0: np.ndarray,
    y0: np.ndarray,
    t1: np.ndarray,
    y1: np.ndarray,
    x0: float,
    x1: float,
    budget: int,
    bins: int = TIME_BINS,
) -> tuple[np.ndarray, np.ndarray]:
    """Cause lines (t0, y0) → (t1, y1) bundled by equal sub-rows and time bins at both ends:
    line segments (k×2×2, at the bundles' mean times) and counts. Bins start at ``bins``
    and halve until there are at most ``budget`` bundles."""
    if len(t0) == 0:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
    rows = np.unique(np.concatenate([y0, y1]), return_inverse=True)[1].reshape(2, -1)
    while True:
        group, counts = _groups(rows[0], rows[1], _time_bins(t0, x0, x1, bins), _time_bins(t1, x0, x1, bins))
        if len(counts) <= budget or bins == 1:
            break
        bins //= 2
    start = np.column_stack([_group_mean(t0, group, counts), _group_mean(y0, group, counts)])
    end = np.column_stack([_group_mean(t1, group, counts), _group_mean(y1, group, counts)])
    return np.stack([start, end], axis=1), counts


def _draw_lanes(ax: Axes, lanes: list[tuple[str, str]]) -> None:
    """Alternating lane bands and "name (kind)" lane labels in the node's colour (as in the price panel)."""
    for i in range(0, len(lanes), 2):
        ax.axhspan(i - 0.5, i + 0.5, color="#f3f3f3", zorder=0, lw=0)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(
        [f"{name} ({'unknown kind' if kind == '?' else kind})" for name, kind in lanes],
        fontsize=9 if len(lanes) <= 20 else 7,
    )
    colors = style.node_colors({name: kind for name, kind in lanes if kind in style.NODE_KIND_COLORS})
    for tick, (name, _) in zip(ax.get_yticklabels(), lanes, strict=True):
        tick.set_color(colors.get(name, "black"))
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(True, axis="x", color="#e0e0e0", lw=0.6)


def _draw_events(ax: Axes, table: TraceTable, y: np.ndarray, visible: np.ndarray, x0: float, x1: float) -> list[Line2D]:
    """One scatter per record kind, one marker per sub-row and time bin; returns legend
    proxies in causal order."""
    rank = {k: i for i, k in enumerate(style.RECORD_KINDS)}
    kinds = sorted(set(table.kind[visible].tolist()), key=lambda k: (rank.get(k, len(rank)), k))
    rows = np.unique(y, return_inverse=True)[1]
    time_bin = _time_bins(table.t, x0, x1, TIME_BINS)
    coarse = _time_bins(table.t, x0, x1, STEADY_BINS)
    handles = []
    steady_kinds = 0
    for kind in kinds:
        m = np.flatnonzero(visible & (table.kind == kind))
        steady = kind != Kind.LIQUIDATION and _steady_rows(rows[m], time_bin[m])
        group, counts = _groups(rows[m], coarse[m] if steady else time_bin[m])
        t = _group_mean(table.t[m], group, counts)
        yy = _group_mean(y[m], group, counts)
        color = style.RECORD_KIND_COLORS.get(kind, style.OTHER_COLOR)
        marker = style.RECORD_KIND_MARKERS.get(kind, "o")
        if kind == Kind.LIQUIDATION:
            notional = np.bincount(group, weights=np.nan_to_num(table.notional[m], nan=0.0), minlength=len(counts))
            ax.scatter(
                t,
                yy,
                s=style.notional_areas(notional, *LIQ_SIZE),
                c=color,
                marker=marker,
                alpha=0.8,
                edgecolors="black",
                linewidths=0.4,
                zorder=4,
            )
            name = f"liquidation ({len(m):,})\n  area ∝ notional per bin\n  (max {formats.usd_short(notional.max())})"
        elif steady:  # records in most time bins: fewer, larger markers, area by count, not a solid bar
            areas = style.notional_areas(counts, *STEADY_SIZE)
            ax.scatter(t, yy, s=areas, c=color, marker=marker, linewidths=0, zorder=3)
            name = f"{kind} ({len(m):,}) *"
            steady_kinds += 1
        else:
            small = kind in style.FREQUENT_KINDS and len(m) > FREQUENT_MIN
            ax.scatter(
                t,
                yy,
                s=FREQUENT_SIZE if small else MARKER_SIZE,
                c=color,
                marker=marker,
                linewidths=0,
                zorder=2 if small else 3,
            )
            name = f"{kind} ({len(m):,})"
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker=marker,
                color=color,
                markersize=6,
                markeredgecolor="black" if kind == Kind.LIQUIDATION else color,
                label=name,
            )
        )
    if steady_kinds:
        every = formats.time_at((x1 - x0) / STEADY_BINS, formats.time_unit(x1 - x0))
        handles.append(Line2D([], [], ls="", label=f"* steady: one marker per {every},\n  area ∝ record count"))
    return handles


def _steady_rows(rows: np.ndarray, time_bin: np.ndarray) -> bool:
    """Whether any of these records' sub-rows has records in more than STEADY_FILL of the time bins."""
    if len(rows) == 0:
        return False
    occupied, _ = _groups(rows, time_bin)
    first = np.unique(occupied, return_index=True)[1]
    return bool(np.bincount(rows[first]).max() > STEADY_FILL * TIME_BINS)


def steady_flows(t0: np.ndarray, y0: np.ndarray, t1: np.ndarray, y1: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """Which cause lines belong to a steady flow: a pair of sub-rows whose lines start in more
    than STEADY_FILL of the TIME_BINS time bins."""
    if len(t0) == 0:
        return np.zeros(0, dtype=bool)
    rows = np.unique(np.concatenate([y0, y1]), return_inverse=True)[1].reshape(2, -1)
    pair, _ = _groups(rows[0], rows[1])
    occupied, _ = _groups(pair, _time_bins(t0, x0, x1, TIME_BINS))
    first = np.unique(occupied, return_index=True)[1]  # one element per occupied (pair, bin)
    bins_per_pair = np.bincount(pair[first], minlength=pair.max() + 1)
    return bins_per_pair[pair] > STEADY_FILL * TIME_BINS


def _draw_arrows(
    ax: Axes, table: TraceTable, y: np.ndarray, visible: np.ndarray, x0: float, x1: float, max_arrows: int
) -> tuple[list[Line2D], str]:
    """Cross-node cause lines with an end in view, bundled (see ``bundles``), liquidation
    chains in purple over the rest, steady flows thinned; returns legend proxies and a
    subtitle note."""
    cause = _cause_rows(table)
    idx = np.flatnonzero(cause >= 0)
    c = cause[idx]
    keep = (table.node[c] != table.node[idx]) & (visible[idx] | visible[c])
    idx, c = idx[keep], c[keep]
    in_chain = _liquidation_chains(cause, table.where(Kind.LIQUIDATION))[idx]
    steady = ~in_chain
    steady[steady] = steady_flows(table.t[c[steady]], y[c[steady]], table.t[idx[steady]], y[idx[steady]], x0, x1)
    handles, thinned = [], ""
    if steady.any():
        m = steady
        every = formats.time_at((x1 - x0) / STEADY_BINS, formats.time_unit(x1 - x0))
        segments, counts = bundles(table.t[c[m]], y[c[m]], table.t[idx[m]], y[idx[m]], x0, x1, len(idx), STEADY_BINS)
        ax.add_collection(
            LineCollection(segments, colors=[to_rgba(OTHER_ARROW_COLOR, STEADY_ALPHA)], linewidths=0.6, zorder=1)
        )
        handles.append(
            Line2D(
                [],
                [],
                color=OTHER_ARROW_COLOR,
                alpha=STEADY_ALPHA + 0.2,
                lw=0.8,
                label=f"cause → effect, steady flow ({m.sum():,}),\n  one faint line per {every}",
            )
        )
        thinned = f", {m.sum():,} of them in steady flows (thinned to {len(counts):,} faint lines)"
    rest = int((~steady).sum())
    parts = []
    for m in (~in_chain & ~steady, in_chain):
        budget = max(1, round(max_arrows * m.sum() / max(rest, 1)))
        parts.append(bundles(table.t[c[m]], y[c[m]], table.t[idx[m]], y[idx[m]], x0, x1, budget, LINE_BINS))
    top = max((int(counts.max()) for _, counts in parts if len(counts)), default=1)
    for (segments, counts), color, what, z in zip(
        parts, (OTHER_ARROW_COLOR, CHAIN_ARROW_COLOR), ("other", "liquidation chain"), (1, 1.5), strict=True
    ):
        if len(counts) == 0:
            continue
        weight = np.sqrt((counts - 1) / max(top - 1, 1))
        widths = BUNDLE_WIDTH[0] + (BUNDLE_WIDTH[1] - BUNDLE_WIDTH[0]) * weight
        rgba = np.tile(to_rgba(color), (len(counts), 1))
        rgba[:, 3] = BUNDLE_ALPHA[0] + (BUNDLE_ALPHA[1] - BUNDLE_ALPHA[0]) * weight
        if top == 1:  # no bundles: fainter the more lines there are
            rgba[:, 3] = np.clip(12.0 / np.sqrt(len(counts)), 0.25, 0.8)
        ax.add_collection(LineCollection(segments, colors=rgba, linewidths=widths, zorder=z))
        handles.append(Line2D([], [], color=color, lw=1.5, label=f"cause → effect, {what} ({counts.sum():,})"))
    shown = sum(len(counts) for _, counts in parts)
    if not len(idx):
        return handles, ""
    if shown == rest and not thinned:
        return handles, f"lines: all {len(idx):,} cross-node cause{'s' * (len(idx) != 1)}"
    if shown == rest:
        return handles, f"lines: {len(idx):,} cross-node causes{thinned}; the other {rest:,} drawn one by one"
    handles.append(
        Line2D(
            [],
            [],
            color=BUNDLE_LEGEND_COLOR,
            lw=BUNDLE_WIDTH[1],
            label=f"bundle of {top:,} causes\n  (width, opacity ∝ √count)",
        )
    )
    return handles, f"lines: {len(idx):,} cross-node causes{thinned}" + (
        f"; the other {rest:,} in {shown:,} bundles" if thinned else f" in {shown:,} bundles"
    )


def _price_limits(table: TraceTable, nodes: dict[str, str], x0: float, x1: float) -> tuple[float, float] | None:
    """y range of the price lines within [x0, x1], including the values held at x0."""
    shown = [(kind, name) for name, node_kind in nodes.items() for nk, kind in PRICE_SERIES if nk == node_kind]
    values = []
    for kind, name in shown:
        m = table.where(kind, name) & np.isfinite(table.price)
        t, p = table.t[m], table.price[m]
        held = p[(t < x0)][-1:]
        values.append(np.concatenate([held, p[(t >= x0) & (t <= x1)]]))
    v = np.concatenate(values) if values else np.zeros(0)
    if len(v) == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    pad = 0.06 * (hi - lo) if hi > lo else max(abs(hi) * 0.01, 1e-9)
    return lo - pad, hi + pad


def _draw_waves(ax: Axes, table: TraceTable) -> None:
    """Where each liquidation wave starts: a dotted line and a "w1", "w2", ... label, skipping
    labels that would collide with the previous one (and lines, when there are many)."""
    rows = waves(table)
    lo, hi = ax.get_xlim()
    gap = WAVE_LABEL_GAP * (hi - lo)
    last = -np.inf
    for w in rows:
        if len(rows) <= MAX_WAVE_LINES:
            ax.axvline(w.start_s, color=style.MUTED, lw=0.7, ls=":", zorder=1)
        if w.start_s - last < gap:
            continue
        last = w.start_s
        ax.annotate(
            f"w{w.wave}",
            (w.start_s, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -2),
            textcoords="offset points",
            fontsize=7,
            color=style.MUTED,
            va="top",
            zorder=3,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},  # over later waves' lines
        )


def _empty(ax: Axes, text: str = "no events") -> None:
    """An axes without data: the text in the middle, no y ticks."""
    style.no_data(ax, text)
    ax.set_yticks([])


def _legend(ax: Axes, handles: list | None = None, title: str | None = None) -> None:
    ax.legend(
        handles=handles,
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )


def timeline_figure(table: TraceTable, nodes: dict[str, str], title: str, max_arrows: int = 2000) -> Figure:
    """The timeline figure (see module docstring), not yet saved."""
    fig = style.new_figure(style.TIMELINE_SIZE)
    prices, ax, cumulative = fig.subplots(3, 1, sharex=True, height_ratios=(1.6, 4, 1.1))
    lanes = _lanes(table, nodes)
    _draw_lanes(ax, lanes)
    prices.set_ylabel(formats.label("price", formats.PRICE_UNIT))
    cumulative.set_ylabel(formats.label("cumulative\nliquidated", formats.NOTIONAL_UNIT))
    for panel in (prices, cumulative):
        panel.yaxis.set_major_formatter(style.Thousands())
        panel.grid(True, color="#e5e5e5", lw=0.6)
    notes = [f"{len(table):,} records on {len(lanes)} nodes"]
    if len(table) == 0:
        style.no_data(ax)
        _empty(prices)
        _empty(cumulative)
        style.set_titles(fig, prices, title, notes[0])
        cumulative.set_xlabel(formats.TIME_LABEL)
        return fig
    x0, x1, zoom = focus_window(table)
    ax.set_xlim(x0, x1)
    timeaxis.set_time_axis(cumulative, x1 - x0)
    t0, t_end = float(table.t.min()), float(table.t.max())
    draw_prices(prices, table, nodes, t_end)
    if (limits := _price_limits(table, nodes, x0, x1)) is not None:
        prices.set_ylim(*limits)
        _legend(prices)
    else:
        _empty(prices, "no price records")
    visible = (table.t >= x0) & (table.t <= x1)
    y = _record_y(table, lanes)
    handles = _draw_events(ax, table, y, visible, x0, x1)
    arrow_handles, arrow_note = _draw_arrows(ax, table, y, visible, x0, x1, max_arrows)
    _legend(ax, handles + arrow_handles, "record kind (count in view)")
    if draw_cumulative(cumulative, table, nodes, t0, t_end):
        cumulative.set_ylim(0.0, HEADROOM * cumulative.get_ylim()[1])
        _draw_waves(cumulative, table)
        _legend(cumulative)
    else:
        _empty(cumulative, "no liquidations")
    notes += [note for note in (zoom, arrow_note) if note]
    subtitle = " · ".join(notes)
    if len(subtitle) > SUBTITLE_WIDTH:  # the lines' note on a line of its own
        subtitle = " · ".join(notes[:-1]) + "\n" + notes[-1]
    style.set_titles(fig, prices, title, subtitle)
    return fig


def plot_timeline(table: TraceTable, nodes: dict[str, str], path: Path, title: str, max_arrows: int = 2000) -> Path:
    """Write the timeline figure to ``path`` (PNG, TIMELINE_SIZE at style.DPI) and return it."""
    return style.save(timeline_figure(table, nodes, title, max_arrows), path)
