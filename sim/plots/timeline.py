"""Event timeline: one lane per node, records as markers, cause arrows between lanes.

Within a lane each record kind has its own sub-row, so e.g. a perp venue's orders, trades,
fills, marks and liquidations stay apart. Arrows join a record to its cause when the cause
happened at another node; they run forward in time (left to right).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.plots import style
from sim.trace import TraceTable

LANE_GROUPS = {"igniter": 0, "noise": 0, "spot": 1, "index": 2, "perp": 3, "market_maker": 4}
OTHER_GROUP = 5
SUBROW_SPREAD = 0.36  # sub-rows of a lane span lane ± this
FOCUS_MIN_RECORDS = 2000  # traces at least this long are cropped to where the action is
MARKER_SIZE = 18.0  # pt²
FREQUENT_SIZE = 5.0  # for FREQUENT_KINDS with more than FREQUENT_MIN records in view
FREQUENT_MIN = 300
LIQ_SIZE = (25.0, 300.0)
CHAIN_SHARE = 0.75  # share of the arrow budget reserved for liquidation chains
CHAIN_ARROW_COLOR = "#54278f"
OTHER_ARROW_COLOR = "#8c8c8c"


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


def _window(table: TraceTable) -> tuple[float, float, str]:
    """x range and a note when cropped: dense traces show first ignition (else first
    exogenous record) to a little after the last liquidation."""
    lo, hi = float(table.t.min()), float(table.t.max())
    start, end = lo, hi
    if len(table) >= FOCUS_MIN_RECORDS:
        ignite = table.where("ignite")
        first = ignite if ignite.any() else table.cause < 0
        liq = table.where("liquidation")
        start = float(table.t[first].min()) if first.any() else lo
        end = float(table.t[liq].max()) if liq.any() else hi
        if end <= start:
            start, end = lo, hi
    span = end - start
    x0 = start - (0.02 * span if span > 0 else 0.5)
    x1 = end + (0.08 * span if span > 0 else 0.5)
    if (start, end) == (lo, hi):
        return x0, x1, ""
    what = ("first ignition" if table.where("ignite").any() else "first exogenous record") + (
        " to last liquidation" if table.where("liquidation").any() else " to end")
    return x0, x1, f"zoomed to {x0:,.3f}–{x1:,.3f} s ({what})"


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


def _even(idx: np.ndarray, k: int) -> np.ndarray:
    """``k`` evenly spaced elements of ``idx`` (all of them when k >= len)."""
    if k >= len(idx):
        return idx
    return idx[np.linspace(0, len(idx) - 1, k).round().astype(int)]


def _arrows(table: TraceTable, cause: np.ndarray, visible: np.ndarray, budget: int
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows (chain, other) whose cross-node cause arrow is drawn, and how many there were.

    Only arrows with an end in view count. Over ``budget``, a deterministic, evenly spaced
    subsample is drawn, with CHAIN_SHARE of it (or more, if others are few) for liquidation
    chains. ``cause`` is each record's cause row, as from ``_cause_rows``.
    """
    idx = np.flatnonzero(cause >= 0)
    c = cause[idx]
    idx = idx[(table.node[c] != table.node[idx]) & (visible[idx] | visible[c])]
    in_chain = _liquidation_chains(cause, table.where("liquidation"))[idx]
    chain, other = idx[in_chain], idx[~in_chain]
    if len(idx) <= budget:
        return chain, other, len(idx)
    k_chain = min(len(chain), max(budget - len(other), round(CHAIN_SHARE * budget)))
    return _even(chain, k_chain), _even(other, budget - k_chain), len(idx)


def _draw_lanes(ax: Axes, lanes: list[tuple[str, str]]) -> None:
    """Alternating lane bands and "name (kind)" lane labels coloured by node kind."""
    for i in range(0, len(lanes), 2):
        ax.axhspan(i - 0.5, i + 0.5, color="#f3f3f3", zorder=0, lw=0)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([f"{name} ({'unknown kind' if kind == '?' else kind})"
                        for name, kind in lanes], fontsize=9 if len(lanes) <= 20 else 7)
    for tick, (_, kind) in zip(ax.get_yticklabels(), lanes, strict=True):
        tick.set_color(style.NODE_KIND_COLORS.get(kind, "black"))
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(True, axis="x", color="#e0e0e0", lw=0.6)


