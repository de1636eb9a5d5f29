"""A crowd of noise traders sending limit, cancel and market orders to one spot venue.

The traders are ledger accounts, not processes (as leveraged traders are rows of a position
book). New orders form one Poisson stream at ``traders × rate`` per second, each from a
trader drawn at random: a limit order with probability ``limit_share``, priced up to
``depth`` from the mid on the passive side or up to ``cross`` through it, else a market
order; notionals are lognormal with mean ``notional``. Each limit order is cancelled by its
trader after an exponential lifetime of mean ``lifetime``, so cancels are a second Poisson
stream at (live orders) / lifetime. The crowd does not hear of fills: the cancel of a filled
order is a no-op at the venue, as is one that overtakes its order on a link with random
latency (that order then rests until it fills). The mid is the one the venue last published
on the crowd's md link (its last price while a side of the book is empty).

Nothing is recorded at the crowd; the venue records its market orders and the trades any
of its orders make, all with cause -1 (exogenous). Random numbers are drawn in blocks, and
the arrivals are a Dispatcher's calls (topology/fast.py), not a process.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from processes.context import Context
from processes.messages import Cancel, Limit, MarketData, Order
from processes.order_flow_settings import OrderFlowSettings
from sim.market.assets import ASSET, QUOTE
from sim.market.orderbook import TickGrid
from sim.market.sides import BUY, SELL
from topology.fast import Dispatcher

BLOCK = 4096  # arrivals per block of random draws


class OrderFlow:
    def __init__(self, ctx: Context, name: str, cfg: OrderFlowSettings, tick: float, opening: float) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.grid = TickGrid(tick)
        self.accounts = np.array([ctx.ledger.account(f"{name}:{i}") for i in range(cfg.traders)])
        self.out = ctx.network.channel(name, cfg.venue)
        self.rng: np.random.Generator = ctx.rng_for(f"order_flow:{name}")
        self.mid = opening
        self.new_rate = cfg.traders * cfg.rate
        self.live: list[tuple[int, int]] = []  # (account, ref) of the limit orders not yet cancelled
        self.refs = 0  # limit orders sent (the last ref)
        self.cancels = 0
        self.markets = 0
        self._limits = cfg.limit_share * self.new_rate  # limit orders per second
        self._lifetime = cfg.lifetime
        self._draws: Iterator[tuple] = iter(())
        self._arrivals = Dispatcher(ctx.env, self._arrive)

    @property
    def sent(self) -> dict[str, int]:
        """Orders sent so far, by kind."""
        return {"limit": self.refs, "cancel": self.cancels, "market": self.markets}

    def start(self) -> None:
        ledger, cfg = self.ctx.ledger, self.cfg
        for account in self.accounts.tolist():
            ledger.endow(account, QUOTE, cfg.capital)
            ledger.endow(account, ASSET, cfg.tokens)
        self._schedule()

    def receive(self, msg: MarketData) -> None:
        mid = msg.mid
        self.mid = mid if mid is not None else msg.last

    def _draw(self) -> Iterator[tuple]:
        """The next block of random draws: per arrival (gap in units of 1 / total rate, what,
        pick, trader, side, price factor ``1 - side × distance`` from the mid, notional)."""
        cfg, rng, n = self.cfg, self.rng, BLOCK
        mu = math.log(cfg.notional) - cfg.sigma**2 / 2  # mean notional = cfg.notional
        gap, what, pick = rng.standard_exponential(n), rng.random(n), rng.random(n)
        side = np.where(rng.random(n) < cfg.buy_share, BUY, SELL)
        factor = 1 - side * rng.uniform(-cfg.cross, cfg.depth, n)
        notional = np.exp(mu + cfg.sigma * rng.standard_normal(n))
        trader = self.accounts[(pick * len(self.accounts)).astype(np.int64)]
        columns = (gap, what, pick, trader, side, factor, notional)
        return zip(*(c.tolist() for c in columns), strict=True)

    def _schedule(self) -> None:
        """Schedule the next arrival: new orders and cancels are one stream at their summed rate
        (one arrival in flight at a time, so one event serves them all)."""
        try:
            draw = next(self._draws)
        except StopIteration:
            self._draws = self._draw()
            draw = next(self._draws)
        self._arrivals.call_later(draw[0] / (self.new_rate + len(self.live) / self._lifetime), draw)

    def _arrive(self, draw: tuple) -> None:
        """One arrival: a cancel of a live order drawn at random (exponential lifetimes are
        memoryless), else a limit or a market order from the drawn trader."""
        _, what, pick, account, side, factor, notional = draw
        live = self.live
        cancels = len(live) / self._lifetime
        u = what * (self.new_rate + cancels)
        if u < cancels:
            i = int(pick * len(live))
            account, ref = live[i]
            live[i] = live[-1]
            live.pop()
            self.cancels += 1
            self.out.send(Cancel(-1, account, ref))
        elif u - cancels < self._limits:
            price = self.grid.price(max(1, round(self.mid * factor / self.grid.tick)))
            self.refs = ref = self.refs + 1
            live.append((account, ref))
            self.out.send(Limit(-1, account, side, price, notional / price, ref))
        else:  # buys spend the notional, sells sell its worth at the mid
            self.markets += 1
            if side == BUY:
                self.out.send(Order(-1, account, BUY, None, notional))
            else:
                self.out.send(Order(-1, account, SELL, notional / self.mid))
        self._schedule()
