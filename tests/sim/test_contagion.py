"""Cross-venue contagion: a cascade on one perp venue reaches another through a market
maker's hedges on a shared spot book and the second venue's index feed.

With constant latencies and no noise the second venue's first liquidation comes exactly
the path's latency after the first venue's: fill report + hedge order + market data to the
index + the wait for the index's next publication + the index feed.
"""

from __future__ import annotations

import math

import pytest

from sim import api
from sim.analysis.causes import chain
from sim.engine.config import from_dict
from sim.engine.world import World


def link(src: str, dst: str, kind: str, latency: float) -> dict:
    return {"src": src, "dst": dst, "kind": kind, "latency": latency}


def book(notional: float) -> dict:
    side = {"notional": notional, "range": "2%", "shape": "flat", "extent": "20%", "step": "0.1%"}
    return {"mid": 10.0, "asks": side, "bids": side}


def longs(low: float, high: float) -> dict:
    return {
        "side": "long",
        "count": 3,
        "notional": 300_000,
        "leverage": 10,
        "liq_price": {"low": low, "high": high},
        "counterparty": {"owner": f"shorts_{low}", "count": 3},
    }


def two_venues(fill: float, hedge: float, md: float, feed: float, interval: float) -> dict:
    """A seller moves spot_a, perp_a's only index source; perp_a's market maker hedges on
    spot_b, perp_b's only index source. Constant latencies, no noise."""
    return {
        "experiment": {"name": "two_venues", "seed": 1, "duration": "15s"},
        "spot": {"spot_a": {"book": book(100_000)}, "spot_b": {"book": book(100_000)}},
        "index": {
            "index_a": {"sources": {"spot_a": 1.0}, "interval": "1s"},
            "index_b": {"sources": {"spot_b": 1.0}, "interval": interval},
        },
        "perp": {
            "perp_a": {"index": "index_a", "insurance_fund": 100_000, "populations": {"a": longs(9.90, 9.95)}},
            "perp_b": {
                "index": "index_b",
                "mark": "hyperliquid",
                "insurance_fund": 100_000,
                "populations": {"b": longs(9.85, 9.90)},
            },
        },
        "market_maker": {
            "mm": {
                "perp": "perp_a",
                "hedge": {"spot_b": 1.0},
                "reference": "spot_a",
                "tokens": 100_000,
                "quotes": {"notional": 1_000_000, "range": "2%", "extent": "10%", "step": "0.1%"},
            }
        },
        "igniter": {"seller": {"venue": "spot_a", "side": "sell", "notional": 60_000, "start": "5s", "slices": 1}},
        "link": {
            "seller": link("seller", "spot_a", "order", 0.02),
            "md_a": link("spot_a", "index_a", "md", 0.05),
            "feed_a": link("index_a", "perp_a", "index", 0.03),
            "ref": link("spot_a", "mm", "md", 0.01),
            "quotes": link("mm", "perp_a", "order", 0.005),
            "fill": link("perp_a", "mm", "fill", fill),
            "hedge": link("mm", "spot_b", "hedge", hedge),
            "md_b": link("spot_b", "index_b", "md", md),
            "feed_b": link("index_b", "perp_b", "index", feed),
        },
    }


@pytest.mark.parametrize(
    ("fill", "hedge", "md", "feed", "interval"),
    [(0.007, 0.150, 0.040, 0.200, 1.0), (0.005, 0.400, 0.300, 0.050, 1.0), (0.010, 0.100, 0.050, 0.500, 0.25)],
)
def test_the_lag_is_the_path_latency_plus_the_index_wait(fill, hedge, md, feed, interval):
    result = World(from_dict(two_venues(fill, hedge, md, feed, interval))).run()
    venues = result.summary["perp_venues"]
    t_a = venues["perp_a"]["first_liquidation_s"]
    arrival = t_a + fill + hedge + md  # the hedge's print reaches index_b
    wait = math.ceil(arrival / interval) * interval - arrival
    assert 0 < wait < interval
    assert venues["perp_a"]["lag_s"] == 0.0
    assert venues["perp_b"]["lag_s"] == pytest.approx(fill + hedge + md + wait + feed, abs=1e-9)
    trace = result.trace
    first_b = int(trace.id[(trace.kind == "liquidation") & (trace.node == "perp_b")][0])
    path = [(str(trace.node[i]), str(trace.kind[i])) for i in chain(trace, first_b)]
    hop = path.index(("perp_a", "liquidation"))
    assert path[hop:] == [
        ("perp_a", "liquidation"),
        ("perp_a", "trade"),
        ("perp_a", "fill"),
        ("mm", "hedge"),
        ("spot_b", "order"),
        ("index_b", "index"),
        ("perp_b", "mark"),
        ("perp_b", "liquidation"),
    ]


def test_without_the_first_venue_the_second_is_not_reached():
    raw = two_venues(0.007, 0.150, 0.040, 0.200, 1.0)
    raw["perp"]["perp_a"]["populations"]["a"]["liq_price"] = {"low": 8.0, "high": 8.5}
    venues = World(from_dict(raw)).run().summary["perp_venues"]
    assert venues["perp_a"]["liquidations"] == venues["perp_b"]["liquidations"] == 0


# ----------------------------------------------------------------------------- runs/contagion.toml


@pytest.fixture(scope="module")
def contagion():
    return api.run(api.load("contagion"))


def test_the_cascade_starts_on_perp_a_and_reaches_perp_b_seconds_later(contagion):
    venues = contagion.summary["perp_venues"]
    assert venues["perp_a"]["lag_s"] == 0.0
    assert 2.0 < venues["perp_b"]["lag_s"] < 20.0
    assert venues["perp_a"]["liquidations"] > 0 and venues["perp_b"]["liquidations"] > 0
    low, high = contagion.summary["min_price"], contagion.summary["max_price"]
    assert low["thin"] < low["mid"] < low["deep"] < 10.0 <= high["deep"]  # the thinner the book, the deeper the fall


def test_perp_b_is_reached_through_perp_a_liquidations_and_mm_a_hedges(contagion):
    trace = contagion.trace
    first_b = int(trace.id[(trace.kind == "liquidation") & (trace.node == "perp_b")][0])
    path = [(str(trace.node[i]), str(trace.kind[i])) for i in chain(trace, first_b)]
    assert ("perp_a", "liquidation") in path and ("mm_a", "hedge") in path
    assert ("index_b", "index") in path


def test_without_perp_a_cascade_the_seller_alone_does_not_reach_perp_b():
    quiet = ["perp.perp_a.populations.longs_a.liq_price.low=7.5", "perp.perp_a.populations.longs_a.liq_price.high=8"]
    venues = api.run(api.load("contagion", overrides=quiet)).summary["perp_venues"]
    assert venues["perp_a"]["liquidations"] == venues["perp_b"]["liquidations"] == 0
