"""The mean's 95% confidence interval and a metric's spread over seeds, against hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.study.stats import Spread, ci95, possible_range


def test_ci95_uses_student_t_with_n_minus_one_degrees_of_freedom():
    # 1, 2, 3, 4: mean 2.5, sample sd sqrt(5/3) = 1.29099, t(3) = 3.182 -> 3.182 * 1.29099 / 2 = 2.05397
    mean, half = ci95(np.array([1.0, 2.0, 3.0, 4.0]))
    assert mean == 2.5 and half == pytest.approx(2.05397, abs=1e-5)
    assert ci95(np.array([7.0])) == (7.0, 0.0)
    assert all(math.isnan(v) for v in ci95(np.array([])))


def test_a_spread_over_seeds_skips_seeds_without_a_value():
    s = Spread.of([4.0, None, 1.0, 3.0, 2.0, math.nan])
    assert (s.n, s.missing) == (4, 2)
    assert (s.mean, s.median, s.min, s.max) == (2.5, 2.5, 1.0, 4.0)
    assert (s.ci_low, s.ci_high) == pytest.approx((2.5 - 2.05397, 2.5 + 2.05397), abs=1e-5)
    assert (s.p5, s.p95) == pytest.approx((1.15, 3.85))  # linear interpolation: 1 + 0.05 * 3, 4 - 0.05 * 3
    assert Spread.of([None, None]) is None


def test_the_possible_range_of_counts_prices_and_liquidations():
    rows = [
        {"liquidations": "7", "positions.perp_a": "5", "positions.perp_b": "4", "perp_venues.perp_a.liquidations": "5"}
    ]
    assert possible_range("liquidations", rows) == (0.0, 9.0)
    assert possible_range("perp_venues.perp_a.liquidations", rows) == (0.0, 5.0)
    assert possible_range("peak_price.spot", rows) == (0.0, math.inf)
    assert possible_range("insurance_fund_change", rows) == (-math.inf, math.inf)
    assert possible_range("playbook.realised_vol", rows) == (0.0, math.inf)
    assert possible_range("playbook.holder_funding_yield", rows) == (-math.inf, math.inf)  # funding can be paid
    assert possible_range("liquidations", [{"liquidations": "7"}]) == (0.0, math.inf)  # an older sweep: no positions
    assert possible_range("liquidations", [{"liquidations": 7, "positions.perp": 5}]) == (0.0, 7.0)  # runs show 7


def test_an_interval_is_cut_to_the_possible_range():
    s = Spread.of([0.0, 0.0, 3.0], within=(0.0, 3.0))  # mean 1, t(2) = 4.303: 1 ± 4.30
    assert (s.ci_low, s.ci_high) == (0.0, 3.0) and s.mean == 1.0