def _draw_events(ax: Axes, table: TraceTable, y: np.ndarray, visible: np.ndarray
                 ) -> list[Line2D]:
    """One scatter per record kind; returns legend proxies in causal order."""
    rank = {k: i for i, k in enumerate(style.RECORD_KINDS)}
    kinds = sorted(set(table.kind[visible].tolist()), key=lambda k: (rank.get(k, len(rank)), k))
    handles = []
    for kind in kinds:
        m = visible & (table.kind == kind)
        color = style.RECORD_KIND_COLORS.get(kind, style.OTHER_COLOR)
        marker = style.RECORD_KIND_MARKERS.get(kind, "o")
        if kind == "liquidation":
            size = style.notional_areas(table.notional[m], *LIQ_SIZE)
            ax.scatter(table.t[m], y[m], s=size, c=color, marker=marker, alpha=0.8,
                       edgecolors="black", linewidths=0.4, zorder=4)
            name = "liquidation (area ∝ notional)"
        else:
            small = kind in style.FREQUENT_KINDS and m.sum() > FREQUENT_MIN
            ax.scatter(table.t[m], y[m], s=FREQUENT_SIZE if small else MARKER_SIZE, c=color,
                       marker=marker, linewidths=0, zorder=2 if small else 3)
            name = kind
        handles.append(Line2D([], [], ls="", marker=marker, color=color, markersize=6,
                              markeredgecolor="black" if kind == "liquidation" else color,
                              label=f"{name} ({m.sum():,})"))
    return handles


def _draw_arrows(ax: Axes, table: TraceTable, y: np.ndarray, visible: np.ndarray,
                 max_arrows: int) -> tuple[list[Line2D], str]:
    """Cause arrows as two LineCollections; returns legend proxies and a subtitle note."""
    cause = _cause_rows(table)
    chain, other, total = _arrows(table, cause, visible, max_arrows)
    handles = []
    shown = len(chain) + len(other)
    # few arrows: bold; many: thin and faint, so overlaps build up density instead of a blot
    alpha = float(np.clip(12.0 / np.sqrt(max(shown, 1)), 0.2, 0.8))
    width = 1.0 if shown <= 200 else 0.5
    for idx, color, what in ((chain, CHAIN_ARROW_COLOR, "liquidation chain"),
                             (other, OTHER_ARROW_COLOR, "other")):
        if len(idx) == 0:
            continue
        c = cause[idx]
        segments = np.stack([np.column_stack([table.t[c], y[c]]),
                             np.column_stack([table.t[idx], y[idx]])], axis=1)
        ax.add_collection(LineCollection(segments, colors=color, alpha=alpha, linewidths=width,
                                         zorder=1))
        handles.append(Line2D([], [], color=color, lw=1.5,
                              label=f"cause → effect, {what} ({len(idx):,})"))
    if shown < total:
        first = ", liquidation chains first" if len(chain) else ""
        return handles, f"arrows: {shown:,} of {total:,} cross-node causes, evenly subsampled{first}"
    return handles, f"arrows: all {total:,} cross-node cause{'s' * (total != 1)}" if total else ""


def timeline_figure(table: TraceTable, nodes: dict[str, str], title: str,
                    max_arrows: int = 2000) -> Figure:
    """The timeline figure (see module docstring), not yet saved."""
    fig = style.new_figure(style.TIMELINE_SIZE)
    ax = fig.subplots()
    lanes = _lanes(table, nodes)
    _draw_lanes(ax, lanes)
    ax.set_xlabel(style.TIME_LABEL)
    notes = [f"{len(table):,} records on {len(lanes)} nodes"]
    if len(table) == 0:
        style.no_data(ax)
        style.set_titles(fig, ax, title, notes[0])
        return fig
    x0, x1, zoom = _window(table)
    ax.set_xlim(x0, x1)
    visible = (table.t >= x0) & (table.t <= x1)
    y = _record_y(table, lanes)
    handles = _draw_events(ax, table, y, visible)
    arrow_handles, arrow_note = _draw_arrows(ax, table, y, visible, max_arrows)
    notes += [note for note in (zoom, arrow_note) if note]
    style.set_titles(fig, ax, title, " · ".join(notes))
    ax.legend(handles=handles + arrow_handles, title="record kind (count in view)",
              loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8,
              title_fontsize=8, frameon=False)
    return fig


def plot_timeline(table: TraceTable, nodes: dict[str, str], path: Path, title: str,
                  max_arrows: int = 2000) -> Path:
    """Write the timeline figure to ``path`` (PNG, 14×8 in at 120 dpi) and return the path."""
    return style.save(timeline_figure(table, nodes, title, max_arrows), path)
