"""Noise traders: exogenous Poisson market orders with lognormal notionals."""

from __future__ import annotations

import numpy as np

from processes.context import Context
from processes.messages import MarginTransfer, Order
from processes.noise_settings import NoiseSettings
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.sides import BUY, SELL


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
