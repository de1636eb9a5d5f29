"""Throughput of OrderBook under a mixed limit / cancel / market workload.

Run from the repo root: ``.venv/bin/python -m benchmarks.bench_orderbook`` (or the script
path once the package is installed, e.g. by ``make``). Prints and returns (``main()``) the
median mixed ops per second over a few repeats. The workload: 50% limit orders
(a few percent of them crossing), 30% cancels of recent order ids (some already filled),
20% market orders (one in four by notional, one in four with a limit price), on a book
seeded with 60 levels of 3 orders per side.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from sim.market.orderbook import OrderBook
from sim.market.sides import BUY, SELL

TICK = 0.01
MID_TICKS = 10_000  # mid 100.00
N_OPS = 200_000
REPEATS = 3


def _workload(n: int, seed: int) -> list[tuple]:
    """Pre-drawn operations so that the timed loop only touches the book."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    side = rng.choice([BUY, SELL], size=n)
    offset = rng.integers(-2, 60, size=n)
    qty = rng.uniform(0.1, 2.0, size=n).round(3)
    pick = rng.integers(1, 1000, size=n)
    flavour = rng.integers(0, 4, size=n)
    ops = []
    for i in range(n):
        s = int(side[i])
        if kind[i] == 0:
            ops.append((0, s, (MID_TICKS - s * int(offset[i])) * TICK, float(qty[i])))
        elif kind[i] == 1:
            ops.append((1, int(pick[i])))
        else:
            ops.append((2, s, float(qty[i]), int(flavour[i])))
    return ops


def _seeded_book() -> OrderBook:
    book = OrderBook(TICK)
    for k in range(1, 61):
        for owner in range(3):
            book.limit(BUY, (MID_TICKS - k) * TICK, 1.0, owner)
            book.limit(SELL, (MID_TICKS + k) * TICK, 1.0, owner)
    return book


def _run(ops: list[tuple]) -> float:
    """Ops per second of one pass over ``ops`` on a fresh seeded book."""
    book = _seeded_book()
    limit, market, cancel = book.limit, book.market, book.cancel
    ids: list[int] = []
    mid = MID_TICKS * TICK
    t0 = time.perf_counter()
    for op in ops:
        if op[0] == 0:
            ids.append(limit(op[1], op[2], op[3], 7)[0])
        elif op[0] == 1:
            if ids:
                cancel(ids[-op[1] % len(ids)])
        elif op[3] == 0:
            market(op[1], notional=op[2] * mid, owner=8)
        elif op[3] == 1:
            market(op[1], op[2], owner=8, limit_price=mid * (1 + op[1] * 0.002))
        else:
            market(op[1], op[2], owner=8)
    return len(ops) / (time.perf_counter() - t0)


def main() -> float:
    """Median mixed ops/s over ``REPEATS`` runs; printed and returned."""
    ops = _workload(N_OPS, seed=0)
    rate = statistics.median(_run(ops) for _ in range(REPEATS))
    print(f"orderbook: {rate:,.0f} mixed limit/cancel/market ops/s ({N_OPS:,} ops x {REPEATS})")
    return rate


if __name__ == "__main__":
    main()
