"""The igniter on a perp venue: its orders reach the perp after the link latency, the market
maker that sold to it hedges on spot, and the spot price follows (the squeeze led by the perp)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.errors import ConfigError
from sim.engine.config import from_dict
from sim.engine.world import World
from tests.worlds import LATENCY


@pytest.fixture
def perp_whale(small_raw) -> dict:
    """The small world with its whale buying $400k of perps instead of spot."""
    small_raw["igniter"]["whale"] |= {"venue": "perp", "notional": 400_000}
    small_raw["link"]["whale"]["dst"] = "perp"
    return small_raw


def test_perp_ignition_orders_reach_the_perp_after_the_link_latency_in_contracts(perp_whale):
    world = World(from_dict(perp_whale))
    t = world.run().trace
    orders = np.flatnonzero((t.kind == "order") & (t.account == "whale"))
    assert len(orders) == 5
    assert (t.node[orders] == "perp").all()
    ignites = t.cause[orders]
    assert (t.kind[ignites] == "ignite").all()
    np.testing.assert_allclose(t.t[orders] - t.t[ignites], LATENCY["whale"], atol=1e-9)
    np.testing.assert_allclose(t.qty[orders], 80_000 / 10.0)  # each slice in contracts at the opening price


def test_perp_ignition_is_hedged_on_spot_and_lifts_it(perp_whale, small_raw):
    world = World(from_dict(perp_whale))
    result = world.run()
    t = result.trace
    whale_trades = np.flatnonzero((t.kind == "trade") & (t.account == "whale"))
    assert (t.node[whale_trades] == "perp").all()
    assert t.qty[whale_trades].sum() == pytest.approx(40_000)  # every contract filled
    assert t.notional[whale_trades].sum() > 400_000  # the later slices paid up: the perp rose under the whale
    # the market maker sold to the whale: its fills are hedged by spot buys, caused through the whale's trades
    hedges = np.flatnonzero(t.kind == "hedge")
    assert len(hedges) > 0
    first_fill = t.cause[hedges[0]]
    assert t.kind[first_fill] == "fill"
    assert t.t[hedges[0]] - t.t[first_fill] == pytest.approx(LATENCY["perp-mm"])
    assert result.summary["peak_price"]["spot"] > 10.05
    assert world.ctx.ledger.balance(world.ctx.ledger.account("whale"), 0) == pytest.approx(0.0)  # all posted as margin


def test_an_igniter_on_an_index_is_refused(small_raw):
    small_raw["igniter"]["whale"]["venue"] = "index"
    small_raw["link"]["whale"]["dst"] = "index"
    with pytest.raises(ConfigError, match=r"igniter\.whale\.venue: 'index' is not a spot or perp id"):
        from_dict(small_raw)
