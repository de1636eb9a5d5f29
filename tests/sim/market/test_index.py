"""Index price (MECHANICS.md §1): hand-computed examples and properties."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.market.index import hyperliquid_oracle, index_price, weighted_median


def test_all_sources_agree_weighted_mean():
    r = index_price([100.0, 102.0], [0.75, 0.25], [0.0, 0.0], now=1.0)
    # 0.75*100 + 0.25*102 = 75 + 25.5
    assert r.price == pytest.approx(100.5)
    assert r.method == "weighted"
    assert r.weights == pytest.approx((0.75, 0.25))
    assert r.used == (True, True)


def test_one_outlier_gets_weight_zero_and_weights_renormalise():
    r = index_price([100.0, 101.0, 110.0], [0.5, 0.3, 0.2], [0.0, 0.0, 0.0], now=10.0)
    # median 101, band 5% = 5.05; |110 - 101| = 9 > 5.05 -> outlier
    # weights 0.5/0.8 = 0.625, 0.3/0.8 = 0.375; 0.625*100 + 0.375*101 = 62.5 + 37.875
    assert r.price == pytest.approx(100.375)
    assert r.weights == pytest.approx((0.625, 0.375, 0.0))
    assert r.used == (True, True, False)
    assert r.method == "weighted"


def test_two_outliers_switch_to_median():
    prices = [100.0, 101.0, 110.0, 90.0, 100.5]
    r = index_price(prices, [0.2] * 5, [0.0] * 5, now=0.0)
    # sorted 90, 100, 100.5, 101, 110 -> median 100.5, band 5.025; 110 and 90 deviate
    assert r.price == 100.5
    assert r.method == "median"
    assert r.weights == (0.0,) * 5
    assert r.used == (True,) * 5


def test_stale_and_nan_sources_are_dropped():
    r = index_price([100.0, 102.0, 50.0, math.nan], [0.4, 0.4, 0.1, 0.1], [0.0, -300.0, -301.0, 0.0], now=0.0)
    # source 2 is 300 s old (fresh at the limit), source 3 is 301 s old (stale), source 4 nan
    # fresh: 100, 102 with weights 0.4/0.8 = 0.5 each -> 101
    assert r.price == pytest.approx(101.0)
    assert r.weights == pytest.approx((0.5, 0.5, 0.0, 0.0))
    assert r.used == (True, True, False, False)


def test_no_fresh_source_gives_nan():
    r = index_price([100.0, math.nan], [1.0, 1.0], [0.0, 0.0], now=1000.0)
    assert math.isnan(r.price)
    assert r.method == "none"
    assert r.weights == (0.0, 0.0)
    assert r.used == (False, False)


def test_weighted_median_plain_and_tie():
    # cumulative weights 1, 2, 3 against half 1.5 -> second value
    assert weighted_median([3.0, 1.0, 2.0], [1.0, 1.0, 1.0]) == 2.0
    # equal weights, even count: cumulative 2 == half 2 -> mean of 2 and 3, as np.median
    assert weighted_median([1.0, 2.0, 3.0, 4.0], [1.0] * 4) == 2.5
    # heavy first value: cumulative 5 >= half 4 at once
    assert weighted_median([1.0, 2.0, 3.0], [5.0, 2.0, 1.0]) == 1.0


def test_weighted_median_hyperliquid_source_weights():
    # Binance 3, OKX 2, Bybit 2, Kraken 1, KuCoin 1, Gate 1, MEXC 1, Hyperliquid 1 (total 12)
    prices = [100.0, 100.2, 99.9, 100.5, 99.5, 100.1, 101.0, 100.3]
    weights = [3, 2, 2, 1, 1, 1, 1, 1]
    # sorted: 99.5 (1, cum 1), 99.9 (2, cum 3), 100.0 (3, cum 6 == half) -> tie
    # -> mean of 100.0 and the next value 100.1
    assert weighted_median(prices, weights) == pytest.approx(100.05)


def test_weighted_median_ignores_nan_and_zero_weight():
    assert weighted_median([math.nan, 5.0, 1.0, 7.0], [9.0, 1.0, 0.0, 1.0]) == 6.0
    assert math.isnan(weighted_median([math.nan], [1.0]))


def test_hyperliquid_oracle_stake_weighted_median_of_validator_medians():
    source_weights = [3, 2, 2]  # total 7, half 3.5
    rows = [
        [100.0, 101.0, 102.0],  # cum 3 (100), 5 (101) -> 101
        [99.0, 100.0, 103.0],  # cum 3 (99), 5 (100) -> 100
        [104.0, 102.0, 101.0],  # sorted 101 (2), 102 (2, cum 4) -> 102
    ]
    # medians 101, 100, 102 with stakes 10, 20, 15: sorted 100 (cum 20), 101 (cum 30 >= 22.5)
    assert hyperliquid_oracle(rows, source_weights, [10, 20, 15]) == 101.0
    # stake 30 on the second validator: cum 30 >= 27.5 at 100
    assert hyperliquid_oracle(rows, source_weights, [10, 30, 15]) == 100.0


def test_hyperliquid_oracle_missing_quote():
    # validator 1 misses source 0: its median of 101 (2), 102 (2) ties -> 101.5
    rows = [[math.nan, 101.0, 102.0], [100.0, 100.0, 100.0]]
    assert hyperliquid_oracle(rows, [3, 2, 2], [2, 1]) == 101.5


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: index_price([-1.0], [1.0], [0.0], 0.0), r"prices.*-1\.0"),
        (lambda: index_price([1.0], [-2.0], [0.0], 0.0), r"weights.*-2\.0"),
        (lambda: index_price([1.0, 2.0], [1.0], [0.0, 0.0], 0.0), r"weights.*length 2"),
        (lambda: index_price([1.0], [1.0], [0.0], 0.0, stale_after=0.0), r"stale_after.*0\.0"),
        (lambda: index_price([1.0], [1.0], [0.0], 0.0, outlier=-0.1), r"outlier.*-0\.1"),
        (lambda: index_price([1.0], [1.0], [0.0], math.inf), r"now.*inf"),
        (lambda: weighted_median([1.0], [-1.0]), r"weights.*-1\.0"),
        (lambda: hyperliquid_oracle([[1.0, 2.0]], [1.0], [1.0]), r"validator_prices.*1 prices"),
        (lambda: hyperliquid_oracle([[1.0]], [1.0], [-3.0]), r"stake.*-3\.0"),
    ],
)
def test_bad_input_raises_naming_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


sources = st.lists(
    st.tuples(
        st.one_of(st.just(math.nan), st.floats(1.0, 1e6)),  # price
        st.floats(0.0, 10.0),  # weight
        st.floats(0.0, 600.0),  # age in seconds
    ),
    min_size=1,
    max_size=8,
)


@given(sources, st.floats(0.0, 0.2))
def test_index_lies_within_fresh_sources(rows, outlier):
    prices, weights, ages = (np.array(c) for c in zip(*rows, strict=True))
    r = index_price(prices, weights, -ages, now=0.0, outlier=outlier)
    fresh = ~np.isnan(prices) & (ages <= 300.0) & (weights > 0)
    if not fresh.any():
        assert math.isnan(r.price) and r.method == "none"
        return
    lo, hi = prices[fresh].min(), prices[fresh].max()
    assert lo * (1 - 1e-12) <= r.price <= hi * (1 + 1e-12)
    assert all(u <= f for u, f in zip(r.used, fresh, strict=True))
    assert sum(r.weights) == pytest.approx(1.0 if r.method == "weighted" else 0.0)


@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(0.01, 100.0)), min_size=1, max_size=10))
def test_weighted_median_lies_within_values(rows):
    values, weights = zip(*rows, strict=True)
    assert min(values) <= weighted_median(values, weights) <= max(values)
