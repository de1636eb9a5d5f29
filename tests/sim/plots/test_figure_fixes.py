"""Figures that read at a glance: market-data links say what their delay is, a perp's last price
ends at its last trade, a venue without trades is drawn, dense lanes and cascades stay apart."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.table import Table

from sim.analysis.causes import EdgeStats
from sim.core.config import Latency
from sim.core.trace import Kind, Trace
from sim.plots import prices, style
from sim.plots.overlay import Run, compare_figure, run_labels
from sim.plots.side_by_side import arm_comparison_figure
from sim.plots.sweep import SweepData, sweep_figure
from sim.plots.timeline import LINE_BINS, STEADY_BINS, timeline_figure
from sim.plots.topology import _edge_label
from sim.study.experiments import load_experiment


def test_a_market_data_link_names_its_update_to_effect_delay_and_carries_no_notional():
    stats = EdgeStats("spot", "index", 179, 3.0, 3.26, 4.0, 58.2e6)
    assert (
        _edge_label({"kind": "md", "latency": Latency(value=0.05)}, stats)
        == "md 50ms\n179 effects · update → effect p50 3.26 s"
    )
    hedge = EdgeStats("mm", "spot", 900, 0.15, 0.15, 0.15, 7.32e6)
    assert (
        _edge_label({"kind": "hedge", "latency": Latency(value=0.15)}, hedge)
        == "hedge 150ms\n900 hops · p50 150 ms · 7.32M USDT"
    )


def two_venue_trace():
    """Spot 'deep' trades to t=100 s, 'thin' never; the perp trades until 5 s and marks until 100 s."""
    tr = Trace()
    tr.record(0.0, Kind.OPEN, "deep", price=10.0)
    tr.record(0.0, Kind.OPEN, "thin", price=10.2)
    for t in range(0, 101, 10):
        tr.record(float(t), Kind.TRADE, "deep", price=10.0 + t / 100)
        tr.record(float(t), Kind.MARK, "perp", price=10.0 + t / 100)
    tr.record(2.0, Kind.TRADE, "perp", price=10.1)
    tr.record(5.0, Kind.TRADE, "perp", price=10.3)
    return tr.table(), {"deep": "spot", "thin": "spot", "perp": "perp"}


def test_prices_draw_a_venue_without_trades_and_end_the_perps_last_price_at_its_last_trade():
    table, nodes = two_venue_trace()
    top = prices.prices_figure(table, nodes, "t").axes[0]
    lines = {line.get_label(): line for line in top.get_lines()}
    thin = lines["thin opening price (spot, no trades)"]
    assert thin.get_ydata().tolist() == [10.2, 10.2] and thin.get_xdata()[-1] == 100.0
    assert lines["perp last (perp)"].get_xdata()[-1] == 5.0  # not held flat to the end of the run
    assert lines["perp: last perp trade (5.0 s)"].get_xdata()[0] == 5.0
    colours = style.node_colors(nodes)
    assert colours["deep"] != colours["thin"]


def test_dense_lanes_are_markers_by_count_not_solid_bars():
    tr = Trace()
    for i in range(6000):  # a noise order every 0.5 s over 50 min: every time bin occupied
        tr.record(i * 0.5, Kind.NOISE, "crowd", notional=100.0 + i % 7)
    _, lanes, _ = timeline_figure(tr.table(), {"crowd": "noise"}, "dense").axes[:3]
    markers = [c for c in lanes.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in markers) <= STEADY_BINS
    labels = [t.get_text() for t in lanes.get_legend().get_texts()]
    assert "noise (6,000) *" in labels and any(label.startswith("* steady: one marker per") for label in labels)


def test_a_long_cascade_between_two_lanes_is_apart_lines_not_a_wash():
    tr = Trace()
    for i in range(3000):  # liquidations and their hedges every 10 ms for 30 s
        liq = tr.record(i * 0.01, Kind.LIQUIDATION, "perp", side=1, price=10.0, notional=1000.0)
        tr.record(i * 0.01 + 0.005, Kind.HEDGE, "mm", liq)
    _, lanes, _ = timeline_figure(tr.table(), {"perp": "perp", "mm": "market_maker"}, "cascade").axes[:3]
    segments = [s for c in lanes.collections if isinstance(c, LineCollection) for s in c.get_segments()]
    # a bundle per pair of time bins at its ends (two where a hop straddles a bin edge), not 3,000 lines
    assert 0 < len(segments) <= 2 * LINE_BINS


def test_runs_of_different_experiments_are_labelled_by_experiment_not_by_hundreds_of_keys():
    rocket, contagion = load_experiment("rocket"), load_experiment("contagion")
    assert run_labels([rocket, contagion], ["a", "b"]) == ["rocket (seed 7)", "contagion (seed 5)"]


def test_compare_gives_each_spot_venue_name_its_own_line_style():
    a, _ = two_venue_trace()
    runs = [Run(a, {"deep": "spot", "perp": "perp"}, "one"), Run(a, {"thin": "spot", "deep": "spot"}, "two")]
    top = compare_figure(runs, "t").axes[0]
    key = top.get_legend()
    legend = {t.get_text(): h.get_linestyle() for t, h in zip(key.get_texts(), key.get_lines(), strict=True)}
    assert set(legend) == {"deep", "thin"} and legend["deep"] != legend["thin"]
    styles = {(line.get_label(), line.get_linestyle()) for line in top.get_lines()}
    assert len({label for label, _ in styles}) == len(styles)  # one style per venue name across runs


def test_the_arms_table_stays_clear_of_the_right_edge():
    from tests.sim.plots.test_side_by_side import _arms

    fig = arm_comparison_figure(_arms(), "crash")
    fig.canvas.draw()
    table = next(child for ax in fig.axes for child in ax.get_children() if isinstance(child, Table))
    right = table.get_window_extent(fig.canvas.get_renderer()).x1
    assert right < fig.bbox.x1 - 0.02 * fig.bbox.width


def test_sweep_bands_stay_within_what_the_positions_allow():
    rows = [
        {"a": str(a), "liquidations": str(v), "positions.perp": "100"}
        for a, v in [(1, 0), (1, 0), (1, 100), (2, 100), (2, 90), (2, 100)]
    ]
    data = SweepData("x", ["a"], {"a": None}, False, rows, 0, ["liquidations", "positions.perp"])
    ax = sweep_figure(data, ["liquidations"], "a").axes[0]
    band = next(c for c in ax.collections if isinstance(c, PolyCollection))
    y = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
    assert y.min() == 0.0 and y.max() == 100.0  # the t band at a=1 would reach -110 and +177: 100 positions


def test_leader_lines_join_pushed_labels_to_their_links_in_data_units():
    from sim import api
    from sim.engine.config import topology
    from sim.plots.topology import LEADER_COLOR, RunFlow, topology_figure

    config = load_experiment("rocket", None, ["experiment.duration=50s"])
    fig = topology_figure(topology(config), "rocket", RunFlow.from_trace(api.run(config).trace))
    ax = fig.axes[0]
    leaders = [line for line in ax.get_lines() if line.get_color() == LEADER_COLOR]
    assert leaders  # the rocket's crowded spot node pushes some labels away
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for line in leaders:
        assert line.get_transform() == ax.transData  # so they stay put when saved at another dpi
        assert all(x0 <= x <= x1 for x in line.get_xdata()) and all(y0 <= y <= y1 for y in line.get_ydata())


def test_timeline_lane_labels_take_the_price_panels_colour_per_venue():
    table, nodes = two_venue_trace()
    _, lanes, _ = timeline_figure(table, nodes, "t").axes[:3]
    label_colour = {t.get_text().split()[0]: t.get_color() for t in lanes.get_yticklabels()}
    colours = style.node_colors(nodes)
    assert label_colour["deep"] == colours["deep"] and label_colour["thin"] == colours["thin"] != colours["deep"]


def test_compare_states_a_crashs_trough_and_a_squeezes_peak():
    def run(side: int, label: str) -> Run:
        tr = Trace()
        tr.record(0.0, Kind.IGNITE, "whale", side=side, notional=1000.0)
        for t, price in ((1.0, 10.0), (2.0, 10.0 + 3 * side), (3.0, 10.0 + side)):
            tr.record(t, Kind.TRADE, "spot", 0, price=price)
        return Run(tr.table(), {"spot": "spot"}, label)

    fig = compare_figure([run(1, "up"), run(-1, "down")], "t")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0].startswith("up  (peak spot 13,") and labels[1].startswith("down  (lowest spot 7,")


def test_heatmap_colourbars_carry_their_unit_on_top_not_a_long_label_beside():
    from sim.plots.sweep import heatmap_figure

    rows = [{"a": str(a), "b": str(b), "liquidations": str(a * b)} for a in (1, 2) for b in (3, 4)]
    data = SweepData("x", ["a", "b"], {"a": None, "b": None}, False, rows, 0, ["liquidations"])
    fig = heatmap_figure(data, ["liquidations"], "a", "b")
    bar = fig.axes[1]  # the first panel's colourbar
    assert bar.get_ylabel() == "" and bar.get_title() == "count"
