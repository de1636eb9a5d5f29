"""The topology figure: a colour for every node and record kind, a layered layout, and labels
that stay inside the figure without covering each other or the nodes."""

import itertools
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.markers import MarkerStyle
from matplotlib.text import Text

from sim.analysis.causes import EdgeStats
from sim.core.trace import Kind
from sim.engine.config import ExperimentConfig, topology
from sim.plots import style
from sim.plots.topology import TOPOLOGY_SIZE, RunFlow, _columns, _layout, topology_figure, topology_size
from sim.study.experiments import load_experiment

RUNS = sorted(p.stem for p in (Path(__file__).parents[3] / "runs").glob("*.toml"))

# Record kinds seen in the runs/*.toml runs' events.csv (bear_playbook's arms and crash's add the
# lending, holder, forward, basis, option and depth records to the cascade's).
RUN_RECORD_KINDS = (
    "open", "ignite", "noise", "quote", "hedge", "order", "trade", "fill", "index", "mark", "funding_rate",
    "funding", "liquidation", "adl", "insurance", "bad_debt", "option", "supply", "margin", "oracle", "depth",
    "holder", "basis", "deposit", "borrow", "forward", "repay", "release",
)  # fmt: skip


def test_every_node_kind_has_its_own_colour():
    kinds = ExperimentConfig.node_sections
    assert set(kinds) <= set(style.NODE_KIND_COLORS)
    colours = [to_hex(style.NODE_KIND_COLORS[k]) for k in kinds]
    assert len(set(colours)) == len(colours)
    assert to_hex(style.OTHER_COLOR) not in colours
    for kind, shades in style.NODE_KIND_PALETTES.items():
        assert shades[0] == style.NODE_KIND_COLORS[kind]
        others = {to_hex(c) for k, c in style.NODE_KIND_COLORS.items() if k != kind} | {to_hex(style.OTHER_COLOR)}
        assert not others & {to_hex(s) for s in shades}, kind


def test_every_record_kind_of_the_runs_has_a_colour_and_a_filled_marker():
    assert set(RUN_RECORD_KINDS) <= set(style.RECORD_KIND_COLORS) == set(style.RECORD_KIND_MARKERS)
    assert set(style.RECORD_KIND_COLORS) <= set(Kind)
    colours = [to_hex(c) for c in style.RECORD_KIND_COLORS.values()]
    assert len(set(colours)) == len(colours)
    assert to_hex(style.OTHER_COLOR) not in colours
    # the timeline draws markers with linewidths=0: an unfilled one would be invisible
    assert all(MarkerStyle(m).is_filled() for m in style.RECORD_KIND_MARKERS.values())


def _graph(name: str):
    return topology(load_experiment(name, None, []))


def test_layout_runs_spot_then_index_then_perp_with_spot_only_participants_left():
    graph = _graph("bear_playbook")
    pos = _layout(graph)
    x = {n: xy[0] for n, xy in pos.items()}
    assert x["lp"] < x["spot"] < x["index"] == x["mm"] == x["chainlink"] < x["perp"] == x["pool"]
    assert x["perp"] < x["holders"] == x["liq"] == x["shorts"] == x["makers"] == x["perp_longs"] == x["fund"]
    assert len({tuple(xy) for xy in pos.values()}) == len(pos)  # no two nodes on one spot
    assert [len(c) for c in _columns(graph)] == [4, 1, 3, 2, 7]


def test_small_graphs_keep_the_standard_size_and_larger_ones_grow():
    rocket = _graph("rocket")
    rocket.remove_node("fund")  # the rocket without its insurance fund's node: three columns
    assert topology_size(rocket) == TOPOLOGY_SIZE
    width, height = topology_size(_graph("contagion"))
    assert width > TOPOLOGY_SIZE[0] and height > TOPOLOGY_SIZE[1]


def _flow(graph) -> RunFlow:
    """Every link busy with long labels, perps liquidating (the largest node discs)."""
    edges = {
        (u, v): EdgeStats(u, v, 12_345 + i, 0.1, 0.123, 0.5, 1.23e6 * (i + 1)) for i, (u, v) in enumerate(graph.edges)
    }
    return RunFlow(edges, {n: 5e6 for n, d in graph.nodes(data=True) if d["kind"] == "perp"})


def _boxes(fig) -> tuple[list[Text], list]:
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    return texts, [t.get_window_extent(renderer) for t in texts]


@pytest.mark.parametrize("flow", [False, True], ids=["config", "run"])
@pytest.mark.parametrize("name", RUNS)
def test_labels_stay_inside_and_off_each_other_and_the_nodes(name, flow):
    graph = _graph(name)
    fig = topology_figure(graph, name, _flow(graph) if flow else None)
    texts, boxes = _boxes(fig)
    frame = fig.bbox
    for text, box in zip(texts, boxes, strict=True):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, text
    ax = fig.axes[0]
    inside = [b for t, b in zip(texts, boxes, strict=True) if t.axes is ax and t in ax.texts]
    assert len(inside) >= graph.number_of_edges() + graph.number_of_nodes()
    for a, b in itertools.combinations(inside, 2):
        overlap = (min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0))
        assert min(overlap) <= 1.0, (a, b)
    # labels with a background (edge labels, names outside their node, notes) clear of the discs
    nodes = ax.collections[0]
    centres = ax.transData.transform(nodes.get_offsets())
    radii = np.sqrt(nodes.get_sizes()) / 2 * fig.dpi / 72
    for text, box in zip(texts, boxes, strict=True):
        if text.get_bbox_patch() is None or text not in ax.texts:
            continue
        nearest_x = np.clip(centres[:, 0], box.x0, box.x1)
        nearest_y = np.clip(centres[:, 1], box.y0, box.y1)
        gap = np.hypot(centres[:, 0] - nearest_x, centres[:, 1] - nearest_y) - radii
        assert gap.min() > -2.0, text.get_text()
