"""A lending pool's settings: per reserve (the quote currency, the token) its risk parameters and borrow-rate model."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.config import require, require_non_negative
from sim.schema import fraction


@dataclass
class Rate:
    """A utilisation-kinked yearly borrow rate (MECHANICS.md §6; sim.market.lending.RateModel)."""

    base: float = fraction(0.0)
    slope1: float = fraction(0.04)
    slope2: float = fraction(0.75)
    optimal: float = fraction(0.8)

    def check(self, key: str) -> None:
        for name in ("base", "slope1", "slope2"):
            require_non_negative(getattr(self, name), f"{key}.{name}")
        require(0 < self.optimal < 1, f"{key}.optimal", f"must be in (0, 1), got {self.optimal!r}")


@dataclass
class Reserve:
    """One asset of a lending pool (MECHANICS.md §6; sim.market.lending.ReserveParams): its
    risk parameters as collateral, its borrow rate, and ``supply`` lent at t = 0 by ``supplier``."""

    ltv: float = fraction(0.6)
    liquidation_threshold: float = fraction(0.7)
    liquidation_bonus: float = fraction(1.05)
    close_factor: float = fraction(0.5)
    full_close_hf: float = 0.95
    small_position: float = 0.0
    rate: Rate = field(default_factory=Rate)
    supply: float = 0.0
    supplier: str = "suppliers"
    # of the supply, lent at t = 0 to ``borrower`` (the pool's other borrowers), against twice as
    # much of this asset posted as collateral: it sets the utilisation, and so the rate, others see
    borrowed: float = 0.0
    borrower: str = "other_borrowers"

    def check(self, key: str) -> None:
        require(0 <= self.ltv < 1, f"{key}.ltv", f"must be in [0, 1), got {self.ltv!r}")
        require(
            self.ltv <= self.liquidation_threshold < 1,
            f"{key}.liquidation_threshold",
            f"must be in [ltv, 1), got {self.liquidation_threshold!r}",
        )
        require(
            self.liquidation_bonus >= 1 and self.liquidation_bonus * self.liquidation_threshold <= 1,
            f"{key}.liquidation_bonus",
            f"must be >= 1 and at most 1 / liquidation_threshold, got {self.liquidation_bonus!r}",
        )
        require(0 < self.close_factor <= 1, f"{key}.close_factor", f"must be in (0, 1], got {self.close_factor!r}")
        require(0 < self.full_close_hf <= 1, f"{key}.full_close_hf", f"must be in (0, 1], got {self.full_close_hf!r}")
        require_non_negative(self.small_position, f"{key}.small_position")
        require_non_negative(self.supply, f"{key}.supply")
        require(self.supply < 1e13, f"{key}.supply", f"absurdly large: {self.supply!r} (must be < 1e13)")
        require(bool(self.supplier), f"{key}.supplier", "needs an account name")
        require(
            0 <= self.borrowed <= self.supply,
            f"{key}.borrowed",
            f"must be in [0, supply = {self.supply!r}], got {self.borrowed!r}",
        )


@dataclass
class LendingSettings:
    """An Aave-like lending pool (MECHANICS.md §6) of the quote currency and the token,
    priced by the push oracle ``oracle``."""

    oracle: str
    quote: Reserve = field(default_factory=Reserve)
    token: Reserve = field(default_factory=Reserve)
