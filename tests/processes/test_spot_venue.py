"""A spot venue's taker orders: a quantity order (``qty``) and a notional order (``qty`` None)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from processes.messages import Order
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.market.assets import ASSET, QUOTE
from sim.market.sides import BUY, SELL

SPOT_ONLY = {
    "experiment": {"name": "spot", "seed": 1, "duration": "1s"},
    "spot": {"spot": {"tick": 0.01, "book": {"mid": 10.0, "owner": "holders", "asks": {"notional": 1_000}}}},
}


@pytest.fixture
def venue():
    """A spot venue (no fee, unlimited throughput) whose book, set by hand, is asks 10 @ 10.00
    and 20 @ 11.00, bids 10 @ 9.00 and 10 @ 8.00; a taker with 1,000 quote and 30 tokens."""
    world = World(from_dict(SPOT_ONLY))
    venue, ledger = world.by_section["spot"]["spot"], world.ledger
    maker, taker = ledger.account("maker"), ledger.account("taker")
    ledger.endow(maker, ASSET, 30.0)
    ledger.endow(maker, QUOTE, 170.0)
    ledger.endow(taker, QUOTE, 1_000.0)
    ledger.endow(taker, ASSET, 30.0)
    for side, price, qty in ((SELL, 10.0, 10.0), (SELL, 11.0, 20.0), (BUY, 9.0, 10.0), (BUY, 8.0, 10.0)):
        venue.book.limit(side, price, qty, maker)
    return venue, taker


def test_an_order_is_by_notional_when_it_has_no_quantity():
    assert not Order(-1, 1, BUY, qty=15.0).by_notional
    assert Order(-1, 1, BUY, notional=155.0).by_notional


def balances(venue, account) -> tuple[float, float]:
    ledger = venue.ctx.ledger
    return ledger.balance(account, QUOTE), ledger.balance(account, ASSET)


def trades(venue) -> list[tuple[float, float, float]]:
    """(last price, qty, notional) of each trade record."""
    table = venue.ctx.trace.table()
    m = table.kind == "trade"
    return list(zip(table.price[m].tolist(), table.qty[m].tolist(), table.notional[m].tolist(), strict=True))


def orders(venue) -> list[tuple[float | None, float | None]]:
    """(qty, notional) of each order record (None: an empty cell)."""
    table = venue.ctx.trace.table()
    m = table.kind == "order"
    cells = zip(table.qty[m].tolist(), table.notional[m].tolist(), strict=True)
    return [tuple(None if math.isnan(x) else x for x in row) for row in cells]


@pytest.mark.parametrize("order", [dict(qty=15.0), dict(notional=155.0)], ids=["qty", "notional"])
def test_a_buy_for_15_tokens_or_for_155_quote_takes_10_at_10_and_5_at_11(venue, order):
    venue, taker = venue
    venue.receive(Order(-1, taker, BUY, **order))
    assert trades(venue) == [(11.0, pytest.approx(15.0), pytest.approx(155.0))]  # 10·10 + 5·11
    assert balances(venue, taker) == (pytest.approx(845.0), pytest.approx(45.0))
    assert orders(venue) == [(15.0, None) if "qty" in order else (None, 155.0)]  # the other cell empty


@pytest.mark.parametrize("order", [dict(qty=15.0), dict(notional=130.0)], ids=["qty", "notional"])
def test_a_sell_of_15_tokens_or_of_130_quote_gives_10_at_9_and_5_at_8(venue, order):
    venue, taker = venue
    venue.receive(Order(-1, taker, SELL, **order))  # 130 quote at the average 130/15 is 15 tokens
    assert trades(venue) == [(8.0, pytest.approx(15.0), pytest.approx(130.0))]  # 10·9 + 5·8
    assert balances(venue, taker) == (pytest.approx(1_130.0), pytest.approx(15.0))


def test_a_buy_for_more_tokens_than_the_taker_can_pay_spends_its_cash(venue):
    venue, taker = venue
    venue.ctx.ledger.transfer(taker, venue.fee_account, QUOTE, 900.0)  # 100 left: 10 tokens at 10
    venue.receive(Order(-1, taker, BUY, qty=15.0))
    assert trades(venue) == [(10.0, pytest.approx(10.0), pytest.approx(100.0))]
    assert balances(venue, taker) == (pytest.approx(0.0), pytest.approx(40.0))


def test_a_sell_for_more_than_the_bids_can_pay_sells_all_the_takers_tokens(venue):
    venue, taker = venue
    venue.receive(Order(-1, taker, SELL, notional=1_000.0))  # bids hold 170: no average price
    assert trades(venue) == [(8.0, pytest.approx(20.0), pytest.approx(170.0))]
    assert balances(venue, taker) == (pytest.approx(1_170.0), pytest.approx(10.0))


@pytest.mark.parametrize(("publish", "price"), [("last", 10.0), ("mid", None)])
def test_a_book_with_asks_only_publishes_no_bid_and_no_mid(publish, price):
    world = World(from_dict(SPOT_ONLY, [f"spot.spot.publish={publish}"]))
    venue, sent = world.by_section["spot"]["spot"], []
    venue.md_out = [SimpleNamespace(send=sent.append)]
    venue.open()
    (msg,) = sent
    assert (msg.bid, msg.ask > 10.0, msg.mid, msg.last, msg.price) == (None, True, None, 10.0, price)


def test_a_book_with_both_sides_publishes_their_mid(venue):
    venue, taker = venue
    sent = []
    venue.md_out = [SimpleNamespace(send=sent.append)]
    venue.receive(Order(-1, taker, BUY, qty=10.0))  # takes the asks at 10: best ask now 11, best bid 9
    (msg,) = sent
    assert (msg.bid, msg.ask, msg.mid, msg.last, msg.price) == (9.0, 11.0, 10.0, 10.0, 10.0)
