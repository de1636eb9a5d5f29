"""The small test world, in one place: a spot venue and its index, a perp with 60 shorts
liquidated between 10.8 and 13, a market maker hedging on spot and a whale buying $200k of
spot, joined by links of constant latency so that timings can be checked by hand.

Import it as ``tests.worlds`` (pyproject puts the repository root on pytest's path).
"""

from __future__ import annotations

import copy

LINKS = {  # link id: (src, dst, kind)
    "whale": ("whale", "spot", "order"),
    "spot-index": ("spot", "index", "md"),
    "index-perp": ("index", "perp", "index"),
    "mm-perp": ("mm", "perp", "order"),
    "perp-mm": ("perp", "mm", "fill"),
    "hedge": ("mm", "spot", "hedge"),
    "spot-mm": ("spot", "mm", "md"),
}
LATENCY = {  # link id: seconds
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
    "link": {lid: {"src": s, "dst": d, "kind": k, "latency": LATENCY[lid]} for lid, (s, d, k) in LINKS.items()},
}


def small_raw() -> dict:
    """A fresh copy of the small world's raw (TOML-shaped) config; callers may change it."""
    return copy.deepcopy(SMALL_WORLD)
