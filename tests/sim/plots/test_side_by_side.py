"""The arms' comparison adapts to what the arms have; prices tell perp venues' liquidations apart."""

import numpy as np

from sim.analysis.playbook import arm_metrics
from sim.core.trace import Kind, Trace
from sim.plots import style
from sim.plots.prices import VENUE_MARKERS, prices_figure
from sim.plots.side_by_side import arm_comparison_figure, table_rows

NODES = {"spot": "spot", "index": "index", "perp": "perp", "perp_w": "perp"}


def crash_arm(victim: str):
    """100 s: a falling mid with depth, liquidations on two venues, ADL of ``victim``."""
    tr = Trace()
    for t in np.arange(0.0, 100.0, 2.0):
        price = 20.0 - 0.06 * t
        tr.record(t, Kind.DEPTH, "spot", price=price, notional=1e5)
        tr.record(t + 0.5, Kind.MARK, "perp", price=price)
        tr.record(t + 0.5, Kind.MARK, "perp_w", price=price - 1)
    for pid, t in enumerate((30.0, 31.0, 32.0)):
        tr.record(t, Kind.LIQUIDATION, "perp", -1, "longs", 1, 18.0, 10.0, 180.0, pid=pid, bankruptcy=16.5)
        tr.record(t + 10, Kind.LIQUIDATION, "perp_w", -1, "longs_w", 1, 16.0, 10.0, 160.0, pid=pid, bankruptcy=14.5)
        tr.record(t, Kind.INSURANCE, "perp", -1, "longs", notional=-5.0)
    tr.record(45.0, Kind.ADL, "perp", -1, victim, -1, 16.0, 10.0, 160.0)
    tr.record(45.0, Kind.BAD_DEBT, "perp", -1, "longs", notional=12.0)
    return tr.table()


def _arms():
    arms = {}
    for name, victim in (("binance", "early_shorts"), ("hyperliquid", "late_shorts")):
        table = crash_arm(victim)
        arms[name] = (table, {"description": f"ranked as {name}", **arm_metrics(table, NODES, 100.0)})
    return arms


def test_a_short_perp_run_shows_the_adl_split_and_no_volatility_or_funding():
    arms = _arms()
    rows = dict(table_rows(arms, 100.0))
    assert not any("volatility" in label or "funding" in label or "project" in label for label in rows)
    assert rows["ADL closes"] == ["1 (160)", "1 (160)"]
    assert rows["  ADL of early_shorts"] == ["160", "–"]
    assert rows["  ADL of late_shorts"] == ["–", "160"]
    assert rows["perp liquidations (positions)"] == ["6 (1.02k)", "6 (1.02k)"]
    assert rows["insurance funds' change"] == ["-15", "-15"]
    assert rows["bad debt"] == ["12", "12"]
    fig = arm_comparison_figure(arms, "crash")
    titles = [ax.get_title() for ax in fig.axes]
    assert not any("funding" in t for t in titles)
    assert any(t.startswith("auto-deleveraging") for t in titles)
    time_axes = [ax for ax in fig.axes if ax.get_xlabel()]
    assert [ax.get_xlabel() for ax in time_axes] == ["time since start (s)"]
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "Realised volatility left out: annualising a 100.0 s run" in texts
    assert "binance: ranked as binance" in texts


def test_identical_lines_say_so():
    fig = arm_comparison_figure(_arms(), "crash")
    price = next(ax for ax in fig.axes if ax.get_title() == "spot mid")
    assert [line.get_label() for line in price.get_lines()] == ["binance", "hyperliquid (identical to binance)"]
    widths = [line.get_linewidth() for line in price.get_lines()]
    assert widths[0] > widths[1]  # the first arm widest: identical lines stay visible as bands


def test_liquidations_on_two_venues_get_a_marker_shape_each():
    fig = prices_figure(crash_arm("early_shorts"), NODES, "crash")
    top = fig.axes[0]
    scatters = [c for c in top.collections if len(c.get_offsets())]
    assert len(scatters) == 2
    paths = {tuple(map(tuple, np.round(c.get_paths()[0].vertices, 3))) for c in scatters}
    assert len(paths) == 2  # different shapes
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert "on perp (shape)" in labels and "on perp_w (shape)" in labels
    assert VENUE_MARKERS[0] != VENUE_MARKERS[1]


def test_several_spot_venues_get_distinct_hues():
    colors = style.node_colors({"deep": "spot", "mid": "spot", "thin": "spot", "perp": "perp"})
    assert len({colors["deep"], colors["mid"], colors["thin"]}) == 3
    assert colors["thin"] not in ("#08519c", "#1f77b4")  # not a second blue
