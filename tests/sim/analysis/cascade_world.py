"""Shared fixtures' data for the cascade-analysis tests: a hand-built trace with known
answers, and the small world (tests/worlds.py) run for 20 s and written to a run folder."""

from __future__ import annotations

from pathlib import Path

from sim.core.trace import Kind, Trace, TraceTable
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.study.output import write_run
from tests import worlds


def small_raw() -> dict:
    """The small world's raw (TOML-shaped) config, 20 s long; callers may change it."""
    raw = worlds.small_raw()
    raw["experiment"]["duration"] = "20s"
    return raw


def write_small_run(folder: Path, overrides: list[str] = ()) -> Path:
    """Run the small world and write its run folder (without plots)."""
    return write_run(World(from_dict(small_raw(), list(overrides))).run(), folder)


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
    tr.record(0.000, Kind.IGNITE, "whale", side=1, notional=100.0)
    tr.record(0.020, Kind.ORDER, "spot", 0, "whale", 1, notional=100.0)
    tr.record(0.020, Kind.TRADE, "spot", 1, "whale", 1, 10.5, 100 / 10.5, 100.0)
    tr.record(1.000, Kind.INDEX, "index", 1, price=10.5)
    tr.record(1.030, Kind.MARK, "perp", 3, price=10.5)
    tr.record(1.030, Kind.LIQUIDATION, "perp", 4, "shorts", -1, 10.5, 100.0, 1050.0)
    tr.record(1.030, Kind.TRADE, "perp", 5, "shorts", 1, 10.6, 100.0, 1060.0)
    tr.record(1.030, Kind.FILL, "perp", 6, "mm", -1, 10.6, 100.0, 1060.0)
    tr.record(1.037, Kind.HEDGE, "mm", 7, "mm", 1, qty=100.0)
    tr.record(1.187, Kind.ORDER, "spot", 8, "mm", 1, qty=100.0)
    tr.record(1.187, Kind.TRADE, "spot", 9, "mm", 1, 11.0, 100.0, 1100.0)
    tr.record(2.000, Kind.INDEX, "index", 9, price=11.0)
    tr.record(2.030, Kind.MARK, "perp", 11, price=11.0)
    tr.record(2.030, Kind.LIQUIDATION, "perp", 12, "shorts", -1, 11.0, 50.0, 550.0)
    tr.record(2.030, Kind.LIQUIDATION, "perp", 12, "shorts", -1, 11.0, 50.0, 550.0)
    tr.record(3.000, Kind.NOISE, "retail", side=1, notional=10.0)
    return tr.table()
