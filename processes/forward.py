"""Seed 004's forward leg: a short seller that supplies real spot sell flow.

It posts USDT as collateral on a lending pool, borrows tokens worth ``ltv`` of it and sells
them at once on spot. After ``hold`` (if not 0) it buys the debt back on spot, repays and
takes its collateral back. Decisions are ``forward`` records.
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.forward_settings import ForwardSettings
from processes.messages import LoanUpdate, Order, PoolRequest
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.sides import BUY, SELL


class ForwardBorrower:
    def __init__(self, ctx: Context, name: str, cfg: ForwardSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(name)
        self.pool_out = ctx.network.channel(name, cfg.pool)
        self.spot_out = ctx.network.channel(name, cfg.spot)
        self.loan: LoanUpdate | None = None
        self.stage = "start"

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, QUOTE, self.cfg.capital)
        self.ctx.env.process(self._run())

    def receive(self, msg: LoanUpdate) -> None:
        self.loan = msg
        ledger, cfg = self.ctx.ledger, self.cfg
        if not msg.ok:
            return
        if self.stage == "posted" and msg.price is not None:
            qty = cfg.ltv * msg.collateral[QUOTE] / msg.price
            self._request("borrow", ASSET, qty, msg.cause)
            self.stage = "borrowing"
        elif self.stage == "borrowing" and msg.debt[ASSET] > 0:
            tokens = ledger.balance(self.account, ASSET)
            rid = self._record("sell borrowed", SELL, tokens, msg.cause)
            self.spot_out.send(Order(rid, self.account, SELL, qty=tokens))
            self.stage = "short"
        elif self.stage == "repaying" and msg.debt[ASSET] <= 1e-9:
            self._request("release", QUOTE, msg.collateral[QUOTE], msg.cause)
            self.stage = "done"

    def _run(self):
        env, cfg = self.ctx.env, self.cfg
        yield env.timeout(cfg.start)
        self._request("deposit", QUOTE, cfg.capital, -1)
        self.stage = "posted"
        if cfg.hold <= 0:
            return
        yield env.timeout(cfg.hold)
        if self.stage != "short" or self.loan is None:
            return
        debt = self.loan.debt[ASSET] * 1.001  # a little over, for interest accrued since the update
        rid = self._record("buy back", BUY, debt, -1)
        self.spot_out.send(Order(rid, self.account, BUY, qty=debt))
        yield env.timeout(60.0)  # the buy-back settles before the repayment is sent
        tokens = self.ctx.ledger.balance(self.account, ASSET)
        self._request("repay", ASSET, tokens, rid)
        self.stage = "repaying"

    def _request(self, action: str, asset: int, amount: float, cause: int) -> None:
        rid = self._record(action, 0, amount, cause)
        self.pool_out.send(PoolRequest(rid, self.account, action, asset, amount, self.name))

    def _record(self, what: str, side: int, qty: float, cause: int) -> int:
        return self.ctx.trace.record(
            self.ctx.env.now, Kind.FORWARD, self.name, cause, self.name, side, qty=qty, info=what, price=math.nan
        )
