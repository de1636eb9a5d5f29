"""Spot profit-takers: holders who sell into a rally, competing with a cascade in time.

They see the venue's prices over an ``md`` link and decide on a clock (every ``interval``).
While the price they last saw is more than ``threshold`` above ``fair``, each decision
releases ``rate × interval`` of notional from their tokens, and they offer everything
released but not yet sold as one ask ``offset`` above that price (a ``quote`` record and a
Quotes message over their ``order`` link). Below the threshold they withdraw the ask. The
wall grows with the time spent above the threshold, so a slower cascade meets more supply.
Sales settle in the ledger at the venue; the node reads only its own token balance.
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.messages import MarketData, Quotes
from sim.config import ProfitTaker as ProfitTakerConfig
from sim.ledger import ASSET
from sim.market.orderbook import TickGrid
from sim.market.sides import SELL


class ProfitTaker:
    def __init__(self, ctx: Context, name: str, cfg: ProfitTakerConfig, tick: float, opening_mid: float) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.grid = TickGrid(tick)
        self.account = ctx.ledger.account(name)
        self.out = ctx.network.channel(name, cfg.venue)
        self.trigger = (cfg.fair if cfg.fair is not None else opening_mid) * (1 + cfg.threshold)
        self.price = math.nan
        self.cause = -1
        self.released = 0.0  # tokens released for sale so far
        self.above = 0.0  # time spent above the trigger so far
        self._quoted: tuple[float, float] | None = None  # (price, qty) of the live ask

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, ASSET, self.cfg.tokens)
        self.ctx.env.process(self._loop())

    def receive(self, msg: MarketData) -> None:
        self.price = msg.last
        self.cause = msg.cause

    def _loop(self):
        env = self.ctx.env
        while True:
            yield env.timeout(self.cfg.interval)
            self._decide()

    def _decide(self) -> None:
        cfg, price = self.cfg, self.price
        if not price > self.trigger:
            self._offer(math.nan, 0.0)
            return
        self.above += cfg.interval
        rate = cfg.rate * min(1.0, self.above / cfg.ramp) if cfg.ramp else cfg.rate
        self.released = min(cfg.tokens, self.released + rate * cfg.interval / price)
        sold = cfg.tokens - self.ctx.ledger.balance(self.account, ASSET)
        ask = self.grid.price(self.grid.bound(price * (1 + cfg.offset), SELL))  # up to the tick grid
        self._offer(ask, max(self.released - sold, 0.0))

    def _offer(self, price: float, qty: float) -> None:
        """Replace the live ask with ``qty`` at ``price`` (none when qty is 0), if it changed."""
        quote = (price, qty) if qty > 0 else None
        if quote == self._quoted:
            return
        self._quoted = quote
        rid = self.ctx.trace.record(self.ctx.env.now, "quote", self.name, self.cause, self.name, price=price, qty=qty)
        self.out.send(Quotes(rid, self.account, asks=[(price, qty)] if quote else []))
