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
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text

from sim.analysis.causes import EdgeStats, edge_delays, generations
from sim.core.trace import Kind, TraceTable
from sim.plots import formats, style

TOPOLOGY_SIZE = (12.0, 7.0)  # the smallest topology figure; larger graphs get a larger one
COLUMN_INCHES = 2.8  # figure width per column of nodes (plus LEGEND_INCHES)
ROW_INCHES = 1.15  # figure height per node of the tallest column (plus TITLE_INCHES)
LEGEND_INCHES = 3.2
TITLE_INCHES = 2.2
ANIMATION_SIZE = (10.0, 7.0)
ANIMATION_DPI = 80
# Venues and market makers have fixed columns, left to right as a price travels:
# spot → index/oracle and market makers → perp/lending. Every other kind (participants) goes
# left of spot if it only talks to spot venues, else right of perp (see _columns).
_VENUE_COLUMN = {"spot": 1, "index": 2, "oracle": 2, "market_maker": 2, "perp": 3, "lending": 3}
_LEFT, _RIGHT = 0, 4
NODE_SIZE = (1800.0, 6000.0)  # marker area (pt²) of a node with nothing liquidated and with the most
EDGE_WIDTH = (1.0, 6.0)  # link width (pt) with no notional carried and with the most
EDGE_COLOR = "#555555"
IDLE_COLOR = "#c8c8c8"
IDLE_TEXT = "#8a8a8a"
ACTIVE_COLOR = "#d62728"
RAD = 0.2
CONNECTION = f"arc3,rad={RAD}"
NODE_FONT = 9
EDGE_FONT = 7
LABEL_BOX = {"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.15, "boxstyle": "round"}
PAD_X, PAD_Y = 0.6, 0.75  # axes margins around the outermost node centres (column / row units)
FLOW_KINDS = frozenset({"order", "fill", "hedge"})  # links whose hops carry notional; the others carry updates
ARC_SAMPLES = 24  # points per link that labels keep clear of
LEADER_COLOR = "#999999"
ARC_WEIGHT = 0.2  # overlap cost of a label on a link, relative to one on another label


@dataclass(frozen=True)
class RunFlow:
    """What a run sent over each link (by cause's node → record's node) and liquidated per node."""

    edges: dict[tuple[str, str], EdgeStats]
    liquidated: dict[str, float]

    @classmethod
    def from_trace(cls, table: TraceTable) -> RunFlow:
        liq = table.where(Kind.LIQUIDATION)
        nodes, where = np.unique(table.node[liq], return_inverse=True)
        amounts = np.bincount(where, weights=np.nan_to_num(table.notional[liq], nan=0.0), minlength=len(nodes))
        return cls(
            {(e.src, e.dst): e for e in edge_delays(table)},
            dict(zip(nodes.tolist(), amounts.tolist(), strict=True)),
        )


# ----------------------------------------------------------------------------- layout


def _columns(graph: nx.DiGraph) -> list[list[str]]:
    """Nodes by column, left to right (empty columns dropped), each in the config's order:
    venues by kind (_VENUE_COLUMN); any other node left of spot if all its neighbours are spot
    venues, else right of perp."""
    kind = nx.get_node_attributes(graph, "kind")
    columns: dict[int, list[str]] = {}
    for node in graph.nodes:
        column = _VENUE_COLUMN.get(kind[node])
        if column is None:
            near = set(graph.predecessors(node)) | set(graph.successors(node))
            column = _LEFT if all(kind[n] == "spot" for n in near) else _RIGHT
        columns.setdefault(column, []).append(node)
    return [columns[c] for c in sorted(columns)]


def _rows(columns: list[list[str]]) -> int:
    return max((len(c) for c in columns), default=1)


def _layout(graph: nx.DiGraph, sweeps: int = 4) -> dict[str, np.ndarray]:
    """Columns left to right (see _columns), a gap wider the more links cross it (_gaps);
    each column's n nodes in n equal bands of the tallest column's height, ordered to put
    nodes near their neighbours (a few barycentre sweeps, ties kept in the config's order),
    so links cross less; deterministic."""
    columns = _columns(graph)
    height = _rows(columns)

    def ys(n: int) -> np.ndarray:
        return height / 2 - (np.arange(n) + 0.5) * height / n

    y = {node: yy for col in columns for node, yy in zip(col, ys(len(col)), strict=True)}
    undirected = graph.to_undirected(as_view=True)
    for _ in range(sweeps):
        for col in columns:
            members = set(col)

            def centre(node: str, members: set = members) -> float:
                near = [y[n] for n in undirected.neighbors(node) if n not in members]
                return float(np.mean(near)) if near else y[node]

            col.sort(key=lambda n: -centre(n))  # stable: ties keep their order
            y.update(zip(col, ys(len(col)), strict=True))
    xs = np.concatenate([[0.0], np.cumsum(_gaps(graph, columns))])
    return {node: np.array([xs[c], y[node]]) for c, col in enumerate(columns) for node in col}


GAP_PER_LINK = 0.06  # extra gap (in columns) per link crossing a gap, beyond FREE_LINKS
FREE_LINKS = 4
MAX_EXTRA_GAP = 0.45


def _gaps(graph: nx.DiGraph, columns: list[list[str]]) -> np.ndarray:
    """Width of each gap between neighbouring columns: 1, plus room for the labels of the
    links crossing it."""
    column = {node: c for c, col in enumerate(columns) for node in col}
    crossing = np.zeros(max(len(columns) - 1, 0))
    for u, v in graph.edges:
        a, b = sorted((column[u], column[v]))
        crossing[a:b] += 1
    return 1.0 + np.clip(GAP_PER_LINK * (crossing - FREE_LINKS), 0.0, MAX_EXTRA_GAP)


def topology_size(graph: nx.DiGraph) -> tuple[float, float]:
    """TOPOLOGY_SIZE, grown with the width of the layout and the tallest column."""
    columns = _columns(graph)
    width = COLUMN_INCHES * _gaps(graph, columns).sum() + LEGEND_INCHES
    height = ROW_INCHES * _rows(columns) + TITLE_INCHES
    return max(TOPOLOGY_SIZE[0], width), max(TOPOLOGY_SIZE[1], height)


def _limits(ax: Axes, pos: dict[str, np.ndarray]) -> None:
    xy = np.array(list(pos.values())) if pos else np.zeros((1, 2))
    ax.set_xlim(xy[:, 0].min() - PAD_X, xy[:, 0].max() + PAD_X)
    ax.set_ylim(xy[:, 1].min() - PAD_Y, xy[:, 1].max() + PAD_Y)


# ----------------------------------------------------------------------------- labels


def _edge_label(data: dict, stats: EdgeStats | None) -> str:
    """ "kind latency" (the configured latency), and with a run, on a link that carries orders or
    fills, "n hops · p50 delay · notional"; on one that carries updates (market data, index,
    oracle), "n effects · update → effect p50 delay": the time from an update to the record it
    caused, which includes waiting for the receiver's next publication or decision."""
    label = f"{data['kind']} {data['latency'].describe()}"
    if stats is None:
        return label
    if data["kind"] not in FLOW_KINDS:
        effects = f"{stats.count:,} effect{'s' * (stats.count != 1)}"
        return f"{label}\n{effects} · update → effect p50 {formats.delay(stats.p50)}"
    carried = f" · {formats.usd_short(stats.notional)}" if stats.notional > 0 else ""
    hops = f"{stats.count:,} hop{'s' * (stats.count != 1)}"
    return f"{label}\n{hops} · p50 {formats.delay(stats.p50)}{carried}"


class _Placer:
    """Greedy label placement in display coordinates: each label goes to the first of its
    candidate spots with the least overlap with the nodes, the labels already placed and the
    outside of the axes. Needs the figure's layout frozen (the data → pixel map fixed)."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.renderer = ax.figure.canvas.get_renderer()
        self.frame = ax.get_window_extent(self.renderer)
        self.taken: list[tuple[np.ndarray, float]] = []  # (x0, y0, x1, y1) with a weight

    def block(self, box: np.ndarray, weight: float = 1.0) -> None:
        self.taken.append((np.asarray(box, dtype=float), weight))

    def cost(self, box: np.ndarray) -> float:
        f = self.frame
        inside = max(0.0, min(box[2], f.x1) - max(box[0], f.x0)) * max(0.0, min(box[3], f.y1) - max(box[1], f.y0))
        total = 20.0 * ((box[2] - box[0]) * (box[3] - box[1]) - inside)
        for other, weight in self.taken:
            w = min(box[2], other[2]) - max(box[0], other[0])
            h = min(box[3], other[3]) - max(box[1], other[1])
            if w > 0 and h > 0:
                total += weight * w * h
        return total

    def box(self, text: Text, pad: float = 2.0) -> np.ndarray:
        e = text.get_window_extent(self.renderer)
        return np.array([e.x0 - pad, e.y0 - pad, e.x1 + pad, e.y1 + pad])

    def place(self, text: Text, spots: list[tuple[float, float, str, str]]) -> np.ndarray:
        """Move ``text`` to the best of ``spots`` (display x, y, ha, va) and keep it clear."""
        to_data = self.ax.transData.inverted()
        best = None
        for rank, (x, y, ha, va) in enumerate(spots):
            text.set_position(to_data.transform((x, y)))
            text.set_horizontalalignment(ha)
            text.set_verticalalignment(va)
            box = self.box(text)
            score = self.cost(box) + 1e-3 * rank
            if best is None or score < best[0]:
                best = (score, x, y, ha, va, box)
            if score < 1e-3 * (rank + 1):
                break
        _, x, y, ha, va, box = best
        text.set_position(to_data.transform((x, y)))
        text.set_horizontalalignment(ha)
        text.set_verticalalignment(va)
        self.block(box)
        return box


def _radius_px(ax: Axes, size: float) -> float:
    """Radius in pixels of a node marker of area ``size`` (pt²)."""
    return np.sqrt(size) / 2 * ax.figure.dpi / 72


def _node_spots(x: float, y: float, r: float, column: int, last: int) -> list[tuple[float, float, str, str]]:
    """Beside a node (outward first for the outer columns), then below, above and the other side."""
    gap = r + 3
    left, right = (x - gap, y, "right", "center"), (x + gap, y, "left", "center")
    below, above = (x, y - gap, "center", "top"), (x, y + gap, "center", "bottom")
    diagonals = [
        (x + 0.7 * gap, y - 0.7 * gap, "left", "top"),
        (x - 0.7 * gap, y - 0.7 * gap, "right", "top"),
        (x + 0.7 * gap, y + 0.7 * gap, "left", "bottom"),
        (x - 0.7 * gap, y + 0.7 * gap, "right", "bottom"),
    ]
    if column == 0:
        return [left, below, above, right, *diagonals]
    if column == last:
        return [right, below, above, left, *diagonals]
    return [below, above, right, left, *diagonals]


def _label_nodes(
    ax: Axes,
    placer: _Placer,
    graph: nx.DiGraph,
    pos: dict,
    sizes: np.ndarray,
    notes: dict[str, str],
    smallest: np.ndarray | None = None,
) -> None:
    """Each node's name inside its disc if it fits (in its ``smallest`` size, default
    ``sizes``), else beside it; ``notes`` (e.g. the notional liquidated) in bold beside the
    node. Nodes' discs are blocked first."""
    fill = style.node_colors({n: d["kind"] for n, d in graph.nodes(data=True)})
    to_px = ax.transData.transform
    xs = sorted({float(xy[0]) for xy in pos.values()})
    column = {n: xs.index(float(xy[0])) for n, xy in pos.items()}
    last = len(xs) - 1
    radius = {n: _radius_px(ax, s) for n, s in zip(graph.nodes, sizes, strict=True)}
    room = dict(zip(graph.nodes, (sizes if smallest is None else smallest), strict=True))
    for node in graph.nodes:
        x, y = to_px(pos[node])
        r = radius[node]
        placer.block([x - r, y - r, x + r, y + r], weight=3.0)
    outside = []
    for node in graph.nodes:
        name = ax.text(*pos[node], node, ha="center", va="center", fontsize=NODE_FONT, zorder=5)
        box = placer.box(name, pad=0)
        if box[2] - box[0] <= 1.7 * _radius_px(ax, room[node]):
            name.set_color(_text_color(fill[node]))
        else:
            name.set_bbox(LABEL_BOX)
            outside.append((node, name))
        if node in notes:
            note = ax.text(*pos[node], notes[node], fontsize=8, fontweight="bold", zorder=6, bbox=LABEL_BOX)
            outside.append((node, note))
    for node, text in outside:
        x, y = to_px(pos[node])
        placer.place(text, _node_spots(x, y, radius[node], column[node], last))


