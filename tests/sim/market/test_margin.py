"""Tiered margin and liquidation prices (MECHANICS.md §4): hand-computed examples and properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.margin import (
    MarginTiers,
    bankruptcy_price,
    cross_liquidation_price,
    cross_margin_account,
    entry_for_liquidation_price,
    hyperliquid_maintenance_rate,
    liquidation_price,
    liquidation_prices,
    margin_ratio,
    unrealised_pnl,
    wallet_for_liquidation_price,
)
from sim.market.sides import LONG, SHORT

# Binance's BTCUSDT ladder (50k → 125x 0.40% … 500M → 1x 50%)
BTC = MarginTiers.from_rows(
    [
        (50e3, 0.004, 125),
        (250e3, 0.005, 100),
        (1e6, 0.01, 50),
        (10e6, 0.025, 20),
        (20e6, 0.05, 10),
        (50e6, 0.10, 5),
        (100e6, 0.125, 4),
        (200e6, 0.15, 3),
        (300e6, 0.25, 2),
        (500e6, 0.50, 1),
    ]
)
ALT = MarginTiers.altcoin_50x()
FLAT1 = MarginTiers.flat(0.01)


# ---------------------------------------------------------------- worked examples
def test_btcusdt_cum_amounts():
    # cum_n = cum_(n-1) + cap_(n-1)·(MMR_n − MMR_(n-1)):
    # 50k·(0.005−0.004) = 50; 50 + 250k·(0.01−0.005) = 1,300; 1,300 + 1M·0.015 = 16,300;
    # 16,300 + 10M·0.025 = 266,300; + 20M·0.05 = 1,266,300; + 50M·0.025 = 2,516,300;
    # + 100M·0.025 = 5,016,300; + 200M·0.10 = 25,016,300; + 300M·0.25 = 100,016,300.
    expected = [0, 50, 1300, 16300, 266300, 1266300, 2516300, 5016300, 25016300, 100016300]
    assert BTC.cums == pytest.approx(expected, rel=1e-12)
    assert BTC.max_leverage == (125, 100, 50, 20, 10, 5, 4, 3, 2, 1)


def test_altcoin_cum_amounts():
    # 5k·0.015 = 75; 75 + 25k·0.025 = 700; 700 + 100k·0.05 = 5,700; 5,700 + 250k·0.025 = 11,950;
    # 11,950 + 1M·0.375 = 386,950
    assert ALT.cums == pytest.approx([0, 75, 700, 5700, 11950, 386950], rel=1e-12)
    assert ALT.caps[-1] == math.inf


def test_tiers_and_maintenance():
    assert BTC.tier(50_000) == 0  # notional <= cap belongs to the tier
    assert BTC.tier(50_000.01) == 1
    assert BTC.tier(1e12) == 9  # above the last cap: the last tier
    assert BTC.mmr_cum(100_000) == (0.005, 50.0)
    assert BTC.maintenance(50_000) == pytest.approx(200.0)  # 50,000·0.004
    assert BTC.maintenance(100_000) == pytest.approx(450.0)  # 100,000·0.005 − 50
    assert BTC.maintenance(2e6) == pytest.approx(33_700.0)  # 2M·0.025 − 16,300
    np.testing.assert_allclose(BTC.maintenance(np.array([50_000.0, 100_000.0])), [200.0, 450.0])
    np.testing.assert_array_equal(BTC.tier(np.array([0.0, 50_000.0, 3e5])), [0, 0, 2])


def test_flat_and_from_rows():
    t = MarginTiers.from_rows([(1000, 0.01, 50), (math.inf, 0.02, 25)])
    assert t.cums == (0.0, 10.0)  # 1000·(0.02 − 0.01)
    assert MarginTiers.flat(0.05, 10).maintenance(300.0) == pytest.approx(15.0)


def test_pnl_and_bankruptcy_prices():
    assert unrealised_pnl(LONG, 2, 100, 110) == 20.0  # 2·(110 − 100)
    assert unrealised_pnl(SHORT, 2, 100, 110) == -20.0
    assert bankruptcy_price(LONG, 1, 100, 10) == 90.0  # 100 − 10/1
    assert bankruptcy_price(SHORT, 2, 100, 10) == 105.0  # 100 + 10/2
    assert bankruptcy_price(LONG, 1, 100, 150) == 0.0  # over-collateralised long: never
    np.testing.assert_allclose(bankruptcy_price(SHORT, [1.0, 2.0], 100.0, [10.0, 10.0]), [110, 105])


def test_isolated_liquidation_price_10x_1pct():
    # 1 unit at 100, WB = 10 (10x), MMR 1%, cum 0.
    # short: (10 + 0 + 100)/(0.01 + 1) = 110/1.01 = 108.9108910891...
    assert liquidation_price(SHORT, 1, 100, 10, FLAT1) == pytest.approx(108.91089108910891, rel=1e-12)
    # long: (10 + 0 − 100)/(0.01 − 1) = 90/0.99 = 90.9090909090...
    assert liquidation_price(LONG, 1, 100, 10, FLAT1) == pytest.approx(90.909090909090909, rel=1e-12)


def test_liquidation_price_picks_consistent_tier_btcusdt():
    # long 10 BTC at 60,000 (600k notional), WB 60,000: tier 3 (1%, cum 1,300):
    # (60,000 + 1,300 − 600,000)/(10·0.01 − 10) = −538,700/−9.9 = 54,414.1414...; notional 544k ∈ (250k, 1M]
    assert liquidation_price(LONG, 10, 60_000, 60_000, BTC) == pytest.approx(54414.141414141, rel=1e-12)
    # short 2 BTC at 120,000 (240k, tier 2 at entry), WB 24,000. Tier 2 would give
    # (24,000 + 50 + 240,000)/(2·0.005 + 2) = 131,368.16 → notional 262.7k > 250k: inconsistent.
    # Tier 3: (24,000 + 1,300 + 240,000)/(2·0.01 + 2) = 265,300/2.02 = 131,336.6336...
    assert liquidation_price(SHORT, 2, 120_000, 24_000, BTC) == pytest.approx(131336.63366336634, rel=1e-12)


def test_never_liquidated_long():
    assert liquidation_price(LONG, 1, 100, 100, FLAT1) == 0.0  # 1x long
    assert liquidation_prices(LONG, [1.0], [100.0], [150.0], FLAT1)[0] == 0.0


def test_cross_liquidation_price():
    # WB − TMM₁ + UPNL₁ = 20 − 5 + (−5) = 10 → the 10x short above: 110/1.01
    assert cross_liquidation_price(SHORT, 1, 100, 20, 5, -5, FLAT1) == pytest.approx(110 / 1.01)


def test_dydx_liquidation_price_is_the_isolated_one_on_a_flat_ladder():
    # dYdX v4: p' = (e − s·p)/(|s|·MMF − s), s the signed size, p the price the equity e is known at
    # (the entry), MMF the maintenance fraction: Binance's LP with one tier at MMR = MMF, cum 0.
    # long s = 1, p = 100, e = 10, MMF 3%: (10 − 100)/(0.03 − 1) = 92.7835...
    dydx = MarginTiers.flat(0.03)
    assert liquidation_price(LONG, 1, 100, 10, dydx) == pytest.approx(92.78350515463917, rel=1e-12)
    # short s = −2, p = 100, e = 20: (20 + 200)/(0.06 + 2) = 106.7961...
    assert liquidation_price(SHORT, 2, 100, 20, dydx) == pytest.approx(106.79611650485437, rel=1e-12)


def test_inverses():
    # WB = MM(Q·liq) − s·Q·(liq − EP) = 1.1 + 10 = 11.1 for a short of 1 at 100 liquidated at 110
    assert wallet_for_liquidation_price(SHORT, 1, 100, 110, FLAT1) == pytest.approx(11.1)
    # EP = liq·(MMR − s)/(1/L − s) = 110·1.01/1.1 = 101 (10x short, liq 110); check: WB = 10.1,
    # LP = (10.1 + 101)/1.01 = 110
    assert entry_for_liquidation_price(SHORT, 110, 10, FLAT1) == pytest.approx(101.0)
    # long at 10x liquidated at 90: EP = 90·(0.01 − 1)/(0.1 − 1) = 89.1/0.9 = 99
    assert entry_for_liquidation_price(LONG, 90, 10, FLAT1) == pytest.approx(99.0)
    np.testing.assert_allclose(entry_for_liquidation_price(SHORT, np.array([110.0, 220.0]), 10, FLAT1), [101.0, 202.0])


def test_margin_ratio_and_hyperliquid():
    assert margin_ratio(450, 900) == 0.5
    assert margin_ratio(1, 0) == math.inf
    assert hyperliquid_maintenance_rate(40) == 0.0125  # ½ × 1/40


def test_cross_margin_account():
    # long 1 at 60,000 marked 59,000 (UPNL −1,000), short 10 at 3,000 marked 2,900 (+1,000), 1% MMR:
    # equity 1,000 + 0 = 1,000; MM = 590 + 290 = 880; ratio 0.88
    acct = cross_margin_account(1000, [LONG, SHORT], [1, 10], [60_000, 3_000], [59_000, 2_900], FLAT1)
    assert acct.upnl == pytest.approx(0.0)
    assert acct.equity == pytest.approx(1000.0)
    assert acct.maintenance == pytest.approx(880.0)
    assert acct.margin_ratio == pytest.approx(0.88)
    assert not acct.liquidatable
    assert cross_margin_account(500, [LONG], [1], [60_000], [59_000], [FLAT1]).liquidatable


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: liquidation_price(0, 1, 100, 10, FLAT1), "side"),
        (lambda: liquidation_price(LONG, 0, 100, 10, FLAT1), "qty"),
        (lambda: liquidation_price(LONG, 1, -5, 10, FLAT1), "entry"),
        (lambda: liquidation_price(LONG, 1, 100, math.nan, FLAT1), "wallet"),
        (lambda: liquidation_prices(SHORT, [1.0, -1.0], [100.0, 100.0], [1.0, 1.0], FLAT1), "qty"),
        (lambda: MarginTiers.flat(1.0), "mmrs[0]"),
        (lambda: MarginTiers.flat(0.01, 0.5), "max_leverage[0]"),
        (lambda: MarginTiers.from_rows([(10, 0.01, 50), (5, 0.02, 20)]), "caps"),
        (lambda: MarginTiers.from_rows([(10, 0.02, 50), (20, 0.01, 20)]), "mmrs"),
        (lambda: MarginTiers.from_rows([(10, 0.01, 50), (20, 0.02)]), "rows[1]"),
        (lambda: MarginTiers.from_rows([]), "caps"),
        (lambda: BTC.maintenance(-1.0), "notional"),
        (lambda: entry_for_liquidation_price(LONG, 90, 1, FLAT1), "leverage"),
        (lambda: entry_for_liquidation_price(SHORT, 90, -3, FLAT1), "leverage"),
        (lambda: bankruptcy_price(LONG, -2, 100, 10), "qty"),
        (lambda: margin_ratio(-1, 10), "maintenance"),
        (lambda: hyperliquid_maintenance_rate(0), "max_leverage"),
    ],
)
def test_bad_input_names_argument(call, name):
    with pytest.raises(ValueError, match=name.replace("[", r"\[").replace("]", r"\]")):
        call()


def test_error_message_has_value():
    with pytest.raises(ValueError, match=r"qty.*-3"):
        liquidation_price(LONG, -3, 100, 10, FLAT1)


# ------------------------------------------------------------------ properties
@st.composite
def ladders(draw):
    n = draw(st.integers(1, 6))
    caps = sorted(draw(st.lists(st.floats(1e2, 1e9), min_size=n, max_size=n, unique=True)))
    mmrs = sorted(draw(st.lists(st.floats(1e-3, 0.6), min_size=n, max_size=n)))
    if draw(st.booleans()):
        caps[-1] = math.inf
    return MarginTiers(tuple(caps), tuple(mmrs), tuple([1.0] * n))


@settings(max_examples=150, deadline=None)
@given(ladders())
def test_maintenance_continuous_at_boundaries(tiers):
    for n, cap in enumerate(tiers.caps[:-1]):
        # both tiers' formulas agree at the cap between them ...
        at_lower = cap * tiers.mmrs[n] - tiers.cums[n]
        at_upper = cap * tiers.mmrs[n + 1] - tiers.cums[n + 1]
        assert at_lower == pytest.approx(at_upper, rel=1e-12)
        # ... so MM just below and above the cap agree
        below, above = cap * (1 - 1e-12), cap * (1 + 1e-12)
        assert tiers.tier(below) <= n < tiers.tier(above)
        assert tiers.maintenance(below) == pytest.approx(tiers.maintenance(above), rel=1e-9)
    # and MM is non-decreasing in N
    caps = [c for c in tiers.caps if math.isfinite(c)]
    grid = np.linspace(0, caps[-1] * 1.5, 50) if caps else np.linspace(0, 1e6, 50)
    assert np.all(np.diff(tiers.maintenance(grid)) >= -1e-9 * grid[-1])


positions = st.tuples(
    st.sampled_from([LONG, SHORT]),
    st.floats(1e-3, 1e4),  # qty
    st.floats(1e-2, 1e5),  # entry
    st.floats(1.0, 200.0),  # leverage
    st.sampled_from([FLAT1, BTC, ALT]),
)


@settings(max_examples=300, deadline=None)
@given(positions)
def test_equity_equals_maintenance_at_liquidation_price(pos):
    side, qty, entry, leverage, tiers = pos
    wallet = qty * entry / leverage
    lp = liquidation_price(side, qty, entry, wallet, tiers)
    if lp == 0.0:  # a long that can never be liquidated: equity at 0 still covers
        assert side == LONG and wallet - qty * entry >= 0
        return
    equity = wallet + unrealised_pnl(side, qty, entry, lp)
    scale = qty * entry
    assert equity == pytest.approx(tiers.maintenance(qty * lp), rel=1e-9, abs=1e-9 * scale)
    # vectorised variants are bit-identical
    assert liquidation_prices(side, [qty], [entry], [wallet], tiers)[0] == lp
    assert bankruptcy_price(side, [qty], [entry], [wallet])[0] == bankruptcy_price(side, qty, entry, wallet)


@settings(max_examples=200, deadline=None)
@given(positions, st.floats(0.05, 0.95))
def test_wallet_and_entry_inverses_round_trip(pos, depth):
    side, qty, entry, leverage, tiers = pos
    liq = entry * (1 - side * depth / 2)
    wallet = wallet_for_liquidation_price(side, qty, entry, liq, tiers)
    assert liquidation_price(side, qty, entry, wallet, tiers) == pytest.approx(liq, rel=1e-9)
    if side == LONG and leverage < 1.01:  # 1x long: no LP; near 1x EP ∝ 1/(1 − 1/L) is ill-conditioned
        return
    ep = entry_for_liquidation_price(side, liq, leverage, tiers, qty=qty)
    lp = liquidation_price(side, qty, ep, qty * ep / leverage, tiers)
    assert lp == pytest.approx(liq, rel=1e-9)
