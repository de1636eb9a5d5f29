"""Funding (MECHANICS.md §3): hand-computed examples and properties."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.market.funding import (
    annualised,
    average_premium,
    binance_funding_cap,
    funding_payments,
    funding_rate,
    impact_notional,
    premium_sample,
)
from sim.market.sides import LONG, SHORT


@pytest.mark.parametrize(
    ("impact_bid", "impact_ask", "expected"),
    [
        (100.3, 100.5, 0.003),  # perp rich: (0.3 - 0) / 100
        (99.5, 99.8, -0.002),  # perp cheap: (0 - 0.2) / 100
        (99.9, 100.1, 0.0),  # index inside the impact spread: (0 - 0) / 100
    ],
)
def test_premium_sample_three_cases(impact_bid, impact_ask, expected):
    assert premium_sample(impact_bid, impact_ask, 100.0) == pytest.approx(expected, abs=1e-15)


def test_impact_notional_binance():
    assert impact_notional(0.05) == pytest.approx(4000.0)  # 200 / 5% IMR at 20x
    assert impact_notional(0.008) == pytest.approx(25000.0)  # 200 / 0.8% at 125x


def test_average_premium_plain_and_time_weighted():
    samples = [0.001, 0.002, 0.003, 0.006]
    assert average_premium(samples) == pytest.approx(0.003)  # 0.012 / 4
    # Binance weights 1..4: (0.001 + 0.004 + 0.009 + 0.024) / 10 = 0.038 / 10
    assert average_premium(samples, np.arange(1, 5)) == pytest.approx(0.0038)


def test_funding_rate_clamp_does_not_bind():
    # r - P = 0.0001 - 0.0003 = -0.0002, inside ±0.0005 -> F = 0.0003 - 0.0002 = r
    assert funding_rate(0.0003) == pytest.approx(0.0001)


def test_funding_rate_clamp_binds():
    # r - P = 0.0001 - 0.002 = -0.0019 -> -0.0005; F = 0.002 - 0.0005
    assert funding_rate(0.002) == pytest.approx(0.0015)
    # r - P = 0.0001 + 0.003 = 0.0031 -> +0.0005; F = -0.003 + 0.0005
    assert funding_rate(-0.003) == pytest.approx(-0.0025)


def test_funding_rate_interval_scaling_8h_4h_1h():
    assert funding_rate(0.002, interval_hours=8.0) == pytest.approx(0.0015)
    assert funding_rate(0.002, interval_hours=4.0) == pytest.approx(0.00075)  # 0.0015 / 2
    assert funding_rate(0.002, interval_hours=1.0) == pytest.approx(0.0001875)  # 0.0015 / 8


def test_funding_rate_binance_cap():
    cap = binance_funding_cap(0.025)
    assert cap == pytest.approx(0.01875)  # 0.75 * 2.5%
    # F_8h = 0.05 - 0.0005 = 0.0495 -> capped at 0.01875; symmetric for negative
    assert funding_rate(0.05, cap=cap) == pytest.approx(0.01875)
    assert funding_rate(-0.05, cap=cap) == pytest.approx(-0.01875)


def test_funding_rate_hyperliquid_hourly_capped_at_4_percent():
    # a hyperliquid venue: hourly (interval_hours=1), funding_cap 4%/h (the perp settings' hyperliquid default)
    # F_8h = 0.002 - 0.0005 = 0.0015 -> hourly 0.0015 / 8
    assert funding_rate(0.002, interval_hours=1.0, cap=0.04) == pytest.approx(0.0001875)
    # F_8h = 0.5 - 0.0005 = 0.4995 -> 0.0624375 an hour, capped at 0.04
    assert funding_rate(0.5, interval_hours=1.0, cap=0.04) == pytest.approx(0.04)
    # at the interest rate: 0.0001 / 8 = 0.0000125 an hour
    assert funding_rate(0.0001, interval_hours=1.0, cap=0.04) == pytest.approx(0.0000125)


def test_funding_payments_two_longs_one_short():
    side = np.array([LONG, LONG, SHORT])
    qty = np.array([2.0, 3.0, 5.0])
    pay = funding_payments(side, qty, 100.0, 0.0001)
    # longs pay 2*100*0.0001 = 0.02 and 3*100*0.0001 = 0.03; the short receives 5*100*0.0001
    np.testing.assert_allclose(pay, [-0.02, -0.03, 0.05])
    assert pay.sum() == pytest.approx(0.0, abs=1e-15)
    # negative rate: shorts pay longs
    np.testing.assert_allclose(funding_payments(side, qty, 100.0, -0.0001), [0.02, 0.03, -0.05])


def test_funding_payments_with_unequal_open_interest():
    side, qty = [LONG, SHORT], [3.0, 1.0]
    pay = funding_payments(side, qty, 100.0, 0.001)
    np.testing.assert_allclose(pay, [-0.3, 0.1])  # -3*100*0.001, +1*100*0.001
    # they sum to -(3 - 1) * 100 * 0.001 = -0.2
    assert pay.sum() == pytest.approx(-0.2)


def test_annualised():
    assert annualised(0.0001, 8.0) == pytest.approx(0.1095)  # 0.0001 * 1095 (3 a day)
    assert annualised(0.0001, 1.0) == pytest.approx(0.876)  # 0.0001 * 8760


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: premium_sample(-1.0, 1.0, 1.0), r"impact_bid.*-1\.0"),
        (lambda: premium_sample(2.0, 1.0, 1.0), r"impact_bid.*2\.0"),
        (lambda: premium_sample(1.0, 2.0, 0.0), r"index.*0\.0"),
        (lambda: impact_notional(1.5), r"initial_margin_rate_at_max_leverage.*1\.5"),
        (lambda: average_premium([]), r"samples.*\[\]"),
        (lambda: average_premium([0.1, 0.2], [1.0]), r"weights.*\[1\.0\]"),
        (lambda: funding_rate(0.0, interval_hours=0.0), r"interval_hours.*0\.0"),
        (lambda: funding_rate(0.0, clamp=-0.1), r"clamp.*-0\.1"),
        (lambda: funding_rate(0.0, cap=-0.01), r"cap.*-0\.01"),
        (lambda: funding_rate(math.nan), r"avg_premium.*nan"),
        (lambda: binance_funding_cap(1.2), r"mmr.*1\.2"),
        (lambda: funding_payments([1, 0], [1.0, 1.0], 1.0, 0.1), r"side.*0"),
        (lambda: funding_payments([1, -1], [1.0, -1.0], 1.0, 0.1), r"qty.*-1\.0"),
        (lambda: funding_payments([1], [1.0], -5.0, 0.1), r"price.*-5\.0"),
        (lambda: annualised(0.1, -8.0), r"interval_hours.*-8\.0"),
    ],
)
def test_bad_input_raises_naming_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@given(
    st.lists(st.integers(1, 10_000), min_size=1, max_size=10),
    st.lists(st.integers(0, 10_000), min_size=0, max_size=9),
    st.floats(0.01, 1e5),
    st.floats(-0.05, 0.05, allow_subnormal=False),  # a subnormal rate underflows to a 0 payment
    st.randoms(use_true_random=False),
)
def test_funding_payments_sum_to_zero_with_equal_open_interest(longs, cuts, price, rate, rng):
    # shorts: the long open interest split at random cut points (integer lots, so exactly equal)
    total = sum(longs)
    points = sorted({c % total for c in cuts} | {0, total})
    shorts = np.diff(points)
    side = np.array([LONG] * len(longs) + [SHORT] * len(shorts))
    qty = np.array(longs + list(shorts), dtype=float)
    order = list(range(len(side)))
    rng.shuffle(order)
    pay = funding_payments(side[order], qty[order], price, rate)
    gross = total * price * abs(rate)
    assert abs(pay.sum()) <= 1e-12 * max(gross, 1.0)
    # longs pay when rate > 0
    assert np.all(np.sign(pay[side[order] == LONG]) == -np.sign(rate))
