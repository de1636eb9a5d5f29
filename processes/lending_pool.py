"""An Aave-like lending pool node (MECHANICS.md §6), priced by a push oracle (§1).

Assets are QUOTE (0) and TOKEN (1); the quote currency's price is 1, the token's is the
latest PriceUpdate from the oracle. Per asset the pool keeps the supplied principal, the
posted collateral, the borrowed principal still owed, the interest repaid, and a borrow
index I that compounds continuously at the kinked borrow rate r(U) (``RateModel``):
I ← I · exp(r(U) · Δt / year), U = debt / (cash + debt), accrued lazily at every event
that touches the pool (so r is constant between two events). A borrower's debt is stored
scaled, s = amount / I at borrowing, and is owed as s · I; a repayment pays interest first.

Money: one ledger account, ``<pool>:reserve``, holds supplied liquidity and posted
collateral. Supply, deposit and repay move money from the sender to it; withdraw, release
and borrow move it back; a liquidation moves the repaid debt from the liquidator to it and
the seized collateral from it to the liquidator. For each asset a, at every moment:

    reserve[a] = supplied[a] + collateral[a] − borrowed[a] + interest[a]

(borrowed = principal still owed, interest = interest repaid so far). Interest stays in
the reserve, earned by suppliers in aggregate: ``withdraw`` returns only a supplier's
principal. Posted collateral is not lent out: ``cash = supplied − borrowed + interest``
is what may be borrowed or withdrawn.

Requests (PoolRequest) are answered with a LoanUpdate to ``reply_to`` when the pool has a
link to that node; a liquidation also sends one to the borrower's last ``reply_to``.
Withdraw, release and repay are capped at what was supplied, posted or owed (so
``amount = inf`` means all of it). Refused, with ``ok=False``: a borrow beyond the LTV at
the oracle price or, where the token is borrowed or posted, before the first price, a
release that leaves HF < 1, a borrow or withdrawal beyond the cash, a payment beyond the
sender's balance.

Trace records (node = the pool, cause = the request's cause): supply, withdraw, deposit,
release, borrow, repay (qty in units of the asset, notional its quote value, info the
asset), refused (info: what and why), lending_liquidation (account = borrower, qty =
collateral seized, notional = value of the debt repaid).
"""

from __future__ import annotations

import math

import numpy as np

from processes.context import Context
from processes.messages import (
    QUOTE_ASSET,
    TOKEN_ASSET,
    LiquidateRequest,
    LiquidationCall,
    LiquidationResult,
    LoanUpdate,
    PoolRequest,
    PriceUpdate,
)
from sim.config import Lending, Rate, Reserve
from sim.market.lending import RateModel, ReserveParams, health_factor, liquidate, max_borrow

YEAR = 365 * 86400.0
ASSETS = (QUOTE_ASSET, TOKEN_ASSET)
TOLERANCE = 1e-9  # relative slack on the LTV check, so a borrow at exactly the LTV passes


def reserve_params(reserve: Reserve) -> ReserveParams:
    """The mechanics' ReserveParams of a config reserve."""
    return ReserveParams(
        ltv=reserve.ltv,
        liquidation_threshold=reserve.liquidation_threshold,
        liquidation_bonus=reserve.liquidation_bonus,
        close_factor=reserve.close_factor,
        full_close_hf=reserve.full_close_hf,
        small_position=reserve.small_position,
    )


def rate_model(rate: Rate) -> RateModel:
    return RateModel(base=rate.base, slope1=rate.slope1, slope2=rate.slope2, optimal=rate.optimal)


