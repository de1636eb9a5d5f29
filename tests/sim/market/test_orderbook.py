"""OrderBook: worked examples with hand-computed numbers, properties, bad input."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.orderbook import Fill, OrderBook, TickGrid
from sim.market.sides import BUY, SELL


def book_with(asks=(), bids=(), tick=0.01, **kw) -> OrderBook:
    """A book with (price, qty, owner) asks and bids posted in the order given."""
    book = OrderBook(tick, **kw)
    for price, qty, owner in asks:
        book.limit(SELL, price, qty, owner)
    for price, qty, owner in bids:
        book.limit(BUY, price, qty, owner)
    return book


# --- worked examples ------------------------------------------------------------------


def test_price_time_priority_across_and_within_levels():
    book = OrderBook(0.01)
    a1, _ = book.limit(SELL, 10.02, 1.0, owner=1)
    a2, _ = book.limit(SELL, 10.01, 2.0, owner=2)
    a3, _ = book.limit(SELL, 10.01, 3.0, owner=3)
    # Best price first (10.01 before 10.02), then time: a2 before a3.
    assert book.market(BUY, 4.0, owner=9) == [Fill(10.01, 2.0, a2, 2), Fill(10.01, 2.0, a3, 3)]
    assert book.order(a3) == (SELL, 10.01, 1.0, 3)
    assert book.market(BUY, 2.0, owner=9) == [Fill(10.01, 1.0, a3, 3), Fill(10.02, 1.0, a1, 1)]
    assert len(book) == 0 and math.isnan(book.best_ask())


def test_bids_priority_is_highest_price_then_time():
    book = OrderBook(0.5)
    b1, _ = book.limit(BUY, 99.5, 1.0, owner=1)
    b2, _ = book.limit(BUY, 100.0, 1.0, owner=2)
    b3, _ = book.limit(BUY, 99.5, 1.0, owner=3)
    fills = book.market(SELL, 2.5, owner=9)
    assert fills == [Fill(100.0, 1.0, b2, 2), Fill(99.5, 1.0, b1, 1), Fill(99.5, 0.5, b3, 3)]


def test_market_walks_three_levels():
    book = book_with(asks=[(10.00, 1.0, 1), (10.10, 2.0, 2), (10.20, 3.0, 3)])
    fills = book.market(BUY, 4.0, owner=9)
    assert [(f.price, f.qty) for f in fills] == [(10.00, 1.0), (10.10, 2.0), (10.20, 1.0)]
    # 10.00 + 2 * 10.10 + 10.20 = 40.40 for 4 units: VWAP 10.10.
    assert sum(f.price * f.qty for f in fills) == pytest.approx(40.40)
    assert book.levels(SELL) == [(10.20, 2.0)]


def test_market_by_notional_and_limit_price():
    book = book_with(asks=[(10.00, 1.0, 1), (10.10, 2.0, 2), (10.20, 3.0, 3)])
    # 30.20 quote: 10.00 for 1 unit, then 20.20 buys 2 at 10.10; stops before 10.20.
    fills = book.market(BUY, notional=30.20, owner=9)
    assert [(f.price, f.qty) for f in fills] == [(10.00, 1.0), (10.10, pytest.approx(2.0))]
    # IOC at 10.195 (off the grid is fine for a limit price): 10.20 is beyond it.
    assert book.market(BUY, 5.0, owner=9, limit_price=10.195) == []
    assert book.levels(SELL) == [(10.20, 3.0)]
    assert book.market(BUY, 1.0, owner=9, limit_price=10.2) == [Fill(10.20, 1.0, 2, 3)]
    book.limit(BUY, 9.90, 1.0, owner=4)
    assert book.market(SELL, 1.0, owner=9, limit_price=9.905) == []


def test_impact_price_by_hand():
    book = book_with(
        asks=[(10.00, 1.0, 1), (10.10, 2.0, 2), (10.20, 3.0, 3)],
        bids=[(9.90, 1.0, 4), (9.80, 1.0, 5)],
    )
    before = (book.levels(BUY), book.levels(SELL))
    # 25 quote: 10.00 buys 1 unit, the other 15 buy 15 / 10.10 units.
    # Average = 25 / (1 + 15/10.1) = 252.5 / 25.1 = 10.05976095617530
    assert book.impact_price(BUY, 25.0) == pytest.approx(10.05976095617530, rel=1e-12)
    # Sell 14.80 quote: 9.90 sells 1, 4.90 sells 0.5 at 9.80: 14.80 / 1.5 = 9.866666...
    assert book.impact_price(SELL, 14.80) == pytest.approx(9.866666666666667, rel=1e-12)
    # The asks hold 10.00 + 20.20 + 30.60 = 60.80 quote: 60.81 cannot be filled.
    assert math.isnan(book.impact_price(BUY, 60.81))
    assert (book.levels(BUY), book.levels(SELL)) == before


def test_cost_of_a_quantity_by_hand():
    book = book_with(
        asks=[(10.00, 1.0, 1), (10.10, 2.0, 2), (10.20, 3.0, 3)],
        bids=[(9.90, 1.0, 4), (9.80, 1.0, 5)],
    )
    before = (book.levels(BUY), book.levels(SELL))
    # buy 2.5: 1 at 10.00 + 1.5 at 10.10 = 10.00 + 15.15 = 25.15
    assert book.cost(BUY, 2.5) == pytest.approx(25.15, rel=1e-12)
    # sell 1.5: 1 at 9.90 + 0.5 at 9.80 = 9.90 + 4.90 = 14.80
    assert book.cost(SELL, 1.5) == pytest.approx(14.80, rel=1e-12)
    # the asks hold 6 units: 6.01 cannot be filled
    assert math.isnan(book.cost(BUY, 6.01))
    assert (book.levels(BUY), book.levels(SELL)) == before
    with pytest.raises(ValueError, match="qty"):
        book.cost(BUY, -1.0)


def test_depth_within_pct_of_mid():
    book = book_with(
        asks=[(10.10, 5.0, 1), (10.30, 5.0, 1)],
        bids=[(9.90, 10.0, 2), (9.80, 10.0, 2), (9.70, 10.0, 2)],
    )
    assert book.top() == (9.90, 10.10) and book.mid() == 10.00
    # ±2% of 10.00 is [9.80, 10.20]: bids 99 + 98 (9.80 is on the edge, included).
    assert book.depth_notional(BUY, 0.02) == pytest.approx(197.0)
    assert book.depth_notional(SELL, 0.02) == pytest.approx(50.5)
    assert book.depth_notional(SELL, 0.03) == pytest.approx(50.5 + 51.5)
    assert book.depth_notional(BUY, 0.0) == 0.0
    assert math.isnan(OrderBook(0.01).depth_notional(BUY, 0.02))


def test_limit_crosses_partially_then_rests():
    book = book_with(asks=[(10.01, 1.0, 1), (10.02, 1.0, 2), (10.03, 5.0, 3)])
    oid, fills = book.limit(BUY, 10.02, 3.0, owner=7)
    assert [(f.price, f.qty, f.maker_owner) for f in fills] == [(10.01, 1.0, 1), (10.02, 1.0, 2)]
    assert book.order(oid) == (BUY, 10.02, 1.0, 7)
    assert (book.best_bid(), book.best_ask()) == (10.02, 10.03)
    assert book.levels(BUY) == [(10.02, 1.0)] and book.levels(SELL) == [(10.03, 5.0)]


def test_fully_filled_limit_gets_an_id_but_does_not_rest():
    book = book_with(asks=[(10.00, 2.0, 1)])
    oid, fills = book.limit(BUY, 10.05, 2.0, owner=7)
    assert oid == 1 and [(f.price, f.qty) for f in fills] == [(10.00, 2.0)]
    assert book.order(oid) is None and len(book) == 0


def test_cancel():
    book = OrderBook(0.01)
    a, _ = book.limit(SELL, 10.01, 2.0, owner=1)
    b, _ = book.limit(SELL, 10.01, 3.0, owner=1)
    c, _ = book.limit(SELL, 10.05, 1.0, owner=2)
    assert book.cancel(a) == 2.0
    assert book.cancel(a) == 0.0 and book.cancel(999) == 0.0
    assert book.levels(SELL) == [(10.01, 3.0), (10.05, 1.0)]
    assert book.cancel(b) == 3.0
    assert book.best_ask() == 10.05 and len(book) == 1
    book.market(BUY, 1.0, owner=9)
    assert book.cancel(c) == 0.0  # already filled


def test_cancel_owner():
    book = OrderBook(0.01)
    book.limit(SELL, 10.01, 2.0, owner=1)
    keep, _ = book.limit(SELL, 10.01, 3.0, owner=2)
    book.limit(SELL, 10.03, 1.5, owner=1)
    book.limit(BUY, 9.99, 4.0, owner=1)
    assert book.cancel_owner(1) == 2.0 + 1.5 + 4.0
    assert book.cancel_owner(1) == 0.0 and book.cancel_owner(42) == 0.0
    assert len(book) == 1 and book.order(keep) == (SELL, 10.01, 3.0, 2)
    assert math.isnan(book.best_bid()) and math.isnan(book.mid())


def test_dust_is_dropped():
    book = book_with(asks=[(10.00, 1.0, 1), (10.01, 1.0, 1)], min_qty=0.1)
    # Selling 0.95 of the 1.0 at 10.00 leaves 0.05 < min_qty: that order is dropped.
    book.market(BUY, 0.95, owner=9)
    assert book.levels(SELL) == [(10.01, 1.0)]
    # 1.05 against 1.0: the 0.05 remainder is dust and does not rest.
    oid, fills = book.limit(BUY, 10.01, 1.05, owner=9)
    assert [f.qty for f in fills] == [1.0] and book.order(oid) is None and len(book) == 0


def test_no_self_trade_prevention():
    book = book_with(asks=[(10.00, 1.0, 5)])
    assert book.market(BUY, 1.0, owner=5) == [Fill(10.00, 1.0, 0, 5)]


def test_to_ticks_and_queries_on_empty_book():
    book = OrderBook(0.01)
    assert book.grid.to_ticks(1003 * 0.01) == 1003 and book.grid.to_ticks(0.1 + 0.2) == 30
    assert TickGrid(0.1).to_ticks(0.1 + 0.2) == 3 and TickGrid(2.5).to_ticks(7.5) == 3
    assert math.isnan(book.best_bid()) and math.isnan(book.mid())
    assert book.levels(BUY) == [] and book.levels(SELL) == []
    assert math.isnan(book.impact_price(BUY, 1.0)) and book.market(SELL, 1.0, owner=1) == []


def test_levels_n():
    book = book_with(bids=[(9.99, 1.0, 1), (9.98, 2.0, 1), (9.99, 0.5, 2), (9.97, 4.0, 1)])
    assert book.levels(BUY, 2) == [(9.99, 1.5), (9.98, 2.0)]
    assert book.levels(BUY, 0) == [] and sum(q for _, q in book.levels(BUY)) == 7.5


# --- bad input --------------------------------------------------------------------------


def raises(*names):
    """pytest.raises(ValueError) whose message contains every one of ``names`` in order."""
    return pytest.raises(ValueError, match=".*".join(re.escape(n) for n in names))


@pytest.mark.parametrize("qty", [0, -1.0, math.nan, math.inf])
def test_bad_qty(qty):
    with raises("qty", repr(qty)):
        OrderBook(0.01).limit(BUY, 10.0, qty, owner=1)
    with raises("qty", repr(qty)):
        OrderBook(0.01).market(BUY, qty, owner=1)


@pytest.mark.parametrize("price", [10.005, 0.0, -10.0, 0.001, math.nan])
def test_bad_price(price):
    with raises("price", repr(price)):
        OrderBook(0.01).limit(SELL, price, 1.0, owner=1)
    with raises("price", repr(price)):
        TickGrid(0.01).to_ticks(price)


@pytest.mark.parametrize("side", [0, 2, -2, "buy"])
def test_bad_side(side):
    book = OrderBook(0.01)
    for call in (
        lambda: book.limit(side, 10.0, 1.0, owner=1),
        lambda: book.market(side, 1.0, owner=1),
        lambda: book.levels(side),
        lambda: book.depth_notional(side, 0.02),
        lambda: book.impact_price(side, 100.0),
    ):
        with raises("side", repr(side)):
            call()


def test_qty_and_notional_exactly_one():
    book = OrderBook(0.01)
    with raises("qty", "notional", "qty=None", "notional=None"):
        book.market(BUY, owner=1)
    with raises("qty", "notional", "qty=1.0", "notional=10.0"):
        book.market(BUY, 1.0, owner=1, notional=10.0)
    with raises("notional", "-5"):
        book.market(BUY, owner=1, notional=-5)
    with raises("limit_price", "0"):
        book.market(BUY, 1.0, owner=1, limit_price=0)


def test_bad_constructor_and_query_arguments():
    with raises("tick", "0"):
        OrderBook(0)
    with raises("min_qty", "-1"):
        OrderBook(0.01, min_qty=-1)
    with raises("pct", "-0.1"):
        OrderBook(0.01).depth_notional(BUY, -0.1)
    with raises("n", "-1"):
        OrderBook(0.01).levels(BUY, -1)
    with raises("notional", "0"):
        OrderBook(0.01).impact_price(BUY, 0)


# --- properties -----------------------------------------------------------------------

TICK = 0.01
MIN_QTY = 0.01  # large enough that hypothesis produces dust remainders
TOL = 1e-9

sides = st.sampled_from([BUY, SELL])
amounts = st.one_of(  # round sizes, sizes that leave dust against them, and any size
    st.integers(1, 5).map(float), st.sampled_from([0.5, 0.995, 1.005, 2.008]), st.floats(0.001, 5.0)
)
limit_prices = st.one_of(
    st.none(),
    st.integers(985, 1015).map(lambda t: t * TICK),
    st.floats(9.8, 10.2),  # off the grid
)
limit_op = st.tuples(st.just("limit"), sides, st.integers(995, 1005), amounts, st.integers(0, 2))
market_op = st.tuples(st.just("market"), sides, st.booleans(), amounts, limit_prices)
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 100))
cancel_owner_op = st.tuples(st.just("cancel_owner"), st.integers(0, 2))
# Limit orders listed three times: about half of the operations post.
ops = st.lists(st.one_of(limit_op, limit_op, limit_op, market_op, cancel_op, cancel_owner_op), min_size=20, max_size=80)


def check_not_crossed(book: OrderBook) -> None:
    bid, ask = book.best_bid(), book.best_ask()
    assert math.isnan(bid) or math.isnan(ask) or bid < ask


def check_market(book: OrderBook, side: int, by_notional: bool, amount: float, limit):
    """Run one market order, check its prices, size and impact price; return its fills."""
    best = book.best_ask() if side == BUY else book.best_bid()
    impact = book.impact_price(side, amount) if by_notional else math.nan
    if by_notional:
        fills = book.market(side, owner=9, notional=amount, limit_price=limit)
    else:
        fills = book.market(side, amount, owner=9, limit_price=limit)
    prices = [f.price for f in fills]
    assert prices == sorted(prices, reverse=side == SELL)  # best first
    for p in prices:
        assert side * (p - best) >= -TOL  # never better than the best price on arrival
        assert limit is None or side * (p - limit) <= TOL  # never beyond the limit
    qty = sum(f.qty for f in fills)
    notional = sum(f.price * f.qty for f in fills)
    assert (notional if by_notional else qty) <= amount * (1 + TOL)
    if by_notional and limit is None:
        if math.isnan(impact):
            assert notional < amount
        else:
            assert impact == pytest.approx(notional / qty, rel=1e-9)
    other = book.best_ask() if side == BUY else book.best_bid()
    if not math.isnan(other) and (limit is None or side * (other - limit) <= 0):
        # Acceptable liquidity is left, so only a dust remainder may have been dropped.
        left = (amount - notional) / other if by_notional else amount - qty
        assert left < MIN_QTY * (1 + 1e-6)
    return fills


@settings(max_examples=120, deadline=None)
@given(ops)
def test_random_operations_keep_the_book_consistent(operations):
    book = OrderBook(TICK, min_qty=MIN_QTY)
    submitted: dict[int, float] = {}
    filled: dict[int, float] = {}
    cancelled: dict[int, float] = {}
    owner_of: dict[int, int] = {}

    def record(fills: list[Fill]) -> float:
        for f in fills:
            assert f.qty >= MIN_QTY * (1 - TOL) and owner_of[f.maker_order] == f.maker_owner
            filled[f.maker_order] += f.qty
        return sum(f.qty for f in fills)

    for op in operations:
        if op[0] == "limit":
            _, side, ticks, qty, owner = op
            oid, fills = book.limit(side, ticks * TICK, qty, owner)
            assert oid not in submitted
            submitted[oid], filled[oid], cancelled[oid], owner_of[oid] = qty, 0.0, 0.0, owner
            filled[oid] += record(fills)
            assert all(side * (f.price - ticks * TICK) <= TOL for f in fills)
        elif op[0] == "market":
            _, side, by_notional, amount, limit = op
            record(check_market(book, side, by_notional, amount * (5 if by_notional else 1), limit))
        elif op[0] == "cancel" and submitted:
            oid = list(submitted)[op[1] % len(submitted)]
            resting = book.order(oid)
            got = book.cancel(oid)
            assert got == (resting[2] if resting else 0.0) and book.order(oid) is None
            cancelled[oid] += got
        elif op[0] == "cancel_owner":
            mine = {o: book.order(o) for o, w in owner_of.items() if w == op[1]}
            got = book.cancel_owner(op[1])
            assert got == pytest.approx(sum(r[2] for r in mine.values() if r), abs=TOL)
            for oid, r in mine.items():
                cancelled[oid] += r[2] if r else 0.0
                assert book.order(oid) is None
        check_not_crossed(book)

    resting = {oid: book.order(oid) for oid in submitted}
    assert len(book) == sum(r is not None for r in resting.values())
    for side in (BUY, SELL):
        mine = sum(r[2] for r in resting.values() if r and r[0] == side)
        assert sum(q for _, q in book.levels(side)) == pytest.approx(mine, abs=TOL)
        prices = [p for p, _ in book.levels(side)]
        assert prices == sorted(prices, reverse=side == BUY) and len(set(prices)) == len(prices)
    for oid, qty in submitted.items():  # filled + resting + cancelled + dropped = submitted
        dropped = qty - filled[oid] - cancelled[oid] - (resting[oid][2] if resting[oid] else 0.0)
        assert -TOL <= dropped < MIN_QTY + TOL
