"""The venue graph as a picture: nodes by kind, links labelled with kind and latency."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from matplotlib.colors import to_rgb
from matplotlib.patches import Patch

from sim.plots import style
from topology.latency import LatencyModel

_LAYER = {"igniter": 0, "noise": 0, "liquidity": 0, "spot": 1, "index": 2, "perp": 3, "market_maker": 2}


def plot_topology(graph: nx.DiGraph, path: Path, title: str) -> Path:
    """Draw ``graph`` left to right by layer (flow → spot → index/MM → perp) with latency labels."""
    fig = style.new_figure((12, 7))
    ax = fig.add_subplot(1, 1, 1)
    for node, data in graph.nodes(data=True):
        graph.nodes[node]["layer"] = _LAYER.get(data["kind"], 4)
    pos = nx.multipartite_layout(graph, subset_key="layer", align="vertical", scale=1.0)
    colors = style.node_colors({n: d["kind"] for n, d in graph.nodes(data=True)})
    nx.draw_networkx_nodes(
        graph,
        pos,
        ax=ax,
        node_size=1800,
        node_color=[colors[n] for n in graph.nodes],
        edgecolors="black",
        linewidths=0.8,
    )
    for node, (x, y) in pos.items():
        ax.text(x, y, node, ha="center", va="center", fontsize=9, zorder=5, color=_text_color(colors[node]))
    nx.draw_networkx_edges(
        graph,
        pos,
        ax=ax,
        node_size=1800,
        arrowsize=14,
        width=1.2,
        connectionstyle="arc3,rad=0.12",
        edge_color="#555555",
    )
    labels = {
        (u, v): f"{d['kind']} {LatencyModel(d['latency'], None).describe()}"  # describe() needs no rng
        for u, v, d in graph.edges(data=True)
    }
    nx.draw_networkx_edge_labels(
        graph,
        pos,
        edge_labels=labels,
        ax=ax,
        font_size=7,
        label_pos=0.35,
        connectionstyle="arc3,rad=0.12",
        bbox={"fc": "white", "ec": "none", "alpha": 0.8},
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
    ax.set_title(title + "\n(edge labels: link kind and latency)")
    ax.axis("off")
    return style.save(fig, path)


def _text_color(fill: str) -> str:
    """White on dark fills, black on light ones."""
    r, g, b = to_rgb(fill)
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
