"""The noise-trader crowd (processes/order_flow.py) and the spot venue's limit and cancel orders."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from processes.messages import Cancel, Limit
from sim.core.errors import ConfigError
from sim.core.trace import NO_ID, Kind, write_csv
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.market.assets import ASSET, QUOTE

CROWD_WORLD = {
    "experiment": {"name": "crowd", "seed": 5, "duration": "2min"},
    "spot": {
        "spot": {
            "tick": 0.001,
            "publish": "mid",
            "book": {
                "mid": 10.0,
                "owner": "holders",
                "asks": {"notional": 200_000, "range": "2%", "extent": "5%", "step": "0.1%"},
                "bids": {"notional": 200_000, "range": "2%", "extent": "5%", "step": "0.1%"},
            },
        }
    },
    "order_flow": {"crowd": {"venue": "spot", "traders": 50, "rate": 1.0, "lifetime": "5s"}},
    "liquidity": {
        "mm": {
            "venue": "spot",
            "quotes": {"notional": 20_000, "range": "0.5%", "extent": "0.5%", "step": "0.1%"},
            "refresh": "1s",
        }
    },
    "link": {
        "crowd-spot": {
            "src": "crowd",
            "dst": "spot",
            "kind": "order",
            "latency": {"model": "uniform", "low": "5ms", "high": "50ms"},
        },
        "spot-crowd": {"src": "spot", "dst": "crowd", "kind": "md", "latency": "10ms"},
        "mm-spot": {"src": "mm", "dst": "spot", "kind": "order", "latency": "1ms"},
        "spot-mm": {"src": "spot", "dst": "mm", "kind": "md", "latency": "1ms"},
    },
}


def run(raw: dict = CROWD_WORLD, overrides: list[str] = ()) -> tuple[World, object]:
    world = World(from_dict(raw, list(overrides)))
    return world, world.run()


@pytest.fixture(scope="module")
def crowd_run():
    return run()


def test_the_crowd_sends_limit_cancel_and_market_orders_in_its_shares(crowd_run):
    world, _ = crowd_run
    crowd = world.by_section["order_flow"]["crowd"]
    sent = crowd.sent
    new = sent["limit"] + sent["market"]
    assert 5_000 < new < 7_000  # 50 traders x 1/s x 120 s
    assert sent["limit"] / new == pytest.approx(0.7, abs=0.03)
    # each limit order is cancelled after ~5 s: all but the last few seconds' are
    assert sent["limit"] - 6 * 50 * 0.7 * 3 < sent["cancel"] <= sent["limit"]
    sent = crowd.out.sent + world.network.channel("mm", "spot").sent
    assert sent - 5 <= world.by_section["spot"]["spot"].engine.processed <= sent  # the last few are in flight


def test_only_market_orders_and_trades_are_recorded_and_all_are_exogenous(crowd_run):
    world, result = crowd_run
    t = result.trace
    crowd = world.by_section["order_flow"]["crowd"]
    orders = t.where("order", "spot") & (t.account != "mm")
    assert orders.sum() == crowd.sent["market"]
    assert (t.cause[orders] == -1).all()
    trades = t.where("trade", "spot")
    by_crowd = trades & (t.cause == -1)
    assert by_crowd.sum() > 100  # crossing limit orders trade without an order record
    assert set(t.account[orders].tolist()) <= {f"crowd:{i}" for i in range(50)}


def test_cancels_leave_few_resting_orders(crowd_run):
    world, _ = crowd_run
    spot, crowd = world.by_section["spot"]["spot"], world.by_section["order_flow"]["crowd"]
    assert len(spot.resting) <= len(crowd.live) + 10  # those whose cancel overtook them, at most
    assert len(crowd.live) < 50 * 0.7 * 5 * 3


def test_the_same_seed_gives_the_same_trace_and_another_seed_another(tmp_path, crowd_run):
    _, first = crowd_run
    _, again = run()
    _, other = run(overrides=["experiment.seed=6"])
    for name, result in (("a", first), ("b", again), ("c", other)):
        write_csv(result.trace, tmp_path / f"{name}.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_a_limit_order_rests_under_its_reference_until_cancelled():
    world = World(from_dict(CROWD_WORLD))
    spot, ledger = world.by_section["spot"]["spot"], world.ledger
    world._open()
    trader = ledger.account("crowd:0")
    spot.receive(Limit(-1, trader, 1, 9.5, 3.0, 7))
    order = spot.resting[trader, 7]
    assert spot.book.order(order) == (1, 9.5, 3.0, trader)
    spot.receive(Cancel(-1, trader, 7))
    assert spot.book.order(order) is None and (trader, 7) not in spot.resting
    spot.receive(Cancel(-1, trader, 7))  # a second cancel, or one for an unknown order: nothing happens
    assert len(world.trace) == 1  # the opening record only


def test_a_crossing_limit_order_trades_and_is_cut_to_the_balance():
    world = World(from_dict(CROWD_WORLD))
    spot, ledger = world.by_section["spot"]["spot"], world.ledger
    world._open()
    trader = ledger.account("crowd:0")
    tokens, cash = ledger.balance(trader, ASSET), ledger.balance(trader, QUOTE)
    spot.receive(Limit(-1, trader, -1, 9.0, tokens * 10, 1))  # offers all it holds, no more
    t = world.trace.table()
    assert t.kind.tolist()[-1] == "trade" and t.cause[-1] == -1 and t.side[-1] == -1
    sold = t.qty[-1]
    assert ledger.balance(trader, ASSET) == pytest.approx(tokens - sold)
    assert ledger.balance(trader, QUOTE) == pytest.approx(cash + t.notional[-1])
    _, price, rest, owner = spot.book.order(spot.resting[trader, 1])
    assert (price, owner) == (9.0, trader)
    assert math.isclose(sold + rest, tokens)


def test_a_resting_order_holds_its_funds_from_later_orders():
    world = World(from_dict(CROWD_WORLD))
    spot, ledger = world.by_section["spot"]["spot"], world.ledger
    world._open()
    trader = ledger.account("crowd:0")
    tokens = ledger.balance(trader, ASSET)
    spot.receive(Limit(-1, trader, -1, 11.0, tokens * 0.75, 1))  # rests far above the mid
    spot.receive(Limit(-1, trader, -1, 12.0, tokens, 2))  # may only offer the quarter not held
    assert spot.book.order(spot.resting[trader, 2])[2] == pytest.approx(tokens * 0.25)
    spot.receive(Cancel(-1, trader, 1))
    assert spot.holds.tokens[trader] == pytest.approx(tokens * 0.25)
    assert spot.holds.free_tokens(trader, ledger.balance(trader, ASSET)) == pytest.approx(tokens * 0.75)


def test_a_poor_crowd_never_overdraws_and_its_holds_match_its_resting_orders():
    """Traders with a few orders' worth of funds: without holds their resting orders overdraw them."""
    world, _ = run(overrides=["order_flow.crowd.capital=3000", "order_flow.crowd.tokens=300"])  # invariants checked
    spot, ledger = world.by_section["spot"]["spot"], world.ledger
    held_cash: dict[int, float] = {}
    held_tokens: dict[int, float] = {}
    for oid in spot.book._orders:
        side, price, qty, owner = spot.book.order(oid)
        if side == 1:
            held_cash[owner] = held_cash.get(owner, 0.0) + price * qty
        else:
            held_tokens[owner] = held_tokens.get(owner, 0.0) + qty
    crowd = [ledger.account(f"crowd:{i}") for i in range(50)]
    for account in crowd:
        assert spot.holds.cash.get(account, 0.0) == pytest.approx(held_cash.get(account, 0.0), abs=1e-6)
        assert spot.holds.tokens.get(account, 0.0) == pytest.approx(held_tokens.get(account, 0.0), abs=1e-9)
        assert ledger.balance(account, QUOTE) >= spot.holds.cash.get(account, 0.0) - 1e-6
        assert ledger.balance(account, ASSET) >= spot.holds.tokens.get(account, 0.0) - 1e-9


