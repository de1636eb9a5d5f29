"""A quoting borrower's settings: a liquidity provider's, plus its loan from a lending pool."""

from __future__ import annotations

from dataclasses import dataclass

from processes.liquidity_settings import LiquiditySettings
from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class QuotingBorrowerSettings(LiquiditySettings):
    """Seed 004's forward leg quoting instead of selling: post ``collateral`` USDT, borrow tokens
    worth ``ltv`` of it, and quote them against ``capital`` USDT as a liquidity provider does."""

    pool: str = ""
    collateral: float = 100_000.0
    ltv: float = fraction(0.5)
    start: float = duration(60.0)
    tokens: float = 0.0

    def check(self, key: str) -> None:
        super().check(key)
        require(bool(self.pool), f"{key}.pool", "needs a lending pool")
        require_positive(self.collateral, f"{key}.collateral")
        require(self.collateral < 1e13, f"{key}.collateral", f"absurdly large: {self.collateral!r} (must be < 1e13)")
        require(0 < self.ltv < 1, f"{key}.ltv", f"must be in (0, 1), got {self.ltv!r}")
        require_non_negative(self.start, f"{key}.start")
