"""The venue graph as a picture: nodes by kind, links labelled with kind and latency.

With a run's trace (``RunFlow``) each link's label adds what crossed it (hops, median
delay, notional carried), its width grows with the notional, and each node's area with
the notional liquidated there. ``animate_topology`` writes a GIF of the cascade moving
over the graph: links light up while messages are in flight, nodes grow as they liquidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Patch

from sim.analysis import EdgeStats, edge_delays, generations
from sim.plots import formats, style
from sim.trace import TraceTable
from topology.latency import LatencyModel

TOPOLOGY_SIZE = (12.0, 7.0)
ANIMATION_SIZE = (10.0, 7.0)
ANIMATION_DPI = 80
_LAYER = {"igniter": 0, "noise": 0, "liquidity": 0, "spot": 1, "index": 2, "perp": 3, "market_maker": 2}
NODE_SIZE = (1800.0, 6000.0)  # marker area (pt²) of a node with nothing liquidated and with the most
EDGE_WIDTH = (1.0, 6.0)  # link width (pt) with no notional carried and with the most
EDGE_COLOR = "#555555"
IDLE_COLOR = "#c8c8c8"
ACTIVE_COLOR = "#d62728"
CONNECTION = "arc3,rad=0.2"


@dataclass(frozen=True)
class RunFlow:
    """What a run sent over each link (by cause's node → record's node) and liquidated per node."""

    edges: dict[tuple[str, str], EdgeStats]
    liquidated: dict[str, float]

    @classmethod
    def from_trace(cls, table: TraceTable) -> RunFlow:
        liq = table.where("liquidation")
        nodes, where = np.unique(table.node[liq], return_inverse=True)
        amounts = np.bincount(where, weights=np.nan_to_num(table.notional[liq], nan=0.0), minlength=len(nodes))
        return cls(
            {(e.src, e.dst): e for e in edge_delays(table)},
            dict(zip(nodes.tolist(), amounts.tolist(), strict=True)),
        )


def _layout(graph: nx.DiGraph) -> dict[str, np.ndarray]:
    """Columns left to right by layer (flows → spot → index/market makers → perp), each
    column's nodes spread top to bottom in the graph's (the config's) order; deterministic."""
    columns: dict[int, list[str]] = {}
    for node, data in graph.nodes(data=True):
        columns.setdefault(_LAYER.get(data["kind"], 4), []).append(node)
    pos = {}
    for x, layer in enumerate(sorted(columns)):
        nodes = columns[layer]
        ys = np.linspace(1.0, -1.0, len(nodes)) if len(nodes) > 1 else [0.0]
        for node, y in zip(nodes, ys, strict=True):
            pos[node] = np.array([float(x), y])
    return pos


def _edge_label(data: dict, stats: EdgeStats | None) -> str:
    """ "kind latency", and with a run "n hops · p50 delay · notional"."""
    label = f"{data['kind']} {LatencyModel(data['latency'], None).describe()}"  # describe() needs no rng
    if stats is None:
        return label
    carried = f" · {formats.usd_short(stats.notional)}" if stats.notional > 0 else ""
    hops = f"{stats.count:,} hop{'s' * (stats.count != 1)}"
    return f"{label}\n{hops} · p50 {formats.delay(stats.p50)}{carried}"


def _scale(values: np.ndarray, lo: float, hi: float, top: float | None = None) -> np.ndarray:
    """``lo`` + (``hi`` - ``lo``) × √(value / ``top``) (default: the largest value), so areas or
    widths grow with the values."""
    values = np.asarray(values, dtype=float)
    top = values.max(initial=0.0) if top is None else top
    return lo + (hi - lo) * (np.sqrt(values / top) if top > 0 else np.zeros_like(values))


def _node_sizes(graph: nx.DiGraph, liquidated: dict[str, float]) -> np.ndarray:
    return _scale(np.array([liquidated.get(n, 0.0) for n in graph.nodes]), *NODE_SIZE)


def _draw_graph(
    ax: Axes, graph: nx.DiGraph, pos: dict, sizes: np.ndarray, widths: np.ndarray, colors: list[str]
) -> list[FancyArrowPatch]:
    """Nodes (coloured by kind, named) and links; returns the links' arrows in edge order."""
    fill = style.node_colors({n: d["kind"] for n, d in graph.nodes(data=True)})
    nx.draw_networkx_nodes(
        graph,
        pos,
        ax=ax,
        node_size=sizes,
        node_color=[fill[n] for n in graph.nodes],
        edgecolors="black",
        linewidths=0.8,
    )
    for node, (x, y) in pos.items():
        ax.text(x, y, node, ha="center", va="center", fontsize=9, zorder=5, color=_text_color(fill[node]))
    arrows = nx.draw_networkx_edges(
        graph,
        pos,
        ax=ax,
        edgelist=list(graph.edges),
        node_size=sizes,
        arrowsize=14,
        width=widths,
        connectionstyle=CONNECTION,
        edge_color=colors,
    )
    kinds = sorted({d["kind"] for _, d in graph.nodes(data=True)})
    kind_colors = style.node_colors({k: k for k in kinds})
    ax.legend(
        handles=[Patch(color=kind_colors[k], label=k) for k in kinds],
        loc="upper left",
        fontsize=8,
        title="node kind",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.margins(x=0.08, y=0.1)
    ax.axis("off")
    return arrows


def topology_figure(graph: nx.DiGraph, title: str, flow: RunFlow | None = None) -> Figure:
    """The topology figure (see module docstring), not yet saved."""
    fig = style.new_figure(TOPOLOGY_SIZE)
    ax = fig.add_subplot(1, 1, 1)
    pos = _layout(graph)
    stats = [flow.edges.get((u, v)) if flow else None for u, v in graph.edges]
    carried = np.array([s.notional if s else 0.0 for s in stats])
    sizes = _node_sizes(graph, flow.liquidated if flow else {})
    colors = [EDGE_COLOR if flow is None or s else IDLE_COLOR for s in stats]
    _draw_graph(ax, graph, pos, sizes, _scale(carried, *EDGE_WIDTH), colors)
    nx.draw_networkx_edge_labels(
        graph,
        pos,
        edge_labels={(u, v): _edge_label(d, s) for (u, v, d), s in zip(graph.edges(data=True), stats, strict=True)},
        ax=ax,
        font_size=7,
        label_pos=0.5,
        node_size=sizes,
        connectionstyle=CONNECTION,
        bbox={"fc": "white", "ec": "none", "alpha": 0.8},
    )
    if flow is None:
        ax.set_title(title + "\n(edge labels: link kind and latency)")
        return fig
    for node, size in zip(graph.nodes, sizes, strict=True):
        if flow.liquidated.get(node, 0.0) > 0:
            x, y = pos[node]
            ax.annotate(
                f"liquidated {formats.usd_short(flow.liquidated[node])}",
                (x, y),
                xytext=(0, -np.sqrt(size) / 2 - 4),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=8,
                fontweight="bold",
            )
    style.set_titles(
        fig,
        ax,
        title,
        "edge labels: link kind and latency; hops observed, median delay, notional carried · "
        "width ∝ √notional carried · node area ∝ √notional liquidated · grey: no hops",
    )
    return fig


def plot_topology(graph: nx.DiGraph, path: Path, title: str, flow: RunFlow | None = None) -> Path:
    """Write the topology figure to ``path`` (PNG, TOPOLOGY_SIZE at style.DPI) and return it."""
    return style.save(topology_figure(graph, title, flow), path)


def _cascade_span(table: TraceTable) -> tuple[float, float]:
    """First ignition (else first record) to last liquidation (else last record), padded."""
    ignite, liq = table.where("ignite"), table.where("liquidation")
    start = float(table.t[ignite].min() if ignite.any() else table.t.min())
    end = float(table.t[liq].max() if liq.any() else table.t.max())
    if end <= start:
        start, end = float(table.t.min()), float(table.t.max())
    pad = 0.03 * (end - start) if end > start else 0.5
    return start - pad, end + pad


def _in_flight(table: TraceTable, graph: nx.DiGraph, times: np.ndarray) -> np.ndarray:
    """Per frame (ending at ``times``, as long as the step between them) and link, the number
    of hops in flight during the frame (cause before its end, record after its start)."""
    hop = np.flatnonzero(table.cause >= 0)
    cause = table.cause[hop]
    starts = times - (times[1] - times[0] if len(times) > 1 else 0.0)
    counts = np.zeros((len(times), graph.number_of_edges()))
    for j, (u, v) in enumerate(graph.edges):
        m = (table.node[cause] == u) & (table.node[hop] == v)
        tc, tr = table.t[cause[m]], table.t[hop[m]]
        counts[:, j] = ((tc[None, :] <= times[:, None]) & (tr[None, :] > starts[:, None])).sum(axis=1)
    return counts


def _draw_strip(ax: Axes, t: np.ndarray, notional: np.ndarray, t0: float, t1: float) -> None:
    """Cumulative liquidated notional (M) over [t0, t1]."""
    total = notional.sum() / 1e6
    ax.step(
        np.concatenate([[t0], t, [t1]]),
        np.concatenate([[0.0], np.cumsum(notional) / 1e6, [total]]),
        where="post",
        color=style.SIDE_COLORS[-1],
    )
    ax.set_xlim(t0, t1)
    ax.set_ylim(0.0, 1.1 * total if total > 0 else 1.0)
    ax.set_xlabel(formats.TIME_LABEL)
    ax.set_ylabel(f"liquidated\n(M {formats.NOTIONAL_UNIT})", fontsize=8)


def animate_topology(
    graph: nx.DiGraph, table: TraceTable, path: Path, title: str, frames: int = 60, fps: int = 6
) -> Path:
    """Write a GIF of the cascade over the graph: links lit (width ∝ √messages in flight),
    node areas ∝ √notional liquidated so far, and a cumulative-liquidation strip with a cursor."""
    fig = style.new_figure(ANIMATION_SIZE)
    fig.set_dpi(ANIMATION_DPI)
    ax, strip = fig.subplots(2, 1, height_ratios=(5, 1))
    fig.suptitle(
        f"{title}\nred links: messages in flight (width ∝ √count) · node area ∝ √notional liquidated so far",
        fontsize=11,
    )
    flow = RunFlow.from_trace(table)
    idle = np.full(graph.number_of_edges(), EDGE_WIDTH[0])
    arrows = _draw_graph(ax, graph, _layout(graph), _node_sizes(graph, flow.liquidated), idle, [IDLE_COLOR] * len(idle))
    nodes = ax.collections[0]
    t0, t1 = _cascade_span(table) if len(table) else (0.0, 1.0)
    times = np.linspace(t0, t1, max(frames, 1))
    flight = _in_flight(table, graph, times)
    busiest = max(flight.max(initial=0.0), 1.0)
    liq = table.where("liquidation")
    lt, ln, liq_node, liq_wave = (
        table.t[liq],
        np.nan_to_num(table.notional[liq]),
        table.node[liq],
        generations(table)[liq],
    )
    _draw_strip(strip, lt, ln, t0, t1)
    cursor = strip.axvline(t0, color=ACTIVE_COLOR, lw=1.5)
    clock = ax.text(0.0, 1.0, "", transform=ax.transAxes, va="top", fontsize=11, fontweight="bold")

    def draw(k: int) -> None:
        now = times[k]
        so_far = np.array([ln[(lt <= now) & (liq_node == n)].sum() for n in graph.nodes])
        nodes.set_sizes(_scale(so_far, *NODE_SIZE, top=max(flow.liquidated.values(), default=0.0)))
        for arrow, count, width in zip(arrows, flight[k], _scale(flight[k], *EDGE_WIDTH, top=busiest), strict=True):
            arrow.set_color(ACTIVE_COLOR if count else IDLE_COLOR)
            arrow.set_linewidth(width)
        cursor.set_xdata([now, now])
        wave = int(liq_wave[lt <= now].max(initial=0))
        where = f"wave {wave} · liquidated {formats.usd_short(so_far.sum())}" if wave else "no liquidation yet"
        clock.set_text(f"t = {now:,.2f} s · {where}")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    draw(len(times) - 1)  # lay out once, at the largest node sizes, then keep that layout
    fig.canvas.draw()
    fig.set_layout_engine(None)
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, str(path), ANIMATION_DPI):
        for k in range(len(times)):
            draw(k)
            writer.grab_frame()
    return path


def _text_color(fill: str) -> str:
    """White on dark fills, black on light ones."""
    r, g, b = to_rgb(fill)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
