"""Messages that travel along topology links. Each carries the id of the trace record that caused it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Order:
    """A taker (market) order for ``qty`` tokens or, when ``qty`` is None, for ``notional`` quote."""

    cause: int
    account: int
    side: int
    qty: float | None = None
    notional: float | None = None

    @property
    def by_notional(self) -> bool:
        """Whether the order is for a quote amount (``notional``) rather than a token quantity."""
        return self.qty is None


@dataclass(slots=True)
class Quotes:
    """Replace all of ``account``'s resting orders on a venue with these (price, qty) ladders."""

    cause: int
    account: int
    bids: list[tuple[float, float]] = field(default_factory=list)
    asks: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class MarketData:
    """A venue's top of book and last price, as published to subscribers; ``bid`` or ``ask`` is
    None while that side of the book is empty, and so is ``mid`` (and ``price`` when the venue
    publishes its mid). ``mid`` is a field, computed once by the venue, not a property: each
    update reaches several subscribers (bench_orderflow)."""

    cause: int
    venue: str
    bid: float | None
    ask: float | None
    mid: float | None  # (bid + ask) / 2
    last: float
    price: float | None  # the price the venue publishes (last or mid)
    notional: float  # traded notional behind this update (0 for a quote change)


@dataclass(slots=True)
class IndexUpdate:
    cause: int
    source: str
    price: float


@dataclass(slots=True)
class FillReport:
    """A maker's fill (or an ADL close) on a perp venue, sent to the maker's node."""

    cause: int
    venue: str
    side: int
    qty: float
    price: float


@dataclass(slots=True)
class Takeover:
    """A position the venue's insurance fund or liquidator vault took over (its ``takeover`` or
    ``backstop`` record), sent to the node that unwinds it."""

    cause: int
    venue: str
    side: int  # the side of the position now held
    qty: float
    price: float


# ----------------------------------------------------------------------------- lending pool


@dataclass(slots=True)
class PriceUpdate:
    """An oracle's published price of the token in quote currency."""

    cause: int
    source: str
    price: float


@dataclass(slots=True)
class PoolRequest:
    """A borrower's or supplier's action on a lending pool.

    ``action``: "supply" / "withdraw" (lend ``amount`` of ``asset`` to the pool, or take it back),
    "deposit" / "release" (post or take back collateral), "borrow" / "repay" (debt in ``asset``).
    The pool moves the money in the ledger and answers with a LoanUpdate to ``reply_to``
    (the sender's node) when the sender has a link from the pool.
    """

    cause: int
    account: int
    action: str
    asset: int
    amount: float
    reply_to: str = ""


@dataclass(slots=True)
class LoanUpdate:
    """A borrower's position on a pool after an action, an accrual or a liquidation."""

    cause: int
    account: int
    collateral: tuple[float, float]  # (quote, token) amounts posted
    debt: tuple[float, float]  # (quote, token) amounts owed, interest included
    health_factor: float
    price: float | None  # the oracle price the pool used; None before the pool's first
    ok: bool = True  # False if the request was refused (e.g. borrow beyond LTV)


@dataclass(slots=True)
class LiquidationCall:
    """The pool tells liquidators a borrower's health factor is below 1."""

    cause: int
    borrower: int
    debt_asset: int
    debt: float
    collateral_asset: int
    collateral: float
    health_factor: float
    price: float


@dataclass(slots=True)
class LiquidateRequest:
    """A liquidator repays up to ``amount`` of a borrower's debt and seizes collateral with the bonus."""

    cause: int
    liquidator: int
    borrower: int
    debt_asset: int
    amount: float
    reply_to: str = ""


@dataclass(slots=True)
class LiquidationResult:
    """What a liquidator got: collateral seized (asset, amount) for debt repaid."""

    cause: int
    borrower: int
    debt_repaid: float
    collateral_asset: int
    collateral_seized: float


# ----------------------------------------------------------------------------- perp data and margin


@dataclass(slots=True)
class PerpData:
    """A perp venue's published state: mark, index and funding (predicted for the current interval);
    published only once the venue has an index (and so a mark)."""

    cause: int
    venue: str
    mark: float
    index: float
    predicted_rate: float  # for the current funding interval
    last_rate: float  # the last rate paid
    interval_hours: float


@dataclass(slots=True)
class MarginTransfer:
    """Move ``amount`` of quote currency into (positive) or out of (negative) an account's perp margin."""

    cause: int
    account: int
    amount: float


# ----------------------------------------------------------------------------- resting orders


@dataclass(slots=True)
class Limit:
    """A limit order: what crosses fills at once, the rest rests until its sender cancels ``ref``
    (the sender's own reference for the order, unique per account)."""

    cause: int
    account: int
    side: int
    price: float
    qty: float
    ref: int


@dataclass(slots=True)
class Cancel:
    """Cancel the sender's resting order ``ref`` (a no-op if it has filled or is not known yet)."""

    cause: int
    account: int
    ref: int
