"""A perp market maker: quotes a ladder around a reference price and hedges its fills on spot.

Every ``refresh`` it replaces its perp quotes (a ``quote`` record), skipping the side that
would take its inventory past the limit. Each FillReport from the perp venue becomes a
``hedge`` record and a spot market order of ``hedge_ratio`` × the filled quantity, in the
opposite direction, split over its hedge venues by weight and sent over the hedge links.
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.market_maker_settings import MarketMakerSettings
from processes.messages import FillReport, MarketData, Order, PerpData, Quotes
from sim.core.trace import Kind
from sim.market.depth import quotable_ladder
from sim.market.sides import BUY, SELL


class MarketMaker:
    def __init__(self, ctx: Context, name: str, cfg: MarketMakerSettings, perp_tick: float) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(name)
        self.tick = perp_tick
        self.profile = cfg.quotes
        self.quote_out = ctx.network.channel(name, cfg.perp)
        total = sum(cfg.hedge.values())
        self.hedge_out = [(ctx.network.channel(name, v), w / total) for v, w in cfg.hedge.items()]
        self.reference: float | None = None  # the hedge venue's published price; None: none yet
        self.reference_cause = -1
        self.position = 0.0  # perp position as reported by fills
        self._quoted: tuple[float, float] | None = None  # (reference, position) of the live quotes

    def start(self) -> None:
        self.ctx.env.process(self._quote_loop())

    def receive(self, msg: MarketData | FillReport | PerpData) -> None:
        if isinstance(msg, MarketData):
            self.reference = msg.price
            self.reference_cause = msg.cause
        elif isinstance(msg, FillReport):
            self._hedge(msg)

    def _quote_loop(self):
        env = self.ctx.env
        while True:
            if self.reference is not None:
                self._quote()
            yield env.timeout(self.cfg.refresh)

    def _quote(self) -> None:
        """Replace the quotes, unless neither the reference nor the inventory changed since the last ones."""
        cfg, ref = self.cfg, self.reference
        limit = math.inf if cfg.inventory_limit is None else cfg.inventory_limit
        if self._quoted == (ref, self.position):
            return
        self._quoted = (ref, self.position)
        bids = asks = []
        centre = ref * (1 - cfg.skew * self.position / cfg.skew_scale)  # lean against inventory
        if self.position < limit:
            bids = quotable_ladder(self.profile, centre * (1 - cfg.half_spread), self.tick, BUY)
        if self.position > -limit:
            asks = quotable_ladder(self.profile, centre * (1 + cfg.half_spread), self.tick, SELL)
        rid = self.ctx.trace.record(self.ctx.env.now, Kind.QUOTE, self.name, self.reference_cause, self.name, price=ref)
        self.quote_out.send(Quotes(rid, self.account, bids, asks))

    def _hedge(self, fill: FillReport) -> None:
        self.position += fill.side * fill.qty
        qty = fill.qty * self.cfg.hedge_ratio
        if qty <= 0:
            return
        side = -fill.side
        rid = self.ctx.trace.record(self.ctx.env.now, Kind.HEDGE, self.name, fill.cause, self.name, side, qty=qty)
        for channel, weight in self.hedge_out:
            channel.send(Order(rid, self.account, side, qty=qty * weight))
