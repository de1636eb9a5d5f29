"""A spot venue's settings: its tick, fees and opening book, and the depth profiles books and quotes are drawn from."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core import datafiles
from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import choice, duration, fraction
from sim.market.depth import DepthProfile


@dataclass(frozen=True)
class Depth(DepthProfile):
    """A depth profile: ``notional`` per side within ±``range`` of mid (MECHANICS.md §7). It is
    the mechanics' DepthProfile, which checks its own rules when loaded; a file's is also kept
    to a sane size."""

    def check(self, key: str) -> None:
        require(self.notional < 1e13, f"{key}.notional", f"absurdly large: {self.notional!r} (must be < 1e13)")


@dataclass
class Book:
    """Initial resting liquidity on a venue, owned by one account: synthetic ``asks``/``bids``
    profiles, or a depth-profile CSV file (``profile``, see sim/core/datafiles.py)."""

    mid: float
    owner: str = "holders"
    asks: Depth | None = None
    bids: Depth | None = None
    profile: str | None = None

    def check(self, key: str) -> None:
        require_positive(self.mid, f"{key}.mid")
        if self.profile is not None:
            require(self.asks is None and self.bids is None, f"{key}.profile", "give either profile or asks/bids")
        else:
            require(self.asks is not None or self.bids is not None, key, "needs asks, bids or profile")


@dataclass
class SpotSettings:
    tick: float = 0.001
    throughput: float = 0.0
    taker_fee: float = fraction(0.0)
    publish: str = choice("last", "last", "mid")
    book: Book | None = None
    depth_interval: float = duration(0.0)  # sample ±depth_range depth every so often (0 = never)
    depth_range: float = fraction(0.02)
    record_limits: bool = False  # also record limit orders and cancels (a crowd may send millions)

    def check(self, key: str) -> None:
        require_positive(self.tick, f"{key}.tick")
        require_non_negative(self.throughput, f"{key}.throughput")
        require(0 <= self.taker_fee < 0.1, f"{key}.taker_fee", f"must be in [0, 10%), got {self.taker_fee!r}")
        require(self.book is not None, f"{key}.book", "a spot venue needs an initial book")
        if self.book.profile is not None:
            datafiles.profile_ladders(self.book.profile, f"{key}.book.profile", self.book.mid, self.tick)
        require_non_negative(self.depth_interval, f"{key}.depth_interval")
        require_positive(self.depth_range, f"{key}.depth_range")
