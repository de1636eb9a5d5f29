"""Time axes in the unit that suits their span (formats.time_unit): the data stay in seconds,
ticks fall on round minutes or hours and read in that unit."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, Locator

from sim.plots import formats

# Round tick steps per unit, in that unit: 15/30 min, 6/12/24 h; longer steps repeat the last
# ones times powers of ten.
STEPS = {
    "min": (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440),
    "h": (0.1, 0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720),
}
MAX_TICKS = 9


class UnitLocator(Locator):
    """Ticks at multiples of the smallest round step (in minutes or hours) that gives at most
    MAX_TICKS ticks; times stay in seconds."""

    def __init__(self, scale: float, steps: tuple[float, ...], max_ticks: int = MAX_TICKS) -> None:
        self.scale, self.steps, self.max_ticks = scale, steps, max_ticks

    def __call__(self) -> np.ndarray:
        return self.tick_values(*self.axis.get_view_interval())

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        lo, hi = sorted((vmin / self.scale, vmax / self.scale))
        span = hi - lo
        if not (math.isfinite(span) and span > 0):
            return np.array([vmin])
        step = next((s for s in self.steps if span / s <= self.max_ticks - 1), None)
        if step is None:  # beyond the table: the last step times a power of ten
            step = self.steps[-1] * 10 ** math.ceil(math.log10(span / (self.max_ticks - 1) / self.steps[-1]))
        first = math.ceil(lo / step - 1e-9)
        ticks = (first + np.arange(int(math.floor(hi / step + 1e-9)) - first + 1)) * step
        return ticks * self.scale


def set_time_axis(ax: Axes, span_s: float) -> str:
    """Label ``ax``'s x axis (times in seconds) in the unit for ``span_s``; returns the unit.
    Axes sharing x share the ticks, so one call per group of shared axes is enough."""
    unit = formats.time_unit(span_s)
    if unit != "s":  # seconds keep matplotlib's own ticks
        scale = formats.TIME_UNITS[unit]
        ax.xaxis.set_major_locator(UnitLocator(scale, STEPS[unit]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{round(x / scale, 6):,g}"))
    ax.set_xlabel(formats.time_label(unit))
    return unit
