"""Messages that travel along topology links. Each carries the id of the trace record that caused it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(slots=True)
class Order:
    """A taker (market) order for ``qty`` tokens or ``notional`` quote, optionally limited in price."""

    cause: int
    account: int
    side: int
    qty: float = math.nan
    notional: float = math.nan
    limit: float = math.nan


@dataclass(slots=True)
class Quotes:
    """Replace all of ``account``'s resting orders on a venue with these (price, qty) ladders."""

    cause: int
    account: int
    bids: list[tuple[float, float]] = field(default_factory=list)
    asks: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class MarketData:
    """A venue's top of book and last price, as published to subscribers."""

    cause: int
    venue: str
    bid: float
    ask: float
    last: float
    price: float  # the price the venue publishes (last or mid)
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
