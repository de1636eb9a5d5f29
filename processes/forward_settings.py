"""A forward borrower's settings: its pool and spot venue, capital, LTV and holding time."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class ForwardSettings:
    """Seed 004's forward leg: post USDT, borrow tokens and sell them at once; after ``hold``,
    buy them back and repay (never, if ``hold`` is 0)."""

    pool: str
    spot: str
    capital: float = 100_000.0
    ltv: float = fraction(0.5)  # of the collateral value borrowed in tokens
    start: float = duration(60.0)
    hold: float = duration(0.0)

    def check(self, key: str) -> None:
        require_positive(self.capital, f"{key}.capital")
        require(self.capital < 1e13, f"{key}.capital", f"absurdly large: {self.capital!r} (must be < 1e13)")
        require(0 < self.ltv < 1, f"{key}.ltv", f"must be in (0, 1), got {self.ltv!r}")
        require_non_negative(self.start, f"{key}.start")
        require_non_negative(self.hold, f"{key}.hold")
