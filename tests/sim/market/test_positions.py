"""PositionBook: trade accounting, the liquidation-price index against a linear scan (§4)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market import positions
from sim.market.margin import MarginTiers, liquidation_price
from sim.market.positions import PositionBook
from sim.market.sides import BUY, LONG, SELL, SHORT

FLAT1 = MarginTiers.flat(0.01)


def test_open_and_derived_prices():
    book = PositionBook(FLAT1)
    s = book.open(7, SHORT, 1, 100, 10)
    lg = book.open(8, LONG, 2, 100, 20)
    assert (s, lg) == (0, 1)
    assert book.owner[lg] == 8 and book.side[s] == SHORT
    assert book.liq_price[s] == pytest.approx(110 / 1.01)  # (10 + 100)/(1.01)
    assert book.liq_price[lg] == pytest.approx(180 / 1.98)  # (20 − 200)/(0.02 − 2) = 90.909...
    assert book.bankruptcy_price[s] == 110.0  # 100 + 10/1
    assert book.bankruptcy_price[lg] == 90.0  # 100 − 20/2
    assert len(book) == 2
    with pytest.raises(ValueError):
        book.qty[0] = 5.0  # read-only views


def test_trade_adds_reduces_flips():
    book = PositionBook(FLAT1)
    p = book.open(1, LONG, 1, 100, 50)
    assert book.trade(p, BUY, 1, 110) == 0.0
    assert book.entry[p] == 105.0  # (1·100 + 1·110)/2
    assert book.trade(p, SELL, 0.5, 115) == 5.0  # 0.5·(115 − 105)
    assert book.qty[p] == 1.5 and book.margin[p] == 55.0 and book.entry[p] == 105.0
    # flip: sell 2.5 at 95 closes 1.5 (PnL 1.5·(95 − 105) = −15) and opens a 1.0 short at 95
    assert book.trade(p, SELL, 2.5, 95) == pytest.approx(-15.0)
    assert book.side[p] == SHORT and book.qty[p] == pytest.approx(1.0) and book.entry[p] == 95.0
    assert book.margin[p] == pytest.approx(40.0)
    assert book.liq_price[p] == pytest.approx((40 + 95) / 1.01)
    # exact close by trade → flat
    assert book.trade(p, BUY, 1.0, 90) == pytest.approx(5.0)  # −1·1·(90 − 95)
    assert book.side[p] == 0 and book.qty[p] == 0 and math.isnan(book.liq_price[p])
    assert len(book) == 0
    # a flat record trades again: opens at the fill price
    book.trade(p, BUY, 2, 100)
    assert book.side[p] == LONG and book.entry[p] == 100.0 and book.margin[p] == pytest.approx(45.0)


def test_deposit_withdraw_and_a_full_close():
    book = PositionBook(FLAT1)
    p = book.open(1, SHORT, 2, 100, 20)
    book.deposit(p, 10)
    assert book.liq_price[p] == pytest.approx((30 + 200) / 2.02)
    assert book.withdraw(p, 5) == 5.0 and book.margin[p] == 25.0
    assert book.trade(p, BUY, 2, 110) == -20.0  # −1·2·(110 − 100)
    assert book.side[p] == 0 and book.margin[p] == 5.0
    assert book.withdraw(p) == 5.0 and book.margin[p] == 0.0
    f = book.open_flat(2, 100.0)
    assert book.side[f] == 0 and book.margin[f] == 100.0 and len(book) == 0


def test_upnl_equity():
    book = PositionBook(FLAT1)
    pids = [book.open(1, LONG, 2, 100, 10), book.open(2, SHORT, 1, 100, 10), book.open_flat(3, 5)]
    np.testing.assert_allclose(book.upnl(pids, 105), [10.0, -5.0, 0.0])
    np.testing.assert_allclose(book.equity(pids, 105), [20.0, 5.0, 5.0])


def test_liquidatable_order_deepest_first():
    book = PositionBook(FLAT1, buffer_limit=2)
    liqs = {}
    for i, margin in enumerate([5.0, 1.0, 9.0, 3.0]):
        pid = book.open(i, SHORT, 1, 100, margin)
        liqs[pid] = book.liq_price[pid]
    longs = book.open_many(np.arange(4), LONG, np.ones(4), 100.0, np.array([5.0, 1.0, 9.0, 3.0]))
    # shorts liquidated as price rises: lowest LP first — margins 1, 3, 5 (LP = (m + 100)/1.01)
    assert book.liquidatable(SHORT, 105.0 / 1.01).tolist() == [1, 3, 0]
    # longs as price falls: highest LP first — margins 1, 3, 5 (LP = (100 − m)/0.99)
    assert book.liquidatable(LONG, 95.0 / 0.99).tolist() == [longs[1], longs[3], longs[0]]
    assert book.liquidatable(SHORT, 50.0).size == 0


def test_bulk_population():
    book = PositionBook(MarginTiers.altcoin_50x(), capacity=8)
    rng = np.random.default_rng(1)
    n = 5000
    pids = book.open_many(rng.integers(0, 100, n), SHORT, rng.uniform(1, 100, n), 10.0, rng.uniform(1, 50, n))
    assert pids.tolist() == list(range(n)) and len(book) == n
    mark = 11.0
    expect = set(np.flatnonzero(book.liq_price <= mark).tolist())
    assert set(book.liquidatable(SHORT, mark).tolist()) == expect


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda b: b.open(1, 2, 1, 100, 10), "side"),
        (lambda b: b.open(1, LONG, 0, 100, 10), "qty"),
        (lambda b: b.open(1, LONG, 1, 100, -1), "margin"),
        (lambda b: b.open(1.5, LONG, 1, 100, 1), "owner"),
        (lambda b: b.open_many(1, LONG, [1.0, -2.0], 100.0, 1.0), "qty"),
        (lambda b: b.trade(5, BUY, 1, 100), "pid"),
        (lambda b: b.trade(0, BUY, 1, 0), "price"),
        (lambda b: b.withdraw(0, 1e9), "amount"),
        (lambda b: b.deposit(0, -1), "amount"),
        (lambda b: b.liquidatable(LONG, -1), "mark"),
        (lambda b: b.upnl([0, 9], 100), "pids"),
        (lambda b: b.open_many(np.array([1.0]), LONG, [1.0], 100.0, 1.0), "owner"),
        (lambda b: PositionBook(FLAT1, capacity=0), "capacity"),
        (lambda b: PositionBook(0.01), "tiers"),
    ],
)
def test_bad_input_names_argument(call, name):
    book = PositionBook(FLAT1)
    book.open(1, LONG, 1, 100, 10)
    with pytest.raises(ValueError, match=name):
        call(book)


# ------------------------------------------------------------------ properties
PRICES = st.sampled_from([90.0, 95.0, 100.0, 105.0, 110.0])  # few values: ties in LP
MARGINS = st.sampled_from([0.5, 2.0, 5.0, 10.0, 40.0])
QTYS = st.sampled_from([0.5, 1.0, 2.0, 3.0])
ops = st.one_of(
    st.tuples(st.just("open"), st.sampled_from([LONG, SHORT]), QTYS, PRICES, MARGINS),
    st.tuples(st.just("many"), st.sampled_from([LONG, SHORT]), st.integers(1, 12), PRICES, MARGINS),
    st.tuples(st.just("trade"), st.integers(0, 10**6), st.sampled_from([BUY, SELL]), QTYS, PRICES),
    st.tuples(st.just("deposit"), st.integers(0, 10**6), MARGINS),
    st.tuples(st.just("withdraw"), st.integers(0, 10**6), st.floats(0, 1)),
    st.tuples(st.just("close"), st.integers(0, 10**6), PRICES),
)


def _apply(book: PositionBook, op: tuple) -> None:
    kind, n = op[0], len(book.qty)
    if kind == "open":
        book.open(0, *op[1:])
    elif kind == "many":
        _, side, k, entry, margin = op
        book.open_many(np.arange(k), side, np.linspace(0.5, 3.0, k), entry, margin)
    elif n == 0:
        return
    elif kind == "trade":
        book.trade(op[1] % n, *op[2:])
    elif kind == "deposit":
        book.deposit(op[1] % n, op[2])
    elif kind == "withdraw":
        pid = op[1] % n
        amount = book.margin[pid] * op[2]
        if amount > 0:
            book.withdraw(pid, amount)
    else:  # a full close: the opposite trade of the whole quantity
        pid = op[1] % n
        side = int(book.side[pid])
        if side:
            book.trade(pid, -side, float(book.qty[pid]), op[2])


def _check(book: PositionBook, marks: list[float]) -> None:
    side, qty = book.side, book.qty
    for s in (LONG, SHORT):
        open_ = np.flatnonzero(side == s)
        assert book.pids(s).tolist() == open_.tolist()
        for pid in open_:  # derived prices are current
            lp = liquidation_price(s, qty[pid], book.entry[pid], book.margin[pid], book.tiers)
            assert book.liq_price[pid] == lp
        for mark in marks:
            scan = [p for p in open_ if (book.liq_price[p] - mark) * s >= 0]  # linear scan
            deepest_first = sorted(scan, key=lambda p: (book.liq_price[p], p), reverse=s == LONG)
            assert book.liquidatable(s, mark).tolist() == deepest_first
    assert len(book) == int(np.count_nonzero(side))


@settings(max_examples=250, deadline=None)
@given(
    st.lists(ops, min_size=1, max_size=40),
    st.lists(st.floats(80, 125), min_size=1, max_size=3),
    st.sampled_from([1, 3, 64]),
    st.sampled_from([MarginTiers.flat(0.01), MarginTiers.from_rows([(100, 0.01, 50), (math.inf, 0.05, 10)])]),
    st.sampled_from([0, 10**9]),  # every update spliced in place / copied by np.delete and np.insert
)
def test_liquidatable_matches_linear_scan(sequence, marks, limit, tiers, splice_ratio):
    book = PositionBook(tiers, capacity=2, buffer_limit=limit)
    default, positions.SPLICE_RATIO = positions.SPLICE_RATIO, splice_ratio
    try:
        for op in sequence:
            _apply(book, op)
            _check(book, marks + [float(v) for v in book.liq_price[:3] if v > 0])
    finally:
        positions.SPLICE_RATIO = default
