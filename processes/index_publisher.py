"""An index (oracle) node: keeps the latest price of each source, publishes on a clock.

Each publication is an ``index`` record, sent to every perp venue on the node's ``index``
links. Its cause is the dominant source update: the one behind the largest traded notional,
discounted by age with a half-life (``attribution_half_life``), so that a small print just
before the publication does not take the credit for the level a large hedge set a moment
earlier. Equal decay keeps older candidates in order, so one running best is enough.
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.messages import IndexUpdate, MarketData
from sim.config import Index
from sim.market.index import index_price, median_index


class IndexPublisher:
    def __init__(self, ctx: Context, name: str, cfg: Index) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.sources = list(cfg.sources)
        self.weights = [cfg.sources[s] for s in self.sources]
        self.prices = [math.nan] * len(self.sources)
        self.updated = [-1e300] * len(self.sources)  # never: stale from the start
        self.cause = -1
        self._best = (-1.0, 0.0)  # (traded notional, time) of the dominant update
        self._slot = {s: i for i, s in enumerate(self.sources)}
        self.out = ctx.out_channels(name, "index")
        self.price = math.nan

    def start(self) -> None:
        self.ctx.env.process(self._publish_loop())

    def receive(self, msg: MarketData) -> None:
        i = self._slot[msg.venue]
        self.prices[i] = msg.price
        now = self.ctx.env.now
        self.updated[i] = now
        notional, at = self._best
        if msg.notional >= notional * 0.5 ** ((now - at) / self.cfg.attribution_half_life):
            self._best = (msg.notional, now)
            self.cause = msg.cause

    def _publish_loop(self):
        env, cfg = self.ctx.env, self.cfg
        while True:
            yield env.timeout(cfg.interval)
            if cfg.method == "median":
                price = median_index(self.prices, self.weights, self.updated, env.now, cfg.stale_after)
            else:
                price = index_price(
                    self.prices, self.weights, self.updated, env.now, cfg.stale_after, cfg.outlier
                ).price
            if price != price:
                continue
            self.price = price
            rid = self.ctx.trace.record(env.now, "index", self.name, self.cause, price=price)
            for channel in self.out:
                channel.send(IndexUpdate(rid, self.name, price))
