"""The igniter: an exogenous programme of market orders, equal slices over a duration."""

from __future__ import annotations

from processes.context import Context
from processes.igniter_settings import IgniterSettings
from processes.messages import MarginTransfer, Order
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.sides import BUY, SELL


class Igniter:
    """Sends ``notional`` of market orders in equal slices over ``duration`` from ``start`` (``ignite``
    records): by notional on a spot venue, in contracts at ``reference_price`` on a perp."""

    def __init__(self, ctx: Context, name: str, cfg: IgniterSettings, reference_price: float, on_perp: bool) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(name)
        self.side = BUY if cfg.side == "buy" else SELL
        self.out = ctx.network.channel(name, cfg.venue)
        self.reference_price = reference_price
        self.on_perp = on_perp

    def start(self) -> None:
        cfg, ledger = self.cfg, self.ctx.ledger
        if self.on_perp:  # margin equal to the notional: 1x leverage
            ledger.endow(self.account, QUOTE, cfg.notional)
            self.out.send(MarginTransfer(-1, self.account, cfg.notional))
        elif self.side == BUY:
            ledger.endow(self.account, QUOTE, cfg.notional)
        else:  # enough tokens to sell the notional even if the price halves
            ledger.endow(self.account, ASSET, 2 * cfg.notional / self.reference_price)
        self.ctx.env.process(self._run())

    def _run(self):
        env, cfg = self.ctx.env, self.cfg
        yield env.timeout(cfg.start)
        slice_notional = cfg.notional / cfg.slices
        gap = cfg.duration / cfg.slices
        for i in range(cfg.slices):
            rid = self.ctx.trace.record(
                env.now, Kind.IGNITE, self.name, -1, self.name, self.side, notional=slice_notional
            )
            if self.on_perp:
                self.out.send(Order(rid, self.account, self.side, qty=slice_notional / self.reference_price))
            else:
                self.out.send(Order(rid, self.account, self.side, notional=slice_notional))
            if i + 1 < cfg.slices:
                yield env.timeout(gap)