def test_a_venue_with_record_limits_records_every_limit_and_cancel_and_what_they_cause(crowd_run):
    world, result = run(overrides=["spot.spot.record_limits=true"])
    t, crowd = result.trace, world.by_section["order_flow"]["crowd"]
    limits = t.where(Kind.ORDER, "spot") & (t.info == "limit")
    cancels = t.where(Kind.ORDER, "spot") & (t.info == "cancel")
    assert crowd.sent["limit"] - 5 <= limits.sum() <= crowd.sent["limit"]  # the last few are in flight
    assert crowd.sent["cancel"] - 5 <= cancels.sum() <= crowd.sent["cancel"]
    first = np.flatnonzero(limits)[0]
    # each limit order's ref in its own column: one per order, and every cancel names a recorded one
    assert (t.ref[~(limits | cancels)] == NO_ID).all()
    limit_refs = set(zip(t.account[limits].tolist(), t.ref[limits].tolist(), strict=True))
    assert len(limit_refs) == limits.sum() and min(ref for _, ref in limit_refs) >= 1
    assert set(zip(t.account[cancels].tolist(), t.ref[cancels].tolist(), strict=True)) <= limit_refs
    assert t.account[first].startswith("crowd:") and t.side[first] in (1, -1) and t.price[first] > 0
    # a crossing limit order's trade is caused by its order record, no longer exogenous
    by_limits = t.where("trade", "spot") & np.isin(t.cause, np.flatnonzero(limits))
    assert by_limits.sum() > 100
    assert not (t.where("trade", "spot") & (t.cause == -1)).any()
    # recording changes nothing else: the same trades at the same times and prices
    base = crowd_run[1].trace
    for column in ("t", "price", "qty", "notional"):
        np.testing.assert_array_equal(
            getattr(t, column)[t.kind == "trade"], getattr(base, column)[base.kind == "trade"]
        )


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda raw: raw["order_flow"]["crowd"].update(venue="nowhere"), "order_flow.crowd.venue"),
        (lambda raw: raw["order_flow"]["crowd"].update(limit_share=1.5), "order_flow.crowd.limit_share"),
        (lambda raw: raw["order_flow"]["crowd"].update(traders=0), "order_flow.crowd.traders"),
        (lambda raw: raw["order_flow"]["crowd"].update(lifetime="0s"), "order_flow.crowd.lifetime"),
        (lambda raw: raw["link"].pop("spot-crowd"), "order_flow.crowd.venue"),
        (lambda raw: raw["link"]["spot-crowd"].update(kind="order"), "link.spot-crowd.kind"),
    ],
)
def test_config_errors_name_the_key(change, key):
    raw = copy.deepcopy(CROWD_WORLD)
    change(raw)
    with pytest.raises(ConfigError) as exc:
        World(from_dict(raw))
    assert exc.value.key == key
