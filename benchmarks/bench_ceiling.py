"""The ceiling on orders per second: the order-flow world's skeleton, layer by layer.

Run from the repo root: ``.venv/bin/python -m benchmarks.bench_ceiling``. Each layer adds
one part of what the order-flow benchmark (bench_orderflow.py) does per order, on the same
number of orders, and prints the orders per second of CPU time:

1. ``links``: a stream of arrivals (a Dispatcher's calls, topology/fast.py, as processes/order_flow.py)
   each sending a Limit message over a topology Channel with 5–50 ms uniform latency
   (topology/network.py) to a handler that only counts it. SimPy's queue and our delivery,
   nothing else: two events per order.
2. ``links + book``: the handler also applies the order to an OrderBook (sim/market/orderbook.py):
   the order-flow world's mix of limit orders around the mid, cancels and market orders.

The gap from the last layer to bench_orderflow's figure is the venue, ledger, market data
and trace; the gap from the first layer to 250,000 orders/s is what any mechanics may cost.
"""

from __future__ import annotations

import statistics
import time
from collections import deque

import numpy as np
import simpy

from processes.messages import Cancel, Limit, Order
from sim.core.config import Latency
from sim.market.orderbook import OrderBook
from sim.market.sides import BUY, SELL
from topology.fast import Dispatcher
from topology.latency import LatencyModel
from topology.network import Channel

ORDERS = 300_000
RATE = 170.0  # arrivals per second (the order-flow world's new orders and cancels)
MIX = (0.41, 0.41, 0.18)  # limit, cancel, market: the order-flow world's mix
TICK = 0.001
REPEATS = 3


def _draws(n: int, seed: int = 1) -> list[tuple[float, int, int, float, float]]:
    """Per arrival: (gap, kind 0 limit / 1 cancel / 2 market, side, price, amount)."""
    rng = np.random.default_rng(seed)
    gap = rng.exponential(1 / RATE, n)
    kind = rng.choice(3, size=n, p=MIX)
    side = np.where(rng.random(n) < 0.5, BUY, SELL)
    ticks = np.round(10.0 / TICK * (1 - side * rng.uniform(-0.001, 0.01, n))).astype(np.int64)
    amount = rng.lognormal(np.log(1_000) - 0.125, 0.5, n)
    return list(zip(gap.tolist(), kind.tolist(), side.tolist(), (ticks * TICK).tolist(), amount.tolist(), strict=True))


def _seeded_book() -> OrderBook:
    book = OrderBook(TICK)
    for i in range(1, 51):
        book.limit(SELL, round(10.0 + i * 0.002, 3), 20_000.0, 0)
        book.limit(BUY, round(10.0 - i * 0.002, 3), 20_000.0, 0)
    return book


def layer(with_book: bool) -> float:
    """Orders per second of CPU time of one layer."""
    env = simpy.Environment()
    link = Channel(
        env,
        "crowd-venue",
        "crowd",
        "venue",
        "order",
        LatencyModel(Latency(model="uniform", low=0.005, high=0.05), np.random.default_rng(2)),
    )
    draws = iter(_draws(ORDERS))
    book = _seeded_book()
    resting: dict[int, int] = {}
    live: deque[int] = deque()
    counted = [0]

    def venue(msg: Limit | Cancel | Order) -> None:
        counted[0] += 1
        if not with_book:
            return
        if type(msg) is Limit:
            resting[msg.ref] = book.limit(msg.side, msg.price, msg.qty, msg.account)[0]
        elif type(msg) is Cancel:
            order = resting.pop(msg.ref, None)  # None if the cancel overtook its order
            if order is not None:
                book.cancel(order)
        elif msg.side == BUY:
            book.market(BUY, notional=msg.notional, owner=msg.account)
        else:
            book.market(SELL, msg.qty, owner=msg.account)

    link.handler = venue
    refs = [0]

    def arrive(draw: tuple) -> None:
        _, kind, side, price, amount = draw
        if kind == 1 and live:  # the oldest live limit order
            link.send(Cancel(-1, 1, live.popleft()))
        elif kind != 2:
            refs[0] += 1
            live.append(refs[0])
            link.send(Limit(-1, 1, side, price, amount / price, refs[0]))
        else:
            link.send(Order(-1, 1, side, amount / price, amount))
        draw = next(draws, None)
        if draw is not None:
            arrivals.call_later(draw[0], draw)

    arrivals = Dispatcher(env, arrive)
    arrivals.call_later(0.0, next(draws))
    start = time.process_time()
    env.run()
    return counted[0] / (time.process_time() - start)


def main() -> dict[str, float]:
    f = {
        "links_orders_per_s": statistics.median(layer(False) for _ in range(REPEATS)),
        "links_book_orders_per_s": statistics.median(layer(True) for _ in range(REPEATS)),
    }
    print(
        f"ceiling: links only {f['links_orders_per_s']:,.0f} orders/s; "
        f"links + order book {f['links_book_orders_per_s']:,.0f} orders/s (CPU time)"
    )
    return f


if __name__ == "__main__":
    main()
