"""Statistics over seeds: the mean's 95% confidence interval (Student t) and a metric's spread."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Two-sided 95% Student t quantiles for 1..30 degrees of freedom; 1.96 beyond.
# fmt: off
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
       2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
# fmt: on


def ci95(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (0 for a single value; NaN for none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return math.nan, math.nan
    if len(values) == 1:
        return float(values[0]), 0.0
    t = T95[len(values) - 2] if len(values) - 1 <= len(T95) else 1.96
    return float(values.mean()), float(t * values.std(ddof=1) / math.sqrt(len(values)))


@dataclass(frozen=True)
class Spread:
    """One metric over the seeds that gave it a value: ``n`` of them, and ``missing`` that gave none
    (e.g. no liquidation, so no time of the first)."""

    n: int
    missing: int
    mean: float
    ci_low: float
    ci_high: float
    median: float
    p5: float
    p95: float
    min: float
    max: float

    @classmethod
    def of(cls, values: list[float | None]) -> Spread | None:
        """The spread of ``values`` (None for a seed without one); None if no seed has one."""
        given = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
        if not len(given):
            return None
        mean, half = ci95(given)
        p5, median, p95 = np.percentile(given, [5, 50, 95])
        return cls(
            len(given),
            len(values) - len(given),
            mean,
            mean - half,
            mean + half,
            float(median),
            float(p5),
            float(p95),
            float(given.min()),
            float(given.max()),
        )
