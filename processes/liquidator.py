"""A lending-pool liquidator (MECHANICS.md §6): repays unhealthy debt, seizes collateral with
the bonus and sells seized tokens on spot — another cascade channel.

On a LiquidationCall from its pool it asks to repay the close factor × the debt (capped by
its own balance of the debt asset) with a LiquidateRequest (a ``liquidate`` record, caused
by the oracle publication), at most one request per borrower in flight. The pool answers
with a LiquidationResult, after which the liquidator goes back to holding quote currency
only, with market orders on its spot venue: seized tokens are sold (a ``sell`` record) and
tokens it repaid are bought back (a ``buy`` record; its ``tokens`` stand for the flash swap
a real liquidator would use). Seized quote currency is kept. A liquidator with none of the
debt asset left records ``refused`` instead of asking.
"""

from __future__ import annotations

from processes.context import Context
from processes.lending_settings import LendingSettings
from processes.liquidator_settings import LiquidatorSettings
from processes.messages import LiquidateRequest, LiquidationCall, LiquidationResult, Order
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.lending import close_factor
from sim.market.sides import BUY, SELL


class Liquidator:
    def __init__(self, ctx: Context, name: str, cfg: LiquidatorSettings, pool: LendingSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(name)
        self.params = (pool.quote, pool.token)
        self.pool_out = ctx.network.channel(name, cfg.pool)
        self.spot_out = ctx.network.channel(name, cfg.venue)
        self.pending: dict[int, int] = {}  # borrower with a request in flight -> debt asset

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, QUOTE, self.cfg.capital)
        self.ctx.ledger.endow(self.account, ASSET, self.cfg.tokens)

    def receive(self, msg: LiquidationCall | LiquidationResult) -> None:
        if isinstance(msg, LiquidationCall):
            self._call(msg)
        else:
            self._result(msg)

    def _call(self, call: LiquidationCall) -> None:
        if call.borrower in self.pending:
            return
        ledger, now = self.ctx.ledger, self.ctx.env.now
        borrower = ledger.names[call.borrower]
        p_debt = call.price if call.debt_asset == ASSET else 1.0
        share = close_factor(call.health_factor, call.debt * p_debt, self.params[call.collateral_asset])
        amount = min(share * call.debt, ledger.balance(self.account, call.debt_asset))
        if not amount > 0:
            self.ctx.trace.record(now, Kind.REFUSED, self.name, call.cause, self.name, info=f"{borrower}: no capital")
            return
        rid = self.ctx.trace.record(
            now, Kind.LIQUIDATE, self.name, call.cause, self.name, price=call.price, qty=amount, info=borrower
        )
        self.pending[call.borrower] = call.debt_asset
        self.pool_out.send(LiquidateRequest(rid, self.account, call.borrower, call.debt_asset, amount, self.name))

    def _result(self, result: LiquidationResult) -> None:
        debt_asset = self.pending.pop(result.borrower)
        if result.collateral_asset == ASSET and result.collateral_seized > 0:
            self._trade(result.cause, Kind.SELL, SELL, result.collateral_seized)
        if debt_asset == ASSET and result.debt_repaid > 0:
            self._trade(result.cause, Kind.BUY, BUY, result.debt_repaid)

    def _trade(self, cause: int, kind: Kind, side: int, qty: float) -> None:
        rid = self.ctx.trace.record(self.ctx.env.now, kind, self.name, cause, self.name, side, qty=qty)
        self.spot_out.send(Order(rid, self.account, side, qty=qty))
