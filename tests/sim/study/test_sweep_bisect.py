"""Scan then bisect (sim/study/critical.py), on synthetic functions with hand-placed crossings."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.study.critical import crossings, scan_points


def elementwise(f):
    """``f`` of one value as the list-to-list function ``crossings`` takes, recording every call."""
    calls: list[list[float]] = []

    def many(xs: list[float]) -> list[float]:
        calls.append(list(xs))
        return [f(x) for x in xs]

    many.calls = calls
    return many


def test_an_increasing_function_is_bracketed_within_the_tolerance():
    scan = crossings(elementwise(lambda x: x**2), scan_points(0.0, 4.0, 5), threshold=2.0, tol=1e-3)
    (b,) = scan.brackets
    assert b.low <= math.sqrt(2) <= b.high and b.high - b.low <= 1e-3
    assert b.f_low < 2.0 <= b.f_high and b.rising
    assert b.estimate == pytest.approx(math.sqrt(2), abs=1e-3)
    assert len(b.evaluations) == math.ceil(math.log2(1.0 / 1e-3))  # from the scan's bracket [1, 2]
    assert scan.monotone and scan.evaluations == 5 + len(b.evaluations)


def test_a_sawtooth_has_every_crossing_reported_not_one_found_by_chance():
    """Steps like the rocket's peak against hedge latency: down at 1.0 s, back up at 1.2 s, down at 1.9 s."""
    f = elementwise(lambda x: 16.0 if x < 1.0 or 1.2 <= x < 1.9 else 14.0)
    scan = crossings(f, scan_points(0.0, 2.0, 21), threshold=15.0, tol=0.01)
    assert [(round(b.low, 2), round(b.high, 2)) for b in scan.brackets] == [(0.99, 1.0), (1.19, 1.2), (1.89, 1.9)]
    assert [b.rising for b in scan.brackets] == [False, True, False]
    assert all(b.high - b.low <= 0.01 for b in scan.brackets)
    assert not scan.monotone


def test_the_brackets_midpoints_are_evaluated_together_round_by_round():
    f = elementwise(lambda x: 16.0 if x < 0.33 or x > 0.71 else 14.0)
    crossings(f, [0.0, 0.5, 1.0], threshold=15.0, tol=0.1)
    assert f.calls[0] == [0.0, 0.5, 1.0]
    assert f.calls[1] == [0.25, 0.75]  # both brackets' first midpoints in one call
    assert all(len(call) == 2 for call in f.calls[1:])


def test_integer_parameters_bisect_on_whole_numbers():
    scan = crossings(elementwise(float), scan_points(0, 100, 5, integer=True), threshold=37.5, tol=1, integer=True)
    (b,) = scan.brackets
    assert (b.low, b.high) == (37, 38)
    assert all(float(x).is_integer() for x, _ in b.evaluations)


def test_integer_scan_points_are_whole_and_distinct():
    assert scan_points(0, 3, 7, integer=True) == [0, 1, 2, 3]
    assert scan_points(0.0, 2.0, 5) == [0.0, 0.5, 1.0, 1.5, 2.0]


@pytest.mark.parametrize("f", [lambda x: 20.0, lambda x: math.nan])
def test_no_crossing_in_the_scan_gives_no_bracket(f):
    scan = crossings(elementwise(f), [0.0, 1.0, 2.0], threshold=15.0, tol=0.1)
    assert scan.brackets == [] and len(scan.points) == 3


def test_a_nan_midpoint_stops_that_bracket_only():
    f = elementwise(lambda x: math.nan if 0.2 < x < 0.3 else (16.0 if x < 0.25 or x > 0.8 else 14.0))
    scan = crossings(f, [0.0, 0.5, 1.0], threshold=15.0, tol=0.01)
    first, second = scan.brackets
    assert (first.low, first.high) == (0.0, 0.5)  # its midpoint 0.25 gave NaN
    assert second.high - second.low <= 0.01 and second.low <= 0.8 <= second.high


@given(st.lists(st.floats(-10, 10), min_size=2, max_size=12), st.floats(-5, 5))
def test_brackets_are_exactly_the_scans_sign_changes(values, threshold):
    xs = [float(i) for i in range(len(values))]
    table = dict(zip(xs, values, strict=True))
    scan = crossings(lambda q: [table.get(x, math.nan) for x in q], xs, threshold, tol=2.0)
    changes = [i for i in range(len(values) - 1) if (values[i] >= threshold) != (values[i + 1] >= threshold)]
    assert [(b.low, b.high) for b in scan.brackets] == [(xs[i], xs[i + 1]) for i in changes]
    for b in scan.brackets:
        assert (b.f_low >= threshold) != (b.f_high >= threshold)
