"""Spot profit-takers: holders who sell into a rally, competing with a cascade in time.

They see the venue's prices over an ``md`` link and decide on a clock (every ``interval``).
The rally starts for them when the higher of the last price and the best bid they saw
exceeds ``trigger = fair × (1 + threshold)``. From then on they release tokens for sale at
a rate that rises linearly from 0 to ``rate`` (notional per second) over ``ramp`` (the
longer a rally lasts, the more holders notice it), and offer everything released but not
yet sold as one ask ``offset`` above that price, never below the trigger (a ``quote``
record and a Quotes message over their ``order`` link). Their supply grows with the
rally's duration, so a slower cascade meets a thicker wall. Sales settle in the ledger at
the venue; the node reads only its own token balance.
"""

from __future__ import annotations

from processes.context import Context
from processes.messages import MarketData, Quotes
from processes.profit_taker_settings import ProfitTakerSettings
from sim.core.trace import Kind
from sim.market.assets import ASSET
from sim.market.orderbook import TickGrid
from sim.market.sides import SELL


class ProfitTaker:
    def __init__(self, ctx: Context, name: str, cfg: ProfitTakerSettings, tick: float, opening_mid: float) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.grid = TickGrid(tick)
        self.account = ctx.ledger.account(name)
        self.out = ctx.network.channel(name, cfg.venue)
        self.trigger = (cfg.fair if cfg.fair is not None else opening_mid) * (1 + cfg.threshold)
        self.price: float | None = None  # the higher of the last price and the best bid seen; None: none yet
        self.level: float | None = None  # the highest such price since the rally started (asks never come down)
        self.cause = -1
        self.rally_start: float | None = None  # when the price first exceeded the trigger; None: not yet
        self.released = 0.0  # tokens released for sale so far
        self._quoted: tuple[float, float] | None = None  # (price, qty) of the live ask

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, ASSET, self.cfg.tokens)
        self.ctx.env.process(self._loop())

    def receive(self, msg: MarketData) -> None:
        self.price = max(msg.last, msg.bid) if msg.bid is not None else msg.last
        self.cause = msg.cause

    def _loop(self):
        env = self.ctx.env
        while True:
            yield env.timeout(self.cfg.interval)
            self._decide()

    def rate(self, now: float) -> float:
        """Notional per second released at ``now``: 0 before the rally, then ramping up to ``rate``."""
        if self.rally_start is None or now < self.rally_start:
            return 0.0
        cfg, elapsed = self.cfg, now - self.rally_start
        return cfg.rate * min(1.0, elapsed / cfg.ramp) if cfg.ramp else cfg.rate

    def _decide(self) -> None:
        cfg, now = self.cfg, self.ctx.env.now
        if self.rally_start is None:
            if self.price is None or not self.price > self.trigger:
                return
            self.rally_start = now
        self.level = max(self.price, self.trigger, self.level if self.level is not None else 0.0)
        self.released = min(cfg.tokens, self.released + self.rate(now) * cfg.interval / self.level)
        unsold = self.released - (cfg.tokens - self.ctx.ledger.balance(self.account, ASSET))
        ask = self.grid.price(self.grid.bound(self.level * (1 + cfg.offset), SELL))  # up to the tick grid
        self._offer(ask, max(unsold, 0.0))

    def _offer(self, price: float, qty: float) -> None:
        """Replace the live ask with ``qty`` at ``price`` (none when qty is 0), if it changed."""
        quote = (price, qty) if qty > 0 else None
        if quote == self._quoted:
            return
        self._quoted = quote
        rid = self.ctx.trace.record(
            self.ctx.env.now, Kind.QUOTE, self.name, self.cause, self.name, price=price, qty=qty
        )
        self.out.send(Quotes(rid, self.account, asks=[(price, qty)] if quote else []))
