"""An index (oracle) node: keeps the latest price of each source, publishes on a clock.

Each publication is an ``index`` record, sent to every perp venue on the node's ``index``
links. Its contributors are the source updates of the window since the previous publication,
each with its share of the weighted price move, a level being credited to whoever crossed it
within ``attribution_memory`` (sim/market/attribution.py, written to the trace's contributors table);
its cause is the one that took the price where it was published.
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.index_settings import IndexSettings
from processes.messages import IndexUpdate, MarketData
from sim.core.trace import Kind
from sim.market.attribution import MoveWindow
from sim.market.index import NO_PRICE, index_price, median_index


class IndexPublisher:
    def __init__(self, ctx: Context, name: str, cfg: IndexSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.sources = list(cfg.sources)
        self.weights = [cfg.sources[s] for s in self.sources]
        self.prices = [NO_PRICE] * len(self.sources)
        self.updated = [-1e300] * len(self.sources)  # never: stale from the start
        self.window = MoveWindow(dict(cfg.sources), cfg.attribution_memory)
        self._slot = {s: i for i, s in enumerate(self.sources)}
        self.out = ctx.out_channels(name, "index")
        self.price: float | None = None  # the last published index; None: none yet

    def start(self) -> None:
        self.ctx.env.process(self._publish_loop())

    def receive(self, msg: MarketData) -> None:
        i = self._slot[msg.venue]
        self.prices[i] = NO_PRICE if msg.price is None else msg.price
        self.updated[i] = self.ctx.env.now
        self.window.update(msg.venue, msg.price, msg.cause, self.ctx.env.now)

    def _publish_loop(self):
        env, cfg, trace = self.ctx.env, self.cfg, self.ctx.trace
        while True:
            yield env.timeout(cfg.interval)
            if cfg.method == "median":
                price = median_index(self.prices, self.weights, self.updated, env.now, cfg.stale_after)
            else:
                price = index_price(
                    self.prices, self.weights, self.updated, env.now, cfg.stale_after, cfg.outlier
                ).price
            if math.isnan(price):  # no fresh source
                continue
            self.price = price
            shares, cause = self.window.close()
            rid = trace.record(env.now, Kind.INDEX, self.name, cause, price=price)
            trace.contributors.add(rid, shares)
            for channel in self.out:
                channel.send(IndexUpdate(rid, self.name, price))