def _bezier(p0: np.ndarray, p2: np.ndarray, t: float) -> np.ndarray:
    """The point at ``t`` of the arc3 link from ``p0`` to ``p2`` (display coordinates)."""
    d = p2 - p0
    c = (p0 + p2) / 2 + RAD * np.array([d[1], -d[0]])
    return (1 - t) ** 2 * p0 + 2 * t * (1 - t) * c + t**2 * p2


EDGE_SPOTS = (0.5, 0.42, 0.58, 0.34, 0.66, 0.27, 0.73, 0.2, 0.8)


def _label_edges(
    ax: Axes, placer: _Placer, edges: list[tuple[str, str]], pos: dict, labels: list[str], grey: list[bool]
) -> None:
    """Each link's label on its arc, at the first spot along it (middle first) with room;
    links are labelled in the order given."""
    to_px = ax.transData.transform
    for u, v in edges:  # keep labels off the links (the thick ones most)
        p0, p2 = to_px(pos[u]), to_px(pos[v])
        for t in np.linspace(0.08, 0.92, ARC_SAMPLES):
            x, y = _bezier(p0, p2, t)
            placer.block(np.array([x - 4, y - 4, x + 4, y + 4]), ARC_WEIGHT)
    for (u, v), label, idle in zip(edges, labels, grey, strict=True):
        text = ax.text(
            *pos[u], label, fontsize=EDGE_FONT, ha="center", va="center", zorder=4,
            color=IDLE_TEXT if idle else "black", bbox=LABEL_BOX, linespacing=1.1,
        )  # fmt: skip
        p0, p2 = to_px(pos[u]), to_px(pos[v])
        box = placer.box(text)
        w, h = box[2] - box[0], box[3] - box[1]
        d = p2 - p0
        normal = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-9)
        clear = (abs(normal[0]) * w + abs(normal[1]) * h) / 2 + 2  # off the line, just
        on = [_bezier(p0, p2, t) for t in EDGE_SPOTS]
        beside = [p + sign * far * clear * normal for far in (1.0, 2.2) for p in on for sign in (1, -1)]
        box = placer.place(text, [(*p, "center", "center") for p in on + beside])
        centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
        nearest = min(on, key=lambda p: np.hypot(*(p - centre)))
        if np.hypot(*(nearest - centre)) > 1.5 * clear:  # pushed away by others: a leader line to its link
            ends = ax.transData.inverted().transform([centre, nearest])  # in data units: right at any dpi
            ax.add_line(Line2D(*np.transpose(ends), color=LEADER_COLOR, lw=0.7, ls=":", zorder=3.5))


