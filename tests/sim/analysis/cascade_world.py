"""Shared fixtures' data for the cascade-analysis tests: a hand-built trace with known
answers, and a small world with constant latencies written to a run folder."""

from __future__ import annotations

import copy
from pathlib import Path

from sim.config import from_dict
from sim.output import write_run
from sim.trace import Trace, TraceTable
from sim.world import World

LATENCY = {
    "whale-spot": 0.020,
    "spot-index": 0.050,
    "index-perp": 0.030,
    "mm-perp": 0.005,
    "perp-mm": 0.007,
    "hedge": 0.150,
    "spot-mm": 0.040,
}
LINKS = {
    "whale-spot": ("whale", "spot", "order"),
    "spot-index": ("spot", "index", "md"),
    "index-perp": ("index", "perp", "index"),
    "mm-perp": ("mm", "perp", "order"),
    "perp-mm": ("perp", "mm", "fill"),
    "hedge": ("mm", "spot", "hedge"),
    "spot-mm": ("spot", "mm", "md"),
}
SMALL = {
    "experiment": {"name": "small", "seed": 3, "duration": "20s"},
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
    """The small world's raw (TOML-shaped) config; callers may change it."""
    return copy.deepcopy(SMALL)


def write_small_run(folder: Path, overrides: list[str] = ()) -> Path:
    """Run the small world and write its run folder (without plots)."""
    return write_run(World(from_dict(small_raw(), list(overrides))).run(), folder, plots=False)


def handmade_trace() -> TraceTable:
    """An ignition, one liquidation (wave 1) whose hedge moves spot, the index and the mark,
    two liquidations in wave 2, and an unrelated noise order.

    id  t      kind         node    cause
    0   0.000  ignite       whale   -
    1   0.020  order        spot    0
    2   0.020  trade        spot    1
    3   1.000  index        index   1
    4   1.030  mark         perp    3
    5   1.030  liquidation  perp    4
    6   1.030  trade        perp    5
    7   1.030  fill         perp    6
    8   1.037  hedge        mm      7
    9   1.187  order        spot    8
    10  1.187  trade        spot    9
    11  2.000  index        index   9
    12  2.030  mark         perp    11
    13  2.030  liquidation  perp    12
    14  2.030  liquidation  perp    12
    15  3.000  noise        retail  -
    """
    tr = Trace()
    tr.record(0.000, "ignite", "whale", side=1, notional=100.0)
    tr.record(0.020, "order", "spot", 0, "whale", 1, notional=100.0)
    tr.record(0.020, "trade", "spot", 1, "whale", 1, 10.5, 100 / 10.5, 100.0)
    tr.record(1.000, "index", "index", 1, price=10.5)
    tr.record(1.030, "mark", "perp", 3, price=10.5)
    tr.record(1.030, "liquidation", "perp", 4, "shorts", -1, 10.5, 100.0, 1050.0)
    tr.record(1.030, "trade", "perp", 5, "shorts", 1, 10.6, 100.0, 1060.0)
    tr.record(1.030, "fill", "perp", 6, "mm", -1, 10.6, 100.0, 1060.0)
    tr.record(1.037, "hedge", "mm", 7, "mm", 1, qty=100.0)
    tr.record(1.187, "order", "spot", 8, "mm", 1, qty=100.0)
    tr.record(1.187, "trade", "spot", 9, "mm", 1, 11.0, 100.0, 1100.0)
    tr.record(2.000, "index", "index", 9, price=11.0)
    tr.record(2.030, "mark", "perp", 11, price=11.0)
    tr.record(2.030, "liquidation", "perp", 12, "shorts", -1, 11.0, 50.0, 550.0)
    tr.record(2.030, "liquidation", "perp", 12, "shorts", -1, 11.0, 50.0, 550.0)
    tr.record(3.000, "noise", "retail", side=1, notional=10.0)
    return tr.table()
