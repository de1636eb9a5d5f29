"""Bisection for a threshold crossing, on synthetic monotone functions."""

from __future__ import annotations

import math

import pytest

from sim.sweep_critical import NoCrossing, bisect


def test_an_increasing_function_is_bracketed_within_the_tolerance():
    b = bisect(lambda x: x**2, 0.0, 4.0, threshold=2.0, tol=1e-3)
    assert b.low <= math.sqrt(2) <= b.high
    assert b.high - b.low <= 1e-3
    assert b.f_low < 2.0 <= b.f_high
    assert b.estimate == pytest.approx(math.sqrt(2), abs=1e-3)
    assert len(b.evaluations) == 2 + math.ceil(math.log2(4.0 / 1e-3))


def test_a_decreasing_function_like_peak_price_against_latency():
    peak = lambda latency: 17.0 - 2.5 * latency  # noqa: E731 - crosses 15 at 0.8 s
    b = bisect(peak, 0.0, 2.0, threshold=15.0, tol=0.01)
    assert b.low <= 0.8 <= b.high and b.high - b.low <= 0.01
    assert b.f_low >= 15.0 > b.f_high


def test_a_step_function_brackets_the_step():
    b = bisect(lambda x: 16.0 if x < 0.915 else 14.0, 0.0, 2.0, threshold=15.0, tol=0.005)
    assert b.low < 0.915 <= b.high and b.high - b.low <= 0.005


def test_integer_parameters_bisect_on_whole_numbers():
    b = bisect(lambda n: float(n), 0, 100, threshold=37.5, tol=1, integer=True)
    assert (b.low, b.high) == (37, 38)
    assert all(float(x).is_integer() for x, _ in b.evaluations)


@pytest.mark.parametrize("f", [lambda x: 20.0, lambda x: math.nan])
def test_no_crossing_in_the_range_is_reported_with_both_ends(f):
    with pytest.raises(NoCrossing) as exc:
        bisect(f, 0.0, 2.0, threshold=15.0, tol=0.1)
    assert exc.value.low[0] == 0.0 and exc.value.high[0] == 2.0
