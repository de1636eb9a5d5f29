"""A spot liquidity provider's settings: its venue, quote ladder, refresh and capital."""

from __future__ import annotations

from dataclasses import dataclass

from processes.spot_settings import Depth
from sim.core.config import require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class LiquiditySettings:
    """A spot liquidity provider that re-quotes a ladder around the last price."""

    venue: str
    quotes: Depth
    half_spread: float = fraction(0.002)
    refresh: float = duration(2.0)
    capital: float = 1_000_000.0
    tokens: float = 100_000.0

    def check(self, key: str) -> None:
        require_non_negative(self.half_spread, f"{key}.half_spread")
        require_positive(self.refresh, f"{key}.refresh")
        require_non_negative(self.capital, f"{key}.capital")
        require_non_negative(self.tokens, f"{key}.tokens")
