"""An Aave-like lending pool node (MECHANICS.md §6), priced by a push oracle (§1).

The rules and the state live in the pool's book (sim.market.lending_book.LendingBook); the
node adds time, messages and money:

1. at every message, the book accrues interest to now;
2. a PriceUpdate from the oracle sets the book's price and sends a LiquidationCall to every
   liquidator for each borrower the book finds with HF < 1;
3. a PoolRequest is carried out by the book, which says what moved (or why nothing did); the
   node moves it in the ledger, records it, and answers with a LoanUpdate to ``reply_to``
   when the pool has a link to that node;
4. a LiquidateRequest is checked and carried out by the book with what the liquidator can pay;
   the node moves the repaid debt and the seized collateral, records it, answers the
   liquidator with a LiquidationResult and the borrower (at its last ``reply_to``) with a
   LoanUpdate.

Money: one ledger account, ``<pool>:reserve``, holds supplied liquidity and posted
collateral. Supply, deposit and repay move money from the sender to it; withdraw, release
and borrow move it back; a liquidation moves the repaid debt from the liquidator to it and
the seized collateral from it to the liquidator. For each asset a, at every moment:

    reserve[a] = supplied[a] + collateral[a] − borrowed[a] + interest[a]

(the book's totals: borrowed = principal still owed, interest = interest repaid so far).

Trace records (node = the pool, cause = the request's cause): supply, withdraw, deposit,
release, borrow, repay (qty in units of the asset, notional its quote value, info the
asset), refused (info: what and why), lending_liquidation (account = borrower, qty =
collateral seized, notional = value of the debt repaid).
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.lending_settings import LendingSettings
from processes.messages import (
    LiquidateRequest,
    LiquidationCall,
    LiquidationResult,
    LoanUpdate,
    PoolRequest,
    PriceUpdate,
)
from sim.core.trace import Kind
from sim.market.assets import QUOTE
from sim.market.lending_book import ASSETS, LendingBook


class LendingPool:
    def __init__(self, ctx: Context, name: str, cfg: LendingSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(f"{name}:reserve")
        self.reserves = (cfg.quote, cfg.token)
        # each Reserve is its mechanics' ReserveParams, its rate a RateModel
        self.book = LendingBook(list(self.reserves), [r.rate for r in self.reserves])
        self.node_of: dict[int, str] = {}  # where an account's LoanUpdates go
        graph = ctx.network.graph
        self.liquidators = [
            ctx.network.channel(name, dst) for dst in graph.successors(name) if graph.nodes[dst]["kind"] == "liquidator"
        ]

    def start(self) -> None:
        """The initial supply of each reserve, endowed to its supplier and lent at t = 0; then what
        the reserve's other borrowers borrow of it, against twice as much of it posted."""
        ledger = self.ctx.ledger
        for asset, reserve in zip(ASSETS, self.reserves, strict=True):
            if reserve.supply > 0:
                supplier = ledger.account(reserve.supplier)
                ledger.endow(supplier, asset, reserve.supply)
                self._request(PoolRequest(-1, supplier, "supply", asset, reserve.supply))
            if reserve.borrowed > 0:
                borrower = ledger.account(reserve.borrower)
                ledger.endow(borrower, asset, 2 * reserve.borrowed)
                self._request(PoolRequest(-1, borrower, "deposit", asset, 2 * reserve.borrowed))
                self._request(PoolRequest(-1, borrower, "borrow", asset, reserve.borrowed))

    def receive(self, msg: PoolRequest | PriceUpdate | LiquidateRequest) -> None:
        """Accrue the book's interest to now, then handle the message (steps 2-4 above)."""
        self.book.accrue(self.ctx.env.now)
        if isinstance(msg, PriceUpdate):
            self._price(msg)
        elif isinstance(msg, PoolRequest):
            self._request(msg)
        else:
            self._liquidate(msg)

    # ------------------------------------------------------------------------- oracle

    def _price(self, msg: PriceUpdate) -> None:
        """New oracle price: a LiquidationCall to every liquidator for each borrower with HF < 1."""
        self.book.price = msg.price
        if not self.liquidators:
            return
        for u in self.book.unhealthy():
            call = LiquidationCall(
                msg.cause,
                u.borrower,
                u.debt_asset,
                u.debt,
                u.collateral_asset,
                u.collateral,
                u.health_factor,
                msg.price,
            )
            for channel in self.liquidators:
                channel.send(call)

    # ------------------------------------------------------------------------- requests

    def _request(self, msg: PoolRequest) -> None:
        """Carry out a PoolRequest: the book's part, then the money, the record and the answer."""
        ledger, book, a = self.ctx.ledger, self.book, msg.asset
        if msg.reply_to:
            self.node_of[msg.account] = msg.reply_to
        moved = book.request(msg.action, msg.account, a, msg.amount, ledger.balance(msg.account, a))
        names = ledger.asset_names
        if moved.refusal:
            kind, info = Kind.REFUSED, f"{msg.action} {names[a]}: {moved.refusal}"
        else:
            kind, info = Kind(msg.action), names[a]
            src, dst = (msg.account, self.account) if moved.paid_in else (self.account, msg.account)
            ledger.transfer(src, dst, a, moved.amount)
        rid = self.ctx.trace.record(
            self.ctx.env.now,
            kind,
            self.name,
            msg.cause,
            ledger.names[msg.account],
            price=book.price,
            qty=moved.amount,
            notional=moved.amount * book.prices()[a],
            info=info,
        )
        self._reply(msg.reply_to, self._loan(msg.account, rid, ok=not moved.refusal))

    # ------------------------------------------------------------------------- liquidations

    def _liquidate(self, msg: LiquidateRequest) -> None:
        """Repay up to ``msg.amount`` of the debt with the liquidator's money (as much as it holds),
        seize collateral with the bonus (LendingBook.liquidate), or record why not."""
        ledger, book = self.ctx.ledger, self.book
        now = self.ctx.env.now
        name = ledger.names[msg.borrower]
        d = msg.debt_asset
        offered = min(msg.amount, ledger.balance(msg.liquidator, d))
        refusal = book.liquidation_refusal(msg.borrower, d, offered)
        if refusal:
            rid = self.ctx.trace.record(
                now,
                Kind.REFUSED,
                self.name,
                msg.cause,
                name,
                price=book.price,
                qty=msg.amount,
                info=f"liquidate: {refusal}",
            )
            self._reply(msg.reply_to, LiquidationResult(rid, msg.borrower, 0.0, QUOTE, 0.0))
            return
        seized = book.liquidate(msg.borrower, d, offered)
        c = seized.collateral_asset
        ledger.transfer(msg.liquidator, self.account, d, seized.debt_repaid)
        ledger.transfer(self.account, msg.liquidator, c, seized.collateral_seized)
        names = ledger.asset_names
        rid = self.ctx.trace.record(
            now,
            Kind.LENDING_LIQUIDATION,
            self.name,
            msg.cause,
            name,
            price=book.price,
            qty=seized.collateral_seized,
            notional=seized.debt_repaid * book.prices()[d],
            info=f"{names[d]} debt, {names[c]} collateral, hf {seized.health_factor:.4f}",
        )
        self._reply(msg.reply_to, LiquidationResult(rid, msg.borrower, seized.debt_repaid, c, seized.collateral_seized))
        self._reply(self.node_of.get(msg.borrower, ""), self._loan(msg.borrower, rid, ok=True))

    # ------------------------------------------------------------------------- replies

    def _loan(self, account: int, cause: int, ok: bool) -> LoanUpdate:
        loan = self.book.loan(account)
        price = None if math.isnan(self.book.price) else self.book.price  # None before the oracle's first
        return LoanUpdate(cause, account, loan.collateral, loan.debt, loan.health_factor, price, ok)

    def _reply(self, node: str, msg: LoanUpdate | LiquidationResult) -> None:
        """Send ``msg`` to ``node`` if the pool has a link to it."""
        if node and self.ctx.network.graph.has_edge(self.name, node):
            self.ctx.network.channel(self.name, node).send(msg)
