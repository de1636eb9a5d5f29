"""Time axes read in s, min or h by the span shown; formats needs no matplotlib."""

import subprocess
import sys

import numpy as np
import pytest

from sim.core.trace import Kind, Trace
from sim.plots import formats
from sim.plots.prices import prices_figure
from sim.plots.timeaxis import STEPS, UnitLocator
from sim.plots.timeline import STEADY_BINS, _draw_waves, timeline_figure

NODES = {"noise": "noise", "spot": "spot", "index": "index", "perp": "perp"}


@pytest.mark.parametrize(
    ("span", "unit"), [(100.0, "s"), (180.0, "s"), (600.0, "s"), (601.0, "min"), (7200.0, "min"), (259_200.0, "h")]
)
def test_the_unit_follows_the_span(span, unit):
    assert formats.time_unit(span) == unit


def test_time_texts():
    assert formats.TIME_LABEL == "time since start (s)" == formats.time_label("s")
    assert formats.time_label("h") == "time since start (h)"
    assert formats.time_range(6.8191, 181.7524, "s") == "6.819–181.752 s"
    assert formats.time_range(5400.0, 252_720.0, "h") == "1.5–70.2 h"
    assert formats.time_at(45_000.0, "h") == "12.5 h"


def test_formats_does_not_load_matplotlib():
    code = "import sys, sim.plots.formats; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_hour_ticks_fall_on_round_hours():
    ticks = UnitLocator(3600.0, STEPS["h"]).tick_values(-5000.0, 264_000.0) / 3600.0
    assert ticks.tolist() == [0, 12, 24, 36, 48, 60, 72]
    ticks = UnitLocator(60.0, STEPS["min"]).tick_values(0.0, 7200.0) / 60.0
    assert ticks.tolist() == [0, 15, 30, 45, 60, 75, 90, 105, 120]


def long_trace(hours: float = 72.0):
    """A steady flow over ``hours``: noise orders every 30 s, each traded and indexed, and a
    mark every minute; one liquidation at the end."""
    tr = Trace()
    for i, t in enumerate(np.arange(0.0, hours * 3600.0, 30.0)):
        price = 1.0 + 0.01 * np.sin(t / 3600.0)
        r = tr.record(t, Kind.NOISE, "noise", side=1, notional=100.0)
        r = tr.record(t + 0.01, Kind.TRADE, "spot", r, price=price, qty=100.0, notional=100.0 * price)
        r = tr.record(t + 0.02, Kind.INDEX, "index", r, price=price)
        if i % 2 == 0:
            tr.record(t + 0.03, Kind.MARK, "perp", r, price=price)
    return tr.table()


@pytest.fixture(scope="module")
def long():
    return long_trace()


def _tick_texts(ax) -> list[str]:
    ax.figure.canvas.draw()
    lo, hi = ax.get_xlim()
    return [t.get_text() for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if lo <= x <= hi]


def test_a_three_day_run_reads_in_hours(long):
    for fig in (prices_figure(long, NODES, "long"), timeline_figure(long, NODES, "long")):
        bottom = fig.axes[1] if len(fig.axes) == 2 else fig.axes[2]
        assert bottom.get_xlabel() == "time since start (h)"
        assert _tick_texts(bottom) == ["0", "12", "24", "36", "48", "60", "72"]


def test_a_short_run_reads_in_seconds():
    short = long_trace(hours=0.05)  # 180 s, like the rocket
    bottom = prices_figure(short, NODES, "short").axes[1]
    assert bottom.get_xlabel() == "time since start (s)"


def test_steady_flows_are_thinned_and_said_so(long):
    from matplotlib.collections import LineCollection

    fig = timeline_figure(long, NODES, "long")
    prices, lanes = fig.axes[:2]
    segments = [s for c in lanes.collections if isinstance(c, LineCollection) for s in c.get_segments()]
    pairs = 3  # noise → spot, spot → index, index → perp
    assert len(segments) <= pairs * STEADY_BINS
    assert "in steady flows (thinned to" in prices.get_title()
    labels = [t.get_text() for t in lanes.get_legend().get_texts()]
    assert any(label.startswith("cause → effect, steady flow") for label in labels)


def test_wave_labels_hide_the_lines_behind_them():
    from sim.plots import style

    tr = Trace()
    for t in (10.0, 10.5, 11.0, 40.0):  # waves close together: one label, then another
        r = tr.record(t, Kind.MARK, "perp", price=1.0)
        tr.record(t, Kind.LIQUIDATION, "perp", r, "x", 1, 1.0, 1.0, 1.0)
    fig = style.new_figure((8, 3))
    ax = fig.add_subplot()
    ax.set_xlim(0, 50)
    _draw_waves(ax, tr.table())
    assert ax.texts and all(t.get_bbox_patch() is not None for t in ax.texts)
    assert all(t.get_zorder() > line.get_zorder() for t in ax.texts for line in ax.get_lines())
