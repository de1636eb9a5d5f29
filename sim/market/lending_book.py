"""An Aave-like lending pool's book: its state and rules (MECHANICS.md §6), pure.

Assets are the quote currency (``QUOTE``, price 1) and the token (``ASSET``, priced at
``price``, the oracle's latest, NaN until its first). Per asset the book keeps the supplied
principal, the posted collateral, the borrowed principal still owed, the interest repaid,
and a borrow index I that compounds continuously at the kinked borrow rate r(U)
(``RateModel``): I ← I · exp(r(U) · Δt / year), U = :func:`sim.market.lending.utilisation`
of the debt and the cash, accrued by ``accrue`` to a time its caller gives (so r is constant
between two accruals). A borrower's debt is stored scaled, s = amount / I at borrowing, and is
owed as s · I; a repayment pays interest first. Interest stays in the pool, earned by
suppliers in aggregate: ``withdraw`` returns only a supplier's principal. Posted collateral is
not lent out: ``cash = supplied − borrowed + interest`` is what may be borrowed or withdrawn.

The book moves no money. Each operation returns what its caller moves between the account and
the pool's reserve (:class:`Moved`, :class:`Seized`); a caller that moves exactly that keeps,
per asset, reserve = supplied + collateral − borrowed + interest.

Withdraw, release and repay are capped at what was supplied, posted or owed (so
``amount = inf`` means all of it). Refused (``Moved.refusal``): an amount not > 0, a borrow
beyond the LTV at the oracle price or, where the token is borrowed or posted, before the first
price, a release that leaves HF < 1, a borrow or withdrawal beyond the cash, a payment beyond
the payer's balance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.market import lending
from sim.market.assets import ASSET, QUOTE
from sim.market.lending import RateModel, ReserveParams, health_factor, max_borrow, utilisation

YEAR = 365 * 86400.0
ASSETS = (QUOTE, ASSET)
TOLERANCE = 1e-9  # relative slack on the LTV check, so a borrow at exactly the LTV passes


@dataclass(frozen=True, slots=True)
class Moved:
    """What a request moved: ``amount`` of ``asset`` from the account into the reserve
    (``paid_in``) or out of the reserve to the account. If ``refusal`` is not "" nothing moved:
    it says why, and ``amount`` is what was asked (capped where the rule caps it)."""

    asset: int
    amount: float
    paid_in: bool
    refusal: str = ""


@dataclass(frozen=True, slots=True)
class Seized:
    """What a liquidation moved: ``debt_repaid`` of ``debt_asset`` from the liquidator into the
    reserve, ``collateral_seized`` of ``collateral_asset`` out to the liquidator;
    ``health_factor`` is the borrower's before it."""

    debt_asset: int
    debt_repaid: float
    collateral_asset: int
    collateral_seized: float
    health_factor: float


@dataclass(frozen=True, slots=True)
class Unhealthy:
    """A borrower with HF < 1: its largest debt and largest collateral by value."""

    borrower: int
    debt_asset: int
    debt: float
    collateral_asset: int
    collateral: float
    health_factor: float


@dataclass(frozen=True, slots=True)
class Loan:
    """A borrower's position: (quote, token) amounts posted and owed (interest included), HF."""

    collateral: tuple[float, float]
    debt: tuple[float, float]
    health_factor: float


