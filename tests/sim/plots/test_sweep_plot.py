"""The sweep figure's axes (sim/plots/sweep.py), on hand-made sweep data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from sim.plots.sweep import SweepData, sweep_figure  # noqa: E402


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
