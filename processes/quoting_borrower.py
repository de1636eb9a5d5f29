"""Seed 004's forward leg as the protocol's market-making channel: a borrower that quotes.

Like the forward leg (processes/forward.py) it posts ``collateral`` USDT on a lending pool and
borrows tokens worth ``ltv`` of it; instead of selling them at once it quotes them, with its
``capital`` in USDT on the other side, as a liquidity provider's ladder around the mid
(processes/liquidity.py). Its steps, in order:

1. at ``start``: deposit the collateral (a ``quoting_borrower`` record, cause: none);
2. on the pool's answer: borrow the tokens at the oracle price (cause: the pool's record);
3. every ``refresh``: re-quote both sides, sized to what its balances back.

It repays nothing within the run: what it owes is the pool's to value. Decisions are
``quoting_borrower`` records.
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.liquidity import LiquidityProvider
from processes.messages import LoanUpdate, MarketData, PoolRequest
from processes.quoting_borrower_settings import QuotingBorrowerSettings
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE


class QuotingBorrower(LiquidityProvider):
    def __init__(self, ctx: Context, name: str, cfg: QuotingBorrowerSettings, tick: float) -> None:
        super().__init__(ctx, name, cfg, tick)
        self.pool_out = ctx.network.channel(name, cfg.pool)
        self.stage = "start"

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, QUOTE, self.cfg.collateral)
        super().start()  # endows the quoting capital and starts the quote loop
        self.ctx.env.process(self._open())

    def receive(self, msg: MarketData | LoanUpdate) -> None:
        if not isinstance(msg, LoanUpdate):
            super().receive(msg)
        elif msg.ok and self.stage == "posted" and msg.price is not None:
            qty = self.cfg.ltv * msg.collateral[QUOTE] / msg.price
            self._request("borrow", ASSET, qty, msg.cause)
            self.stage = "borrowing"

    def _open(self):
        yield self.ctx.env.timeout(self.cfg.start)
        self._request("deposit", QUOTE, self.cfg.collateral, -1)
        self.stage = "posted"

    def _request(self, action: str, asset: int, amount: float, cause: int) -> None:
        rid = self.ctx.trace.record(
            self.ctx.env.now,
            Kind.QUOTING_BORROWER,
            self.name,
            cause,
            self.name,
            qty=amount,
            info=action,
            price=math.nan,
        )
        self.pool_out.send(PoolRequest(rid, self.account, action, asset, amount, self.name))