# ----------------------------------------------------------------------------- drawing


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
    """Nodes (coloured by kind) and links, a legend of node kinds and the axes limits;
    returns the links' arrows in edge order. Names come later (_label_nodes)."""
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
    kinds = list(dict.fromkeys(d["kind"] for _, d in graph.nodes(data=True)))
    kinds.sort(key=lambda k: style.NODE_KIND_COLORS.get(k) is None)  # known kinds first, in config order
    first = {}
    for node, data in graph.nodes(data=True):
        first.setdefault(data["kind"], fill[node])
    ax.legend(
        handles=[Line2D([], [], ls="", marker="o", ms=11, mfc=first[k], mec="black", mew=0.8, label=k) for k in kinds],
        loc="upper left",
        fontsize=9,
        title="node kind",
        bbox_to_anchor=(1.0, 1.0),
        labelspacing=0.9,
        borderpad=0.8,
    )
    _limits(ax, pos)
    ax.axis("off")
    return arrows


def _freeze(fig: Figure) -> None:
    """Lay the figure out once and keep that layout, so pixel positions stay put."""
    fig.canvas.draw()
    fig.set_layout_engine("none")


def topology_figure(graph: nx.DiGraph, title: str, flow: RunFlow | None = None) -> Figure:
    """The topology figure (see module docstring), not yet saved."""
    fig = style.new_figure(topology_size(graph))
    ax = fig.add_subplot(1, 1, 1)
    pos = _layout(graph)
    stats = [flow.edges.get((u, v)) if flow else None for u, v in graph.edges]
    kinds = [d["kind"] for _, _, d in graph.edges(data=True)]
    carried = np.array([s.notional if s and k in FLOW_KINDS else 0.0 for s, k in zip(stats, kinds, strict=True)])
    sizes = _node_sizes(graph, flow.liquidated if flow else {})
    idle = [flow is not None and s is None for s in stats]
    colors = [IDLE_COLOR if i else EDGE_COLOR for i in idle]
    _draw_graph(ax, graph, pos, sizes, _scale(carried, *EDGE_WIDTH), colors)
    if flow is None:
        subtitle = "edge labels: link kind and latency · colour: node kind"
        notes = {}
    else:
        subtitle = (
            "links: kind and configured latency · order, fill, hedge: hops, median delay, notional carried "
            "(width ∝ √notional)\nmd, index, oracle: records caused, median update → effect delay (incl. waiting "
            "to publish) · node area ∝ √liquidated · grey: idle"
        )
        notes = {n: f"liquidated {formats.usd_short(a)}" for n, a in flow.liquidated.items() if a > 0 and n in pos}
    style.set_titles(fig, ax, title, subtitle)
    _freeze(fig)
    placer = _Placer(ax)
    _label_nodes(ax, placer, graph, pos, sizes, notes)
    labels = [_edge_label(d, s) for (_, _, d), s in zip(graph.edges(data=True), stats, strict=True)]
    # busiest links first, so they get the best spots; idle links last
    order = sorted(range(len(labels)), key=lambda j: (idle[j], -carried[j], -(stats[j].count if stats[j] else 0)))
    edges = list(graph.edges)
    _label_edges(ax, placer, [edges[j] for j in order], pos, [labels[j] for j in order], [idle[j] for j in order])
    return fig


