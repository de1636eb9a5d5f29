"""A basis trader's settings: its perp and spot venues, funding thresholds, clip and capital."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class BasisTraderSettings:
    """Shorts the perp and buys the same quantity of spot while annualised funding is high."""

    perp: str
    spot: str
    enter_above: float = fraction(0.20)  # annualised funding rate
    exit_below: float = fraction(0.05)
    capital: float = 1_000_000.0
    clip: float = 20_000.0  # notional per step
    cooldown: float = duration(600.0)  # least time between two steps
    leverage: float = 2.0  # perp notional per unit of perp margin

    def check(self, key: str) -> None:
        require(self.exit_below <= self.enter_above, f"{key}.exit_below", "must be <= enter_above")
        require_positive(self.capital, f"{key}.capital")
        require(self.capital < 1e13, f"{key}.capital", f"absurdly large: {self.capital!r} (must be < 1e13)")
        require_positive(self.clip, f"{key}.clip")
        require_non_negative(self.cooldown, f"{key}.cooldown")
        require_positive(self.leverage, f"{key}.leverage")
