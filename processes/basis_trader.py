"""A basis trader: harvests positive funding with a short perp hedged by spot (seed 004).

On each PerpData from its perp venue (at most one step per ``cooldown``) it compares the
annualised predicted funding rate with its thresholds. Above ``enter_above``, while capital
lasts, it steps in by one clip: margin to the perp, a perp market sell and a spot market buy
of the same quantity. Below ``exit_below`` it steps out by one clip: a perp market buy and a
spot market sell, then takes the freed margin back. Decisions are ``basis`` records caused
by the PerpData's record.
"""

from __future__ import annotations

from processes.basis_settings import BasisTraderSettings
from processes.context import Context
from processes.messages import FillReport, MarginTransfer, Order, PerpData
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.funding import annualised
from sim.market.sides import BUY, SELL


class BasisTrader:
    def __init__(self, ctx: Context, name: str, cfg: BasisTraderSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(name)
        self.perp_out = ctx.network.channel(name, cfg.perp)
        self.spot_out = ctx.network.channel(name, cfg.spot)
        self.short = 0.0  # perp position, from fill reports (tokens, > 0 = short)
        self.margin_posted = 0.0
        self.last_step = -float("inf")

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, QUOTE, self.cfg.capital)

    def receive(self, msg: PerpData | FillReport) -> None:
        if isinstance(msg, FillReport):
            self.short -= msg.side * msg.qty
        elif isinstance(msg, PerpData) and self.ctx.env.now - self.last_step >= self.cfg.cooldown:
            self._decide(msg)

    def _decide(self, data: PerpData) -> None:
        cfg, ledger = self.cfg, self.ctx.ledger
        rate = annualised(data.predicted_rate, data.interval_hours)
        cash = ledger.balance(self.account, QUOTE)
        if rate > cfg.enter_above:
            notional = min(cfg.clip, cash / (1 + 1 / cfg.leverage))
            if notional < cfg.clip / 10:
                return
            qty = notional / data.index
            rid = self._record(data, SELL, qty, rate)
            self.perp_out.send(MarginTransfer(rid, self.account, notional / cfg.leverage))
            self.perp_out.send(Order(rid, self.account, SELL, qty=qty))
            self.spot_out.send(Order(rid, self.account, BUY, qty=qty))
            self.margin_posted += notional / cfg.leverage
        elif rate < cfg.exit_below and self.short > 0:
            qty = min(self.short, cfg.clip / data.index, ledger.balance(self.account, ASSET))
            if qty <= 0:
                return
            rid = self._record(data, BUY, qty, rate)
            share = qty / self.short
            self.perp_out.send(Order(rid, self.account, BUY, qty=qty))
            self.spot_out.send(Order(rid, self.account, SELL, qty=qty))
            self.perp_out.send(MarginTransfer(rid, self.account, -self.margin_posted * share))
            self.margin_posted *= 1 - share

    def _record(self, data: PerpData, side: int, qty: float, rate: float) -> int:
        self.last_step = self.ctx.env.now
        return self.ctx.trace.record(
            self.ctx.env.now,
            Kind.BASIS,
            self.name,
            data.cause,
            self.name,
            side,
            data.index,
            qty,
            qty * data.index,
            f"annualised={rate!r}",
        )
