"""A spot liquidity provider: re-quotes a ladder around the venue's mid price on a clock.

Centring on the mid (the last price when one side is empty) makes it fill the gap a burst
leaves between bids and asks, step by step, as real liquidity providers do. Sizes are
scaled down to what its balances can back (tokens for asks, cash for bids).
"""

from __future__ import annotations

from processes.context import Context
from processes.liquidity_settings import LiquiditySettings
from processes.messages import MarketData, Quotes
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.depth import quotable_ladder
from sim.market.sides import BUY, SELL


class LiquidityProvider:
    def __init__(self, ctx: Context, name: str, cfg: LiquiditySettings, tick: float) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.tick = tick
        self.account = ctx.ledger.account(name)
        self.profile = cfg.quotes
        self.out = ctx.network.channel(name, cfg.venue)
        self.price: float | None = None  # the venue's mid (its last price with a side empty); None: none yet
        self.cause = -1
        self._quoted: tuple[float, float, float] | None = None  # (centre, size scale, spread scale) of the live quotes
        self.size_scale = 1.0
        self.spread_scale = 1.0

    def start(self) -> None:
        ledger = self.ctx.ledger
        ledger.endow(self.account, QUOTE, self.cfg.capital)
        ledger.endow(self.account, ASSET, self.cfg.tokens)
        self.ctx.env.process(self._loop())

    def receive(self, msg: MarketData) -> None:
        mid = msg.mid
        self.price = mid if mid is not None else msg.last
        self.cause = msg.cause

    def _loop(self):
        env, cfg = self.ctx.env, self.cfg
        while True:
            if self.price is not None:
                self._quote()
            yield env.timeout(cfg.refresh)

    def _quote(self) -> None:
        """Re-centre the ladder on the mid price, if it (or the size or spread scale) changed."""
        state = (self.price, self.size_scale, self.spread_scale)
        if state == self._quoted:
            return
        self._quoted = state
        ledger, hs = self.ctx.ledger, self.cfg.half_spread * self.spread_scale
        bids = _scaled(quotable_ladder(self.profile, self.price * (1 - hs), self.tick, BUY), self.size_scale)
        asks = _scaled(quotable_ladder(self.profile, self.price * (1 + hs), self.tick, SELL), self.size_scale)
        bids = _fit(bids, ledger.balance(self.account, QUOTE), lambda p, q: p * q)
        asks = _fit(asks, ledger.balance(self.account, ASSET), lambda p, q: q)
        rid = self.ctx.trace.record(self.ctx.env.now, Kind.QUOTE, self.name, self.cause, self.name, price=self.price)
        self.out.send(Quotes(rid, self.account, bids, asks))


def _scaled(levels: list[tuple[float, float]], scale: float) -> list[tuple[float, float]]:
    return levels if scale == 1.0 else [(p, q * scale) for p, q in levels]


def _fit(levels: list[tuple[float, float]], budget: float, cost) -> list[tuple[float, float]]:
    """Scale a ladder down uniformly so that its total cost fits in ``budget``."""
    total = sum(cost(p, q) for p, q in levels)
    if total <= budget or total == 0:
        return levels
    scale = max(budget, 0.0) / total
    return [(p, q * scale) for p, q in levels if q * scale > 0]
