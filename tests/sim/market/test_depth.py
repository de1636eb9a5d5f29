"""Depth profiles and ladders: hand-computed ladders, seed 000's $200k move, bad input."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.depth import DepthProfile, ladder
from sim.market.orderbook import OrderBook
from sim.market.sides import BUY, SELL


def test_flat_ladder_by_hand():
    profile = DepthProfile(notional=40_000, range=0.02, extent=0.2)
    asks = ladder(profile, 10.0, 0.01, SELL)
    bids = ladder(profile, 10.0, 0.01, BUY)
    # One level per 0.1% = 1 tick out to ±20%: 200 levels a side, 20 of them within ±2%,
    # so 40,000 / 20 = 2,000 quote per level.
    assert len(asks) == len(bids) == 200
    assert asks[0] == (10.01, pytest.approx(2000 / 10.01))
    assert asks[-1] == (12.00, pytest.approx(2000 / 12.00))
    assert bids[0] == (9.99, pytest.approx(2000 / 9.99))
    assert bids[-1] == (8.00, pytest.approx(2000 / 8.00))
    assert sum(p * q for p, q in asks[:20]) == pytest.approx(40_000)


def test_linear_ladder_by_hand():
    profile = DepthProfile(notional=21_000, shape="linear", range=0.02, extent=0.05)
    asks = ladder(profile, 10.0, 0.01, SELL)
    # Density ∝ distance: level j at j * 0.1% holds ∝ j; within ±2%, 1 + ... + 20 = 210,
    # so level j holds 21,000 * j / 210 = 100 * j quote.
    assert len(asks) == 50
    assert asks[0] == (10.01, pytest.approx(100 / 10.01))
    assert asks[19] == (10.20, pytest.approx(2000 / 10.20))
    assert asks[-1] == (10.50, pytest.approx(5000 / 10.50))


def test_exponential_ladder_by_hand():
    profile = DepthProfile(notional=1000, shape="exponential", range=0.02, extent=0.03, step=0.01, scale=0.01)
    bids = ladder(profile, 10.0, 0.01, BUY)
    # Levels at 1%, 2%, 3% weigh e^-1, e^-2, e^-3; the first two hold 1,000 quote.
    e1, e2, e3 = math.exp(-1), math.exp(-2), math.exp(-3)
    expected = [(9.90, 1000 * e1 / (e1 + e2)), (9.80, 1000 * e2 / (e1 + e2)), (9.70, 1000 * e3 / (e1 + e2))]
    assert [p for p, _ in bids] == [p for p, _ in expected]
    assert [p * q for p, q in bids] == pytest.approx([n for _, n in expected])


def test_step_is_rounded_to_whole_ticks():
    # step 0.1% of 10 = 0.01 < tick 0.05: one tick per level, 10.05 ... 10.20 within ±2%.
    asks = ladder(DepthProfile(notional=1000, extent=0.02), 10.0, 0.05, SELL)
    assert asks == [(p, pytest.approx(250 / p)) for p in (10.05, 10.10, 10.15, 10.20)]
    # step 0.5% of 10 = 0.05 = 5 ticks of 0.01.
    asks = ladder(DepthProfile(notional=1000, step=0.005, extent=0.02), 10.0, 0.01, SELL)
    assert [p for p, _ in asks] == [10.05, 10.10, 10.15, 10.20]


def post_ladders(book: OrderBook, profile: DepthProfile, mid: float, owner: int) -> None:
    """Both of ``profile``'s ladders around ``mid`` as resting orders, as a spot venue opens its book."""
    for side in (BUY, SELL):
        for price, qty in ladder(profile, mid, book.tick, side):
            book.limit(side, price, qty, owner)


def test_both_ladders_on_a_book_put_the_notional_within_range():
    book = OrderBook(0.01)
    post_ladders(book, DepthProfile(notional=40_000, extent=0.2), 10.0, owner=3)
    assert len(book) == 400
    assert book.mid() == 10.0 and book.levels(BUY, 1) == [(9.99, pytest.approx(2000 / 9.99))]
    assert book.depth_notional(BUY, 0.02) == pytest.approx(40_000)
    assert book.depth_notional(SELL, 0.02) == pytest.approx(40_000)


def test_seed_000_200k_buy_moves_10_to_about_11():
    book = OrderBook(0.01)
    post_ladders(book, DepthProfile(notional=40_000, range=0.02, extent=0.2), 10.0, owner=1)
    fills = book.market(BUY, notional=200_000, owner=2)
    assert sum(f.price * f.qty for f in fills) == pytest.approx(200_000)
    assert abs(book.best_ask() - 11.0) <= 3 * 0.01


@settings(max_examples=50, deadline=None)
@given(
    notional=st.floats(1e3, 1e8),
    range_=st.sampled_from([0.005, 0.01, 0.02]),
    shape=st.sampled_from(["flat", "linear", "exponential"]),
    mid_ticks=st.integers(500, 100_000),
    side=st.sampled_from([BUY, SELL]),
)
def test_ladder_normalisation_and_grid(notional, range_, shape, mid_ticks, side):
    tick = 0.01
    mid = mid_ticks * tick
    profile = DepthProfile(notional=notional, range=range_, shape=shape, extent=0.05)
    levels = ladder(profile, mid, tick, side)
    book = OrderBook(tick)
    assert all(book.grid.to_ticks(p) > 0 and q > 0 for p, q in levels)
    prices = [p for p, _ in levels]
    assert prices == sorted(prices, reverse=side == BUY) and -side * (prices[0] - mid) > 0
    assert all(abs(p - mid) <= 0.05 * mid * (1 + 1e-9) for p in prices)
    within = sum(p * q for p, q in levels if abs(p - mid) <= range_ * mid * (1 + 1e-9))
    assert within == pytest.approx(notional, rel=1e-9)


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("notional", {"notional": 0}),
        ("notional", {"notional": -5.0}),
        ("range", {"range": 0}),
        ("extent", {"range": 0.05, "extent": 0.04}),
        ("extent", {"extent": 1.0}),
        ("step", {"step": 0}),
        ("step", {"step": 0.03}),
        ("scale", {"scale": -1}),
        ("shape", {"shape": "cubic"}),
    ],
)
def test_bad_profile(field, kw):
    value = kw.get(field)
    with pytest.raises(ValueError, match=re.escape(field) + ".*" + re.escape(repr(value))):
        DepthProfile(**{"notional": 1000.0, **kw})


def test_bad_ladder_arguments():
    profile = DepthProfile(notional=1000)
    with pytest.raises(ValueError, match="side.*0"):
        ladder(profile, 10.0, 0.01, 0)
    with pytest.raises(ValueError, match="mid.*-1"):
        ladder(profile, -1, 0.01, SELL)
    with pytest.raises(ValueError, match="tick.*0.5"):  # first level at 5% > range 2%
        ladder(profile, 10.0, 0.5, SELL)
