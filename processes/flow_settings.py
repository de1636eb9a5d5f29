"""The exogenous flows' settings: an igniter's programme of market orders, noise traders' rate and sizes."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import choice, duration


@dataclass
class IgniterSettings:
    """An exogenous programme of market orders: ``notional`` in ``slices`` over ``duration``, on a
    spot venue or on a perp (there, sized in contracts at the perp's opening price, on margin equal
    to the notional: 1x leverage)."""

    venue: str
    notional: float
    side: str = choice("buy", "buy", "sell")
    start: float = duration(10.0)
    duration: float = duration(20.0)
    slices: int = 10

    def check(self, key: str) -> None:
        require_positive(self.notional, f"{key}.notional")
        require(self.notional < 1e13, f"{key}.notional", f"absurdly large: {self.notional!r} (must be < 1e13)")
        require_non_negative(self.start, f"{key}.start")
        require_non_negative(self.duration, f"{key}.duration")
        require(self.slices >= 1, f"{key}.slices", f"must be >= 1, got {self.slices}")


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
