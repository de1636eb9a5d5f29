"""A lending pool's settings: per reserve (the quote currency, the token) its risk parameters and
borrow-rate model, which are the mechanics' own (sim.market.lending)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.config import require, require_non_negative
from sim.core.schema import fraction
from sim.market.lending import RateModel, ReserveParams


@dataclass(frozen=True)
class Reserve(ReserveParams):
    """One asset of a lending pool (MECHANICS.md §6): its risk parameters as collateral (it is
    the mechanics' ReserveParams, which checks them), its borrow rate (a RateModel, kinked at
    the optimal utilisation), and ``supply`` lent at t = 0 by ``supplier``."""

    ltv: float = fraction(0.6)
    liquidation_threshold: float = fraction(0.7)
    rate: RateModel = field(default_factory=RateModel)
    supply: float = 0.0
    supplier: str = "suppliers"
    # of the supply, lent at t = 0 to ``borrower`` (the pool's other borrowers), against twice as
    # much of this asset posted as collateral: it sets the utilisation, and so the rate, others see
    borrowed: float = 0.0
    borrower: str = "other_borrowers"

    def check(self, key: str) -> None:
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
