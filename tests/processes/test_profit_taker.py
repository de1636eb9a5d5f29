"""Spot profit-takers on the small world: they sell into the rally, over their links, never below their trigger."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.errors import ConfigError
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.market.assets import ASSET, QUOTE

TAKERS = {"venue": "spot", "tokens": 200_000, "rate": 300_000, "threshold": "15%", "interval": "250ms"}


def with_takers(raw: dict, **changes) -> dict:
    raw["profit_taker"] = {"takers": {**TAKERS, **changes}}
    raw["link"]["spot-takers"] = {"src": "spot", "dst": "takers", "kind": "md", "latency": "20ms"}
    raw["link"]["takers-spot"] = {"src": "takers", "dst": "spot", "kind": "order", "latency": "30ms"}
    return raw


def run(raw: dict):
    world = World(from_dict(raw))
    return world, world.run()


@pytest.fixture
def taken(small_raw):
    return run(with_takers(small_raw))


def test_they_sell_into_the_rally_at_or_above_their_trigger(taken):
    world, result = taken
    node = world.by_section["profit_taker"]["takers"]
    sold = TAKERS["tokens"] - result.ledger.balance(node.account, ASSET)
    proceeds = result.ledger.balance(node.account, QUOTE)
    assert sold > 1_000
    assert proceeds / sold >= node.trigger  # the average sale price
    assert node.trigger == pytest.approx(11.5)
    assert sold <= node.released + 1e-6


def test_their_asks_are_quotes_over_their_link_that_never_come_down(taken):
    _, result = taken
    t = result.trace
    quotes = (t.kind == "quote") & (t.node == "takers")
    assert quotes.sum() > 3
    prices = t.price[quotes]
    assert (prices >= 11.5 * 1.001 - 1e-9).all()
    assert (np.diff(prices) >= 0).all()
    first = t.t[quotes].min()
    spot_above = (t.kind == "trade") & (t.node == "spot") & (t.price > 11.5)
    assert first >= t.t[spot_above].min() + 0.020  # they learn of the rally over their md link


def test_they_release_no_more_than_rate_times_the_rallys_duration(taken):
    world, result = taken
    node = world.by_section["profit_taker"]["takers"]
    elapsed = result.config.experiment.duration - node.rally_start
    assert 0 < node.released * node.trigger <= TAKERS["rate"] * elapsed


def test_the_ramp_raises_their_rate_linearly(small_raw):
    world, _ = run(with_takers(small_raw, ramp="10s"))
    node = world.by_section["profit_taker"]["takers"]
    start = node.rally_start
    assert node.rate(start - 1) == 0.0
    assert node.rate(start + 2.5) == pytest.approx(75_000)
    assert node.rate(start + 30) == pytest.approx(300_000)


def test_they_compete_with_the_cascade(small_raw):
    _, alone = run(small_raw)
    _, contested = run(with_takers(small_raw))
    assert contested.summary["peak_price"]["spot"] < alone.summary["peak_price"]["spot"]
    assert contested.summary["liquidations"] <= alone.summary["liquidations"]


def test_they_need_their_links(small_raw):
    raw = with_takers(small_raw)
    del raw["link"]["spot-takers"]
    with pytest.raises(ConfigError, match="profit_taker.takers.venue: no link from 'spot' to 'takers'"):
        World(from_dict(raw))


def test_their_venue_must_be_a_spot_venue(small_raw):
    with pytest.raises(ConfigError, match="profit_taker.takers.venue: 'perp' is not a spot id"):
        from_dict(with_takers(small_raw, venue="perp"))
