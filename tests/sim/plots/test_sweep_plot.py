"""The sweep figure's axes (sim/plots/sweep.py), on hand-made sweep data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sim.plots.sweep import SweepData, crossings_of, sweep_figure  # noqa: E402


def two_seed_sweep() -> SweepData:
    """Two seeds per point that disagree widely: the 95% band (t with 1 degree of freedom) is 12.7 SE wide."""
    values = {0.0: (90.0, 96.0), 0.5: (93.0, 94.0), 1.0: (77.0, 93.0)}
    rows = [{"link.hedge.latency": str(x), "amplification": str(v)} for x, pair in values.items() for v in pair]
    return SweepData(
        "rocket", ["link.hedge.latency"], {"link.hedge.latency": "duration"}, False, rows, 0, ["amplification"]
    )


def test_the_y_axis_fits_the_runs_not_a_wide_band():
    fig = sweep_figure(two_seed_sweep(), ["amplification"], "link.hedge.latency")
    low, high = fig.axes[0].get_ylim()
    assert low < 77.0 and high > 96.0  # every run is on the axes
    assert high - low < 1.5 * (96.0 - 77.0)  # the band (about ±100 at x = 1) runs off them


def test_the_threshold_is_inside_the_axes():
    fig = sweep_figure(two_seed_sweep(), ["amplification"], "link.hedge.latency", threshold=120.0)
    assert fig.axes[0].get_ylim()[1] > 120.0


def by_sweep() -> SweepData:
    """Two lines (by mark) of 30 seeds whose single runs, not drawn, stray far from the means."""
    rows = []
    for mark, base in (("binance", 5.0), ("hyperliquid", 6.0)):
        for x in (0.0, 1.0, 2.0):
            for seed in range(30):
                value = base + x + (25.0 if seed == 0 else 0.1 * (seed % 3))  # one outlier per point
                rows.append({"link.feed_b.latency": str(x), "perp.perp_b.mark": mark, "lag_s": str(value)})
    units = {"link.feed_b.latency": "duration", "perp.perp_b.mark": None}
    return SweepData("contagion", ["link.feed_b.latency", "perp.perp_b.mark"], units, False, rows, 0, ["lag_s"])


def test_with_a_line_per_value_the_axis_fits_the_means_and_their_bands_not_unseen_runs():
    fig = sweep_figure(by_sweep(), ["lag_s"], "link.feed_b.latency", by="perp.perp_b.mark")
    low, high = fig.axes[0].get_ylim()
    assert low < 5.0 and high > 9.0  # both lines are on the axes
    assert high < 20.0  # the outliers at 30 (not drawn) do not stretch it


def test_a_zipped_sweep_labels_each_tick_with_its_paired_values():
    rows = [
        {"link.hedge.latency": str(h), "link.spot-index.latency": str(i), "peak": str(15.0 - h)}
        for h, i in ((0.05, 0.02), (0.15, 0.05))
        for _ in range(3)
    ]
    units = {"link.hedge.latency": "duration", "link.spot-index.latency": "duration"}
    data = SweepData("rocket", ["link.hedge.latency", "link.spot-index.latency"], units, True, rows, 0, ["peak"])
    ax = sweep_figure(data, ["peak"], "link.hedge.latency").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["50\n20", "150\n50"]
    assert ax.get_xlabel() == "link.hedge.latency (ms)\nwith link.spot-index.latency (ms)"


def test_a_band_never_leaves_the_metrics_possible_range():
    """60 positions, 2 seeds per point liquidating 60 and 30: mean 45 ± 191 (t with 1 degree of freedom)."""
    rows = [
        {"link.hedge.latency": str(x), "liquidations": str(v), "positions.perp": "60", "amplification": str(v / 10)}
        for x in (0.0, 1.0)
        for v in (60, 30)
    ]
    metrics = ["liquidations", "positions.perp", "amplification"]
    data = SweepData("tiny", ["link.hedge.latency"], {"link.hedge.latency": "duration"}, False, rows, 0, metrics)
    fig = sweep_figure(data, ["liquidations", "amplification"], "link.hedge.latency")
    for ax, high in zip(fig.axes, (60.0, math.inf), strict=True):
        (band,) = [c for c in ax.collections if c.get_label() == "95% confidence band"]
        ys = band.get_paths()[0].vertices[:, 1]
        assert ys.min() == 0.0 and ys.max() <= high  # not below zero, nor above the positions that exist


def test_crossings_of_the_mean_line_are_interpolated_between_neighbours():
    px = np.array([0.0, 1.0, 2.0, 3.0])
    assert crossings_of(px, np.array([16.0, 14.0, 15.5, 13.0]), 15.0) == [0.5, 1.0 + 1.0 / 1.5, 2.2]
    assert crossings_of(px, np.array([16.0, np.nan, 14.0, 13.0]), 15.0) == []  # NaN closes no bracket


def test_every_crossing_of_the_threshold_is_marked_not_one():
    means = {0.0: 16.0, 0.5: 14.0, 1.0: 16.0, 1.5: 14.0}  # a sawtooth: three crossings of 15
    rows = [{"link.hedge.latency": str(x), "peak": str(m + d)} for x, m in means.items() for d in (-0.1, 0.1)]
    data = SweepData("rocket", ["link.hedge.latency"], {"link.hedge.latency": "duration"}, False, rows, 0, ["peak"])
    ax = sweep_figure(data, ["peak"], "link.hedge.latency", threshold=15.0).axes[0]
    (marks,) = [line for line in ax.get_lines() if line.get_label() == "mean crosses"]
    assert list(marks.get_xdata()) == pytest.approx([0.25, 0.75, 1.25])  # in s, the axis unit up to 1.5 s


def test_forced_flow_metrics_are_in_quote_currency_and_amplifications_are_multiples():
    from sim.plots import formats
    from sim.plots.sweep import metric_unit

    assert metric_unit("forced_flow.spot_hedges") == formats.NOTIONAL_UNIT
    assert metric_unit("amplification_by_channel.perp_book") == metric_unit("amplification") == "×"
