"""A small world with constant latencies whose timings can be checked by hand."""

from __future__ import annotations

import copy

import pytest

LAT = {
    "whale": 0.020,
    "spot-index": 0.050,
    "index-perp": 0.030,
    "mm-perp": 0.005,
    "perp-mm": 0.007,
    "hedge": 0.150,
    "spot-mm": 0.040,
}

SMALL_WORLD = {
    "experiment": {"name": "small", "seed": 3, "duration": "60s"},
    "spot": {
        "spot": {
            "tick": 0.001,
            "book": {
                "mid": 10.0,
                "owner": "holders",
                "asks": {"notional": 180_000, "range": "10%", "shape": "linear", "extent": "90%", "step": "0.5%"},
                "bids": {"notional": 100_000, "range": "10%", "shape": "flat", "extent": "50%", "step": "0.5%"},
            },
        }
    },
    "index": {"index": {"sources": {"spot": 1.0}, "interval": "1s"}},
    "perp": {
        "perp": {
            "index": "index",
            "mmr": "1%",
            "liquidation_fee": "1%",
            "insurance_fund": 100_000,
            "populations": {
                "shorts": {
                    "side": "short",
                    "count": 60,
                    "notional": 2_000_000,
                    "leverage": 10,
                    "liq_price": {"low": 10.8, "high": 13.0},
                    "counterparty": {"owner": "longs", "count": 10},
                }
            },
        }
    },
    "market_maker": {
        "mm": {
            "perp": "perp",
            "hedge": {"spot": 1.0},
            "quotes": {"notional": 300_000, "range": "2%", "extent": "20%", "step": "0.5%"},
            "capital": 20_000_000,
            "margin": 5_000_000,
        }
    },
    "igniter": {"whale": {"venue": "spot", "notional": 200_000, "start": "5s", "duration": "5s", "slices": 5}},
    "link": {
        "whale": {"src": "whale", "dst": "spot", "kind": "order", "latency": "20ms"},
        "spot-index": {"src": "spot", "dst": "index", "kind": "md", "latency": "50ms"},
        "index-perp": {"src": "index", "dst": "perp", "kind": "index", "latency": "30ms"},
        "mm-perp": {"src": "mm", "dst": "perp", "kind": "order", "latency": "5ms"},
        "perp-mm": {"src": "perp", "dst": "mm", "kind": "fill", "latency": "7ms"},
        "hedge": {"src": "mm", "dst": "spot", "kind": "hedge", "latency": "150ms"},
        "spot-mm": {"src": "spot", "dst": "mm", "kind": "md", "latency": "40ms"},
    },
}


@pytest.fixture
def small_raw() -> dict:
    """The raw (TOML-shaped) small world; tests may change it."""
    return copy.deepcopy(SMALL_WORLD)