def plot_topology(graph: nx.DiGraph, path: Path, title: str, flow: RunFlow | None = None) -> Path:
    """Write the topology figure to ``path`` (PNG, topology_size(graph) at style.DPI) and return it."""
    return style.save(topology_figure(graph, title, flow), path)


def _cascade_span(table: TraceTable) -> tuple[float, float]:
    """First ignition (else first record) to last liquidation (else last record), padded."""
    ignite, liq = table.where(Kind.IGNITE), table.where(Kind.LIQUIDATION)
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
    pos, sizes = _layout(graph), _node_sizes(graph, flow.liquidated)
    arrows = _draw_graph(ax, graph, pos, sizes, idle, [IDLE_COLOR] * len(idle))
    nodes = ax.collections[0]
    t0, t1 = _cascade_span(table) if len(table) else (0.0, 1.0)
    times = np.linspace(t0, t1, max(frames, 1))
    flight = _in_flight(table, graph, times)
    busiest = max(flight.max(initial=0.0), 1.0)
    liq = table.where(Kind.LIQUIDATION)
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
    _freeze(fig)
    # names where they fit the nodes' smallest size; placed around their largest
    _label_nodes(ax, _Placer(ax), graph, pos, sizes, {}, np.full(len(sizes), NODE_SIZE[0]))
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
