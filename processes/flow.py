"""Exogenous order flow: the igniter's programme and Poisson noise traders."""

from __future__ import annotations

import numpy as np

from processes.context import Context
from processes.flow_settings import IgniterSettings, NoiseSettings
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


class NoiseTrader:
    """Poisson market orders with lognormal notional (``noise`` records, exogenous)."""

    def __init__(self, ctx: Context, name: str, cfg: NoiseSettings, perp_reference: float | None = None) -> None:
        """``perp_reference``: for noise on a perp venue, the price that turns notional into contracts."""
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.on_perp = perp_reference is not None
        self.reference = perp_reference
        self.account = ctx.ledger.account(name)
        self.out = ctx.network.channel(name, cfg.venue)
        self.rng: np.random.Generator = ctx.rng_for(f"noise:{name}")

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, QUOTE, self.cfg.capital)
        if self.on_perp:  # perp orders need margin, not tokens
            self.out.send(MarginTransfer(-1, self.account, self.cfg.capital))
        else:
            self.ctx.ledger.endow(self.account, ASSET, self.cfg.tokens)
        self.ctx.env.process(self._run())

    def _run(self):
        env, cfg, rng = self.ctx.env, self.cfg, self.rng
        mu = np.log(cfg.notional) - cfg.sigma**2 / 2  # mean notional = cfg.notional
        while True:
            yield env.timeout(rng.exponential(1.0 / cfg.rate))
            side = BUY if rng.random() < cfg.buy_share else SELL
            notional = float(np.exp(mu + cfg.sigma * rng.standard_normal()))
            rid = self.ctx.trace.record(env.now, Kind.NOISE, self.name, -1, self.name, side, notional=notional)
            if self.on_perp:  # perp orders are in contracts: size at the venue's last known price
                self.out.send(Order(rid, self.account, side, qty=notional / self.reference))
            else:
                self.out.send(Order(rid, self.account, side, notional=notional))
