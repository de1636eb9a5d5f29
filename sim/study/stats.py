"""Statistics over seeds: the mean's 95% confidence interval (Student t), a metric's spread, and
the range a metric can take, to which intervals and bands are cut."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Two-sided 95% Student t quantiles for 1..30 degrees of freedom; 1.96 beyond.
# fmt: off
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
       2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
# fmt: on
COUNTS = ("liquidations", "waves", "adl_count", "records", "events_processed")
# Other metrics (the leaf of a dotted name) that cannot be negative: the arm-comparison figures.
NON_NEGATIVE = (
    "count",
    "depth_median",
    "depth_p10",
    "realised_vol",
    "option_premium",
    "option_premium_low",
    "option_premium_high",
    "exercise_paid",
    "project_cost",
    "holder_interest_paid",
    "holder_fees_paid",
    "bad_debt",
    "liquidation_attempts",
    "adl_count",
)


def possible_range(name: str, rows: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    """The range metric ``name`` can take in runs like ``rows`` (flat metrics, as numbers or text):
    prices, counts, durations, amplification, traded or liquidated notionals and the NON_NEGATIVE
    figures are never negative; liquidations (in all, or a venue's) never exceed the positions the perp venues held
    (the ``positions.*`` columns), nor what the runs show."""
    leaf = name.split(".")[-1]
    prices = name.startswith(("peak_price.", "final_price.", "min_price.", "max_price.")) or leaf.endswith("_mark")
    counts = leaf in COUNTS or leaf in NON_NEGATIVE or name.endswith((".processed", ".max_queue"))
    never_negative = prices or counts or leaf.endswith("_s") or name == "amplification" or "notional" in name
    low = 0.0 if never_negative else -math.inf
    if name == "liquidations":
        held = [[v for k, v in r.items() if k.startswith("positions.")] for r in rows]
    elif name.startswith("perp_venues.") and name.endswith(".liquidations"):
        held = [[r.get(f"positions.{name.split('.')[1]}")] for r in rows]
    else:
        return low, math.inf
    if not rows or not all(h and all(_given(v) for v in h) for h in held):
        return low, math.inf
    seen = max((float(r[name]) for r in rows if _given(r.get(name))), default=0.0)
    return low, max(max(sum(float(v) for v in h) for h in held), seen)


def _given(value: Any) -> bool:
    return value is not None and value != ""


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
    def of(cls, values: list[float | None], within: tuple[float, float] = (-math.inf, math.inf)) -> Spread | None:
        """The spread of ``values`` (None for a seed without one), the interval cut to the metric's
        possible range ``within``; None if no seed has a value."""
        given = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
        if not len(given):
            return None
        mean, half = ci95(given)
        low, high = max(mean - half, within[0]), min(mean + half, within[1])
        p5, median, p95 = np.percentile(given, [5, 50, 95])
        return cls(
            len(given),
            len(values) - len(given),
            mean,
            low,
            high,
            float(median),
            float(p5),
            float(p95),
            float(given.min()),
            float(given.max()),
        )
