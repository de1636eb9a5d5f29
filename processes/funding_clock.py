"""A perp venue's funding clock (MECHANICS.md §3).

Every ``premium_interval`` it samples the premium index from the impact bid/ask against the
index and publishes the venue's state (PerpData: mark, index, predicted funding rate) on the
venue's outgoing ``md`` and ``fill`` links (a participant's fill link carries its data too).
At the end of every ``funding_interval`` it sets the rate F = P̄ + clamp(r − P̄, ±c) (scaled
to the interval, capped) and moves the payments between the positions' margins: longs pay
shorts ``qty × price × F`` when F > 0, the price being the mark (the oracle on Hyperliquid).
The trace gets one ``funding_rate`` record per interval and one ``funding`` record per account
(notional > 0: received); they sum to zero. A liquidation a payment causes names its record.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from processes.context import Context
from processes.messages import PerpData
from processes.perp_settings import PerpSettings
from sim.core.trace import Kind
from sim.market.funding import binance_funding_cap, funding_payments, funding_rate, premium_sample
from sim.market.orderbook import OrderBook
from sim.market.positions import PositionBook
from sim.market.sides import BUY, LONG, SELL, SHORT


class FundedVenue(Protocol):
    """What the funding clock reads of its perp venue (processes/perp_venue.py), and the one call it makes."""

    name: str
    cfg: PerpSettings
    ctx: Context
    book: OrderBook
    positions: PositionBook
    index: float | None  # None until the first index arrives
    mark: float | None  # None: no mark yet
    mark_cause: int

    def check_liquidations(self, cause: int) -> None: ...


class FundingClock:
    def __init__(self, venue: FundedVenue) -> None:
        cfg = venue.cfg
        self.venue = venue
        self.interval_hours = cfg.funding_interval / 3600.0
        first_mmr = cfg.tiers[0][1] if cfg.tiers else cfg.mmr
        self.cap = cfg.funding_cap if cfg.funding_cap is not None else binance_funding_cap(first_mmr)
        self.samples: list[float] = []
        self.predicted = 0.0
        self.last_rate = 0.0
        self.path: list[tuple[float, float]] = []  # (time, rate) of every payment
        ctx = venue.ctx
        self.out = ctx.out_channels(venue.name, "md") + ctx.out_channels(venue.name, "fill")

    def start(self) -> None:
        self.venue.ctx.env.process(self._loop())

    def rate(self, avg_premium: float) -> float:
        cfg = self.venue.cfg
        return funding_rate(avg_premium, self.interval_hours, cfg.interest_rate, cfg.funding_clamp, self.cap)

    def _loop(self):
        env, cfg = self.venue.ctx.env, self.venue.cfg
        next_payment = cfg.funding_interval
        while True:
            yield env.timeout(cfg.premium_interval)
            self._sample()
            if env.now >= next_payment - 1e-9:
                self._pay()
                next_payment += cfg.funding_interval

    def _sample(self) -> None:
        venue = self.venue
        index = venue.index
        if index is None:
            return
        notional = venue.cfg.impact_notional
        impact_bid = venue.book.impact_price(SELL, notional)
        impact_ask = venue.book.impact_price(BUY, notional)
        if not (math.isnan(impact_bid) or math.isnan(impact_ask)):  # nan: the book cannot fill it
            self.samples.append(premium_sample(impact_bid, impact_ask, index))
            self.predicted = self.rate(float(np.mean(self.samples)))
        mark = venue.mark if venue.mark is not None else index
        for channel in self.out:
            channel.send(
                PerpData(venue.mark_cause, venue.name, mark, index, self.predicted, self.last_rate, self.interval_hours)
            )

    def _pay(self) -> None:
        venue = self.venue
        trace, now, names = venue.ctx.trace, venue.ctx.env.now, venue.ctx.ledger.names
        # Hyperliquid pays on the oracle price, Binance and dYdX on the mark (MECHANICS.md §3)
        on_oracle = venue.cfg.style == "hyperliquid" or venue.mark is None
        price = venue.index if on_oracle else venue.mark
        avg = float(np.mean(self.samples)) if self.samples else 0.0
        rate = self.rate(avg)
        self.samples = []
        self.last_rate = self.predicted = rate
        self.path.append((now, rate))
        positions = venue.positions
        pids = np.concatenate([positions.pids(LONG), positions.pids(SHORT)])
        payments = (
            funding_payments(positions.side[pids], positions.qty[pids], price, rate)
            if len(pids) and price is not None
            else np.zeros(0)
        )
        paid = float(payments[payments > 0].sum())
        rid = trace.record(now, Kind.FUNDING_RATE, venue.name, venue.mark_cause, price=rate, notional=paid, premium=avg)
        if not len(payments) or not math.isfinite(rate):
            return
        positions.add_margins(pids, payments)
        owners, where = np.unique(positions.owner[pids], return_inverse=True)
        for owner, amount in zip(owners.tolist(), np.bincount(where, weights=payments).tolist(), strict=True):
            trace.record(now, Kind.FUNDING, venue.name, rid, names[owner], notional=amount)
        venue.check_liquidations(rid)
