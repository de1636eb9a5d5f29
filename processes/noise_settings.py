"""Noise traders' settings: their rate, sizes and side."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require, require_non_negative, require_positive


@dataclass
class NoiseSettings:
    """Poisson market orders on a spot or perp venue, lognormal notional, buys with probability
    ``buy_share`` (on a perp, ``capital`` is posted as margin)."""

    venue: str
    rate: float = 1.0
    notional: float = 1_000.0
    sigma: float = 1.0
    buy_share: float = 0.5
    capital: float = 10_000_000.0
    tokens: float = 1_000_000.0

    def check(self, key: str) -> None:
        require_positive(self.rate, f"{key}.rate")
        require_positive(self.notional, f"{key}.notional")
        require_non_negative(self.sigma, f"{key}.sigma")
        require(0 <= self.buy_share <= 1, f"{key}.buy_share", f"must be in [0, 1], got {self.buy_share!r}")