class LendingPool:
    def __init__(self, ctx: Context, name: str, cfg: Lending) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.account = ctx.ledger.account(f"{name}:reserve")
        self.reserves = (cfg.quote, cfg.token)
        self.params = tuple(reserve_params(r) for r in self.reserves)
        self.rates = tuple(rate_model(r.rate) for r in self.reserves)
        self.ltvs = np.array([p.ltv for p in self.params])
        self.thresholds = np.array([p.liquidation_threshold for p in self.params])
        # the oracle's token price; nan until the first, a float as it goes into the price vector
        # (``prices``) and the trace's price cells
        self.price = math.nan
        # per asset
        self.supplied = np.zeros(2)
        self.collateral_total = np.zeros(2)
        self.borrowed = np.zeros(2)
        self.interest = np.zeros(2)
        self.index = np.ones(2)
        self.accrued_at = 0.0
        # per borrower row: amounts per asset
        self.rows: dict[int, int] = {}  # ledger account -> row
        self.borrowers: list[int] = []
        self.collateral = np.zeros((0, 2))
        self.scaled = np.zeros((0, 2))
        self.principal = np.zeros((0, 2))
        self.supplied_by: dict[int, np.ndarray] = {}
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
        self._accrue()
        if isinstance(msg, PriceUpdate):
            self._price(msg)
        elif isinstance(msg, PoolRequest):
            self._request(msg)
        else:
            self._liquidate(msg)

    # ------------------------------------------------------------------------- state

    def prices(self) -> np.ndarray:
        return np.array([1.0, self.price])

    def cash(self, asset: int) -> float:
        """Liquidity that may be borrowed or withdrawn."""
        return float(self.supplied[asset] - self.borrowed[asset] + self.interest[asset])

    def debt(self, row: int) -> np.ndarray:
        """A borrower's debt per asset, interest included."""
        return self.scaled[row] * self.index

    def utilisation(self, asset: int) -> float:
        debt = float(self.scaled[:, asset].sum() * self.index[asset])
        return min(1.0, debt / (max(self.cash(asset), 0.0) + debt)) if debt > 0 else 0.0

    def health(self, row: int, collateral: np.ndarray | None = None) -> float:
        """HF of a borrower (MECHANICS.md §6), with ``collateral`` instead of theirs if given."""
        debt = self.debt(row)
        if not debt.any():
            return math.inf
        p = np.nan_to_num(self.prices())  # before the first price only quote-only loans have debt
        coll = self.collateral[row] if collateral is None else collateral
        return health_factor(coll * p, self.thresholds, debt * p)

    def health_factors(self) -> np.ndarray:
        """Every borrower's HF at once: Σ c·p·LT / Σ d·p, inf without debt."""
        p = self.prices()
        backed = self.collateral @ (p * self.thresholds)
        debt = self.scaled @ (self.index * p)
        return np.divide(backed, debt, out=np.full(len(debt), math.inf), where=debt > 0)

    def _row(self, account: int) -> int:
        row = self.rows.get(account)
        if row is None:
            row = self.rows[account] = len(self.borrowers)
            self.borrowers.append(account)
            zero = np.zeros((1, 2))
            self.collateral = np.vstack([self.collateral, zero])
            self.scaled = np.vstack([self.scaled, zero])
            self.principal = np.vstack([self.principal, zero])
        return row

    def _accrue(self) -> None:
        """Compound the borrow indexes to now at the rates of the utilisation since the last event."""
        now = self.ctx.env.now
        dt = now - self.accrued_at
        if dt <= 0:
            return
        for asset in ASSETS:
            rate = self.rates[asset].borrow_rate(self.utilisation(asset))
            self.index[asset] *= math.exp(rate * dt / YEAR)
        self.accrued_at = now

    def _reduce_debt(self, row: int, asset: int, amount: float) -> None:
        """Book a repayment of ``amount`` (<= the debt), interest first."""
        owed = self.scaled[row, asset] * self.index[asset]
        interest = min(amount, max(0.0, owed - self.principal[row, asset]))
        principal = amount - interest
        self.interest[asset] += interest
        self.borrowed[asset] -= principal
        if amount >= owed:
            self.scaled[row, asset] = self.principal[row, asset] = 0.0
        else:
            self.scaled[row, asset] = max(0.0, self.scaled[row, asset] - amount / self.index[asset])
            self.principal[row, asset] = max(0.0, self.principal[row, asset] - principal)

    # ------------------------------------------------------------------------- oracle

    def _price(self, msg: PriceUpdate) -> None:
        """New oracle price: a LiquidationCall to every liquidator for each borrower with HF < 1."""
        self.price = msg.price
        if not self.liquidators:
            return
        p = self.prices()
        hf = self.health_factors()
        for row in np.flatnonzero((hf < 1) & self.collateral.any(axis=1)):
            debt = self.debt(row)
            d = int(np.argmax(debt * p))
            c = int(np.argmax(self.collateral[row] * p))
            coll = float(self.collateral[row, c])
            call = LiquidationCall(
                msg.cause, self.borrowers[row], d, float(debt[d]), c, coll, float(hf[row]), msg.price
            )
            for channel in self.liquidators:
                channel.send(call)

    # ------------------------------------------------------------------------- requests

    def _request(self, msg: PoolRequest) -> None:
        ledger = self.ctx.ledger
        if msg.reply_to:
            self.node_of[msg.account] = msg.reply_to
        row = self._row(msg.account)
        amount, refusal = self._apply(msg, row)
        a = msg.asset
        names = ledger.asset_names
        if refusal:
            kind, info = "refused", f"{msg.action} {names[a]}: {refusal}"
        else:
            kind, info = msg.action, names[a]
        rid = self.ctx.trace.record(
            self.ctx.env.now,
            kind,
            self.name,
            msg.cause,
            ledger.names[msg.account],
            price=self.price,
            qty=amount,
            notional=amount * self.prices()[a],
            info=info,
        )
        self._reply(msg.reply_to, self._loan(row, rid, ok=not refusal))

    def _apply(self, msg: PoolRequest, row: int) -> tuple[float, str]:
        """Carry out a request; returns (amount, "") or (amount asked, why it was refused)."""
        ledger, a, who = self.ctx.ledger, msg.asset, msg.account
        amount = msg.amount
        if not amount > 0:
            return amount, "amount must be > 0"
        action = msg.action
        if action in ("supply", "deposit", "repay"):
            if action == "repay":
                amount = min(amount, float(self.debt(row)[a]))
                if amount <= 0:
                    return msg.amount, "no debt"
            if ledger.balance(who, a) < amount:
                return amount, "balance"
            ledger.transfer(who, self.account, a, amount)
            if action == "supply":
                self.supplied[a] += amount
                self.supplied_by.setdefault(who, np.zeros(2))[a] += amount
            elif action == "deposit":
                self.collateral[row, a] += amount
                self.collateral_total[a] += amount
            else:
                self._reduce_debt(row, a, amount)
            return amount, ""
        if action == "withdraw":
            amount = min(amount, float(self.supplied_by.get(who, np.zeros(2))[a]))
            if amount <= 0:
                return msg.amount, "nothing supplied"
            if amount > self.cash(a):
                return amount, "liquidity"
            self.supplied[a] -= amount
            self.supplied_by[who][a] -= amount
        elif action == "release":
            amount = min(amount, float(self.collateral[row, a]))
            if amount <= 0:
                return msg.amount, "no collateral"
            left = self.collateral[row].copy()
            left[a] -= amount
            if self.health(row, left) < 1:
                return amount, "health factor"
            self.collateral[row, a] -= amount
            self.collateral_total[a] -= amount
        elif action == "borrow":
            if math.isnan(self.price) and (a == TOKEN_ASSET or self.collateral[row, TOKEN_ASSET] > 0):
                return amount, "no oracle price"
            p = np.nan_to_num(self.prices())  # no price yet only where the token plays no part
            room = max_borrow(self.collateral[row] * p, self.ltvs, self.debt(row) * p)
            if amount * p[a] > room * (1 + TOLERANCE):
                return amount, "beyond LTV"
            if amount > self.cash(a):
                return amount, "liquidity"
            self.scaled[row, a] += amount / self.index[a]
            self.principal[row, a] += amount
            self.borrowed[a] += amount
        else:
            raise ValueError(f"unknown pool action {action!r}")
        ledger.transfer(self.account, who, a, amount)
        return amount, ""

    # ------------------------------------------------------------------------- liquidations

    def _liquidate(self, msg: LiquidateRequest) -> None:
        """Repay up to ``msg.amount`` of the debt with the liquidator's money, seize collateral
        with the bonus (sim.market.lending.liquidate, with the collateral reserve's parameters)."""
        ledger = self.ctx.ledger
        now = self.ctx.env.now
        name = ledger.names[msg.borrower]
        row = self.rows.get(msg.borrower)
        d = msg.debt_asset
        refusal = self._refusal(row, msg)
        if refusal:
            rid = self.ctx.trace.record(
                now,
                "refused",
                self.name,
                msg.cause,
                name,
                price=self.price,
                qty=msg.amount,
                info=f"liquidate: {refusal}",
            )
            self._reply(msg.reply_to, LiquidationResult(rid, msg.borrower, 0.0, QUOTE_ASSET, 0.0))
            return
        p = self.prices()
        c = int(np.argmax(self.collateral[row] * p))
        hf = self.health(row)
        debt, coll = float(self.debt(row)[d]), float(self.collateral[row, c])
        requested = min(msg.amount, ledger.balance(msg.liquidator, d))
        result = liquidate(debt, coll, float(p[d]), float(p[c]), hf, self.params[c], requested)
        ledger.transfer(msg.liquidator, self.account, d, result.debt_repaid)
        ledger.transfer(self.account, msg.liquidator, c, result.collateral_seized)
        self._reduce_debt(row, d, result.debt_repaid)
        self.collateral[row, c] -= result.collateral_seized
        self.collateral_total[c] -= result.collateral_seized
        names = ledger.asset_names
        rid = self.ctx.trace.record(
            now,
            "lending_liquidation",
            self.name,
            msg.cause,
            name,
            price=self.price,
            qty=result.collateral_seized,
            notional=result.debt_repaid * p[d],
            info=f"{names[d]} debt, {names[c]} collateral, hf {hf:.4f}",
        )
        self._reply(msg.reply_to, LiquidationResult(rid, msg.borrower, result.debt_repaid, c, result.collateral_seized))
        self._reply(self.node_of.get(msg.borrower, ""), self._loan(row, rid, ok=True))

    def _refusal(self, row: int | None, msg: LiquidateRequest) -> str:
        """Why a liquidation request cannot be carried out ("" if it can)."""
        if row is None or not self.debt(row)[msg.debt_asset] > 0:
            return "no debt"
        if not self.collateral[row].any():
            return "no collateral"
        if self.health(row) >= 1:
            return "healthy"
        if not min(msg.amount, self.ctx.ledger.balance(msg.liquidator, msg.debt_asset)) > 0:
            return "liquidator balance"
        return ""

    # ------------------------------------------------------------------------- replies

    def _loan(self, row: int, cause: int, ok: bool) -> LoanUpdate:
        debt = self.debt(row)
        return LoanUpdate(
            cause,
            self.borrowers[row],
            (float(self.collateral[row, 0]), float(self.collateral[row, 1])),
            (float(debt[0]), float(debt[1])),
            self.health(row),
            None if math.isnan(self.price) else self.price,
            ok,
        )

    def _reply(self, node: str, msg: LoanUpdate | LiquidationResult) -> None:
        """Send ``msg`` to ``node`` if the pool has a link to it."""
        if node and self.ctx.network.graph.has_edge(self.name, node):
            self.ctx.network.channel(self.name, node).send(msg)
