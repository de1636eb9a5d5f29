"""A perp market maker's settings: its quotes, hedge venues, inventory rules and capital."""

from __future__ import annotations

from dataclasses import dataclass, field

from processes.spot_settings import Depth
from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class MarketMakerSettings:
    """Quotes a perp book around a spot reference and hedges each fill on spot."""

    perp: str
    hedge: dict[str, float]
    reference: str = ""
    quotes: Depth = field(default_factory=lambda: Depth(notional=100_000.0))
    half_spread: float = fraction(0.001)
    refresh: float = duration(1.0)
    hedge_ratio: float = 1.0
    inventory_limit: float | None = None  # tokens of perp position; None = no limit
    skew: float = fraction(0.0)  # quotes shift by -skew × position / skew_scale (a short MM quotes higher)
    skew_scale: float = 100_000.0  # tokens
    capital: float = 10_000_000.0
    tokens: float = 0.0
    margin: float = 2_000_000.0

    def check(self, key: str) -> None:
        require(bool(self.hedge), f"{key}.hedge", "needs at least one spot venue to hedge on")
        for name, w in self.hedge.items():
            require_positive(w, f"{key}.hedge.{name}")
        require_non_negative(self.half_spread, f"{key}.half_spread")
        require_positive(self.refresh, f"{key}.refresh")
        require(0 <= self.hedge_ratio <= 2, f"{key}.hedge_ratio", f"must be in [0, 2], got {self.hedge_ratio!r}")
        if self.inventory_limit is not None:
            require_positive(self.inventory_limit, f"{key}.inventory_limit")
        require(0 <= self.skew < 0.5, f"{key}.skew", f"must be in [0, 50%), got {self.skew!r}")
        require_positive(self.skew_scale, f"{key}.skew_scale")
        require_positive(self.margin, f"{key}.margin")
        require(self.capital >= self.margin, f"{key}.capital", "must be >= margin")
        require_non_negative(self.tokens, f"{key}.tokens")