class LendingBook:
    """The pool's reserves (per asset) and borrowers (per row), and the operations on them."""

    def __init__(self, params: Sequence[ReserveParams], rates: Sequence[RateModel]) -> None:
        self.params = tuple(params)  # per asset, as collateral
        self.rates = tuple(rates)  # per asset, as debt
        self.ltvs = np.array([p.ltv for p in self.params])
        self.thresholds = np.array([p.liquidation_threshold for p in self.params])
        self.price = math.nan  # the oracle's token price
        # per asset
        self.supplied = np.zeros(2)
        self.collateral_total = np.zeros(2)
        self.borrowed = np.zeros(2)
        self.interest = np.zeros(2)
        self.index = np.ones(2)
        self.accrued_at = 0.0
        # per borrower row: amounts per asset
        self.rows: dict[int, int] = {}  # account -> row
        self.borrowers: list[int] = []
        self.collateral = np.zeros((0, 2))
        self.scaled = np.zeros((0, 2))
        self.principal = np.zeros((0, 2))
        self.supplied_by: dict[int, np.ndarray] = {}
        self._pay_ins: dict[str, Callable[[int, int, float, float], Moved]] = {
            "supply": self.supply,
            "deposit": self.deposit,
            "repay": self.repay,
        }
        self._pay_outs: dict[str, Callable[[int, int, float], Moved]] = {
            "withdraw": self.withdraw,
            "release": self.release,
            "borrow": self.borrow,
        }

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
        """U of ``asset``: all its debt, interest included, over that debt plus the cash."""
        debt = float(self.scaled[:, asset].sum() * self.index[asset])
        return utilisation(debt, max(self.cash(asset), 0.0))

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

    def loan(self, account: int) -> Loan:
        """The position of ``account`` (a row opened by an earlier request)."""
        row = self.rows[account]
        debt = self.debt(row)
        return Loan(
            (float(self.collateral[row, 0]), float(self.collateral[row, 1])),
            (float(debt[0]), float(debt[1])),
            self.health(row),
        )

    def row(self, account: int) -> int:
        """The row of ``account``, opened with zeros on first use."""
        row = self.rows.get(account)
        if row is None:
            row = self.rows[account] = len(self.borrowers)
            self.borrowers.append(account)
            zero = np.zeros((1, 2))
            self.collateral = np.vstack([self.collateral, zero])
            self.scaled = np.vstack([self.scaled, zero])
            self.principal = np.vstack([self.principal, zero])
        return row

    # ------------------------------------------------------------------------- time and price

    def accrue(self, now: float) -> None:
        """Compound the borrow indexes to ``now``:
        1. nothing if ``now`` is not after the last accrual;
        2. per asset, I ← I · exp(r(U) · Δt / year) at the utilisation since the last accrual;
        3. remember ``now`` as the last accrual."""
        dt = now - self.accrued_at
        if dt <= 0:
            return
        for asset in ASSETS:
            rate = self.rates[asset].borrow_rate(self.utilisation(asset))
            self.index[asset] *= math.exp(rate * dt / YEAR)
        self.accrued_at = now

    def unhealthy(self) -> list[Unhealthy]:
        """The borrowers to liquidate at the current price, in row order:
        1. every borrower's HF at once (:meth:`health_factors`);
        2. those with HF < 1 and some collateral left;
        3. for each, the debt and the collateral asset of largest value."""
        p = self.prices()
        hf = self.health_factors()
        found = []
        for row in np.flatnonzero((hf < 1) & self.collateral.any(axis=1)):
            debt = self.debt(row)
            d = int(np.argmax(debt * p))
            c = int(np.argmax(self.collateral[row] * p))
            found.append(
                Unhealthy(self.borrowers[row], d, float(debt[d]), c, float(self.collateral[row, c]), float(hf[row]))
            )
        return found

    # ------------------------------------------------------------------------- requests

    def request(self, action: str, account: int, asset: int, amount: float, balance: float) -> Moved:
        """Carry out one request (``balance``: what ``account`` holds of ``asset``):
        1. open the account's row if it has none, refused or not;
        2. refuse an amount that is not > 0;
        3. carry out the action: supply, deposit or repay (paid in, so checked against
           ``balance``), withdraw, release or borrow (paid out); ValueError for any other."""
        self.row(account)
        if not amount > 0:
            return Moved(asset, amount, paid_in=False, refusal="amount must be > 0")
        pay_in = self._pay_ins.get(action)
        if pay_in is not None:
            return pay_in(account, asset, amount, balance)
        pay_out = self._pay_outs.get(action)
        if pay_out is None:
            raise ValueError(f"unknown pool action {action!r}")
        return pay_out(account, asset, amount)

    def supply(self, account: int, asset: int, amount: float, balance: float) -> Moved:
        """Lend ``amount`` > 0 to the pool: refused beyond ``balance``; adds to the supply and to
        the account's own principal."""
        self.row(account)
        if balance < amount:
            return Moved(asset, amount, paid_in=True, refusal="balance")
        self.supplied[asset] += amount
        self.supplied_by.setdefault(account, np.zeros(2))[asset] += amount
        return Moved(asset, amount, paid_in=True)

    def deposit(self, account: int, asset: int, amount: float, balance: float) -> Moved:
        """Post ``amount`` > 0 as collateral: refused beyond ``balance``."""
        row = self.row(account)
        if balance < amount:
            return Moved(asset, amount, paid_in=True, refusal="balance")
        self.collateral[row, asset] += amount
        self.collateral_total[asset] += amount
        return Moved(asset, amount, paid_in=True)

    def repay(self, account: int, asset: int, amount: float, balance: float) -> Moved:
        """Repay debt:
        1. cap ``amount`` > 0 at what is owed, refused if nothing is;
        2. refused beyond ``balance``;
        3. pay interest first, then principal (:meth:`_reduce_debt`)."""
        row = self.row(account)
        capped = min(amount, float(self.debt(row)[asset]))
        if capped <= 0:
            return Moved(asset, amount, paid_in=True, refusal="no debt")
        if balance < capped:
            return Moved(asset, capped, paid_in=True, refusal="balance")
        self._reduce_debt(row, asset, capped)
        return Moved(asset, capped, paid_in=True)

    def withdraw(self, account: int, asset: int, amount: float) -> Moved:
        """Take supplied principal back:
        1. cap ``amount`` > 0 at the account's principal, refused if it has none;
        2. refused beyond the cash;
        3. take it from the supply and from the account's principal."""
        self.row(account)
        capped = min(amount, float(self.supplied_by.get(account, np.zeros(2))[asset]))
        if capped <= 0:
            return Moved(asset, amount, paid_in=False, refusal="nothing supplied")
        if capped > self.cash(asset):
            return Moved(asset, capped, paid_in=False, refusal="liquidity")
        self.supplied[asset] -= capped
        self.supplied_by[account][asset] -= capped
        return Moved(asset, capped, paid_in=False)

    def release(self, account: int, asset: int, amount: float) -> Moved:
        """Take collateral back:
        1. cap ``amount`` > 0 at what is posted, refused if nothing is;
        2. refused if the HF with what is left would be < 1;
        3. take it from the collateral."""
        row = self.row(account)
        capped = min(amount, float(self.collateral[row, asset]))
        if capped <= 0:
            return Moved(asset, amount, paid_in=False, refusal="no collateral")
        left = self.collateral[row].copy()
        left[asset] -= capped
        if self.health(row, left) < 1:
            return Moved(asset, capped, paid_in=False, refusal="health factor")
        self.collateral[row, asset] -= capped
        self.collateral_total[asset] -= capped
        return Moved(asset, capped, paid_in=False)

    def borrow(self, account: int, asset: int, amount: float) -> Moved:
        """Borrow ``amount`` > 0:
        1. refused before the first price where the token is borrowed or posted;
        2. refused if its value exceeds the room the LTVs leave (:func:`max_borrow`, with
           ``TOLERANCE``), tokens valued at the price;
        3. refused beyond the cash;
        4. add amount / I to the scaled debt, and the amount to the principal owed."""
        row = self.row(account)
        if math.isnan(self.price) and (asset == ASSET or self.collateral[row, ASSET] > 0):
            return Moved(asset, amount, paid_in=False, refusal="no oracle price")
        p = np.nan_to_num(self.prices())  # no price yet only where the token plays no part
        room = max_borrow(self.collateral[row] * p, self.ltvs, self.debt(row) * p)
        if amount * p[asset] > room * (1 + TOLERANCE):
            return Moved(asset, amount, paid_in=False, refusal="beyond LTV")
        if amount > self.cash(asset):
            return Moved(asset, amount, paid_in=False, refusal="liquidity")
        self.scaled[row, asset] += amount / self.index[asset]
        self.principal[row, asset] += amount
        self.borrowed[asset] += amount
        return Moved(asset, amount, paid_in=False)

    def _reduce_debt(self, row: int, asset: int, amount: float) -> None:
        """Book a repayment of ``amount`` (<= the debt):
        1. the interest part, up to what is owed beyond the principal, goes to ``interest``;
        2. the rest reduces the principal borrowed;
        3. the scaled debt falls by amount / I (to zero when all is repaid)."""
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

    # ------------------------------------------------------------------------- liquidations

    def liquidation_refusal(self, borrower: int, debt_asset: int, offered: float) -> str:
        """Why ``borrower``'s ``debt_asset`` debt cannot be liquidated with ``offered`` of it
        ("" if it can): no debt, no collateral, healthy (HF >= 1), nothing offered."""
        row = self.rows.get(borrower)
        if row is None or not self.debt(row)[debt_asset] > 0:
            return "no debt"
        if not self.collateral[row].any():
            return "no collateral"
        if self.health(row) >= 1:
            return "healthy"
        if not offered > 0:
            return "liquidator balance"
        return ""

    def liquidate(self, borrower: int, debt_asset: int, offered: float) -> Seized:
        """Repay up to ``offered`` of a liquidatable borrower's ``debt_asset`` debt and seize
        collateral with the bonus:
        1. the collateral asset of largest value, and the HF;
        2. the amounts (:func:`sim.market.lending.liquidate`, close factor and bonus of the
           collateral reserve);
        3. book the repayment (:meth:`_reduce_debt`) and take the seized collateral."""
        row = self.rows[borrower]
        p = self.prices()
        c = int(np.argmax(self.collateral[row] * p))
        hf = self.health(row)
        debt, coll = float(self.debt(row)[debt_asset]), float(self.collateral[row, c])
        result = lending.liquidate(debt, coll, float(p[debt_asset]), float(p[c]), hf, self.params[c], offered)
        self._reduce_debt(row, debt_asset, result.debt_repaid)
        self.collateral[row, c] -= result.collateral_seized
        self.collateral_total[c] -= result.collateral_seized
        return Seized(debt_asset, result.debt_repaid, c, result.collateral_seized, hf)
