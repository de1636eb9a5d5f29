"""Holds of resting orders (sim/market/holds.py), with hand-computed amounts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.market.holds import Holds
from sim.market.sides import BUY, SELL


def test_a_bid_holds_its_cost_with_the_taker_fee_and_an_ask_its_tokens():
    holds = Holds(fee=0.001)
    holds.hold(7, BUY, 10.0, 5.0)  # 10 x 5 x 1.001
    holds.hold(7, SELL, 11.0, 2.0)
    assert holds.cash[7] == pytest.approx(50.05)
    assert holds.tokens[7] == 2.0
    assert holds.free_cash(7, 100.0) == pytest.approx(49.95)
    assert holds.free_tokens(7, 3.0) == 1.0
    assert holds.free_cash(8, 100.0) == 100.0  # an account without holds may commit its balance


def test_fills_and_cancels_release_what_they_held():
    holds = Holds(fee=0.0)
    holds.hold(1, BUY, 10.0, 5.0)
    holds.hold(1, BUY, 9.0, 1.0)
    holds.release(1, BUY, 10.0, 2.0)  # a partial fill of the first
    assert holds.cash[1] == pytest.approx(39.0)  # 30 + 9
    holds.release(1, BUY, 10.0, 3.0)
    holds.release(1, BUY, 9.0, 1.0)
    assert 1 not in holds.cash  # nothing held: no residue kept


def test_free_amounts_never_go_below_zero_and_clear_drops_every_hold():
    holds = Holds(fee=0.0)
    holds.hold(1, SELL, 10.0, 5.0)
    assert holds.free_tokens(1, 4.0) == 0.0
    holds.clear(1)
    assert holds.free_tokens(1, 4.0) == 4.0


def test_releasing_what_was_never_held_holds_nothing():
    holds = Holds(fee=0.0)
    holds.release(3, SELL, 10.0, 1.0)  # e.g. a fill of the opening book's owner
    assert holds.tokens == {}


@given(st.lists(st.tuples(st.floats(0.01, 1e4), st.floats(1e-6, 1e6)), min_size=1, max_size=30))
def test_holding_then_releasing_every_order_leaves_nothing_held(orders):
    holds = Holds(fee=0.0004)
    for price, qty in orders:
        holds.hold(0, BUY, price, qty)
        holds.hold(0, SELL, price, qty)
    for price, qty in reversed(orders):
        holds.release(0, BUY, price, qty)
        holds.release(0, SELL, price, qty)
    total = sum(price * qty for price, qty in orders)
    assert holds.cash.get(0, 0.0) <= 1e-9 * total
    assert holds.tokens.get(0, 0.0) <= 1e-9 * sum(qty for _, qty in orders)
