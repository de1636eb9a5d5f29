"""The option market maker's settings: a liquidity provider's, plus its token loan and call."""

from __future__ import annotations

from dataclasses import dataclass

from processes.liquidity_settings import LiquiditySettings
from sim.core.config import require, require_positive
from sim.core.schema import duration, fraction


@dataclass
class OptionMarketMakerSettings(LiquiditySettings):
    """The usual token-loan + call-option market-making contract (seed 004): the project lends
    ``loan`` tokens and grants a call on them at ``strike`` × the opening price, expiring at ``expiry``."""

    project: str = "project"
    loan: float = 100_000.0
    strike: float = 1.25
    expiry: float = duration(30 * 86400.0)
    shrink: float = 0.5  # size multiplier while the market maker is losing
    widen: float = 2.0  # spread multiplier while it is losing
    # the volatility a counterparty prices the call at when signing (that of the market without
    # the market maker), and a band around it; sim.analysis.playbook values the premium at all three
    implied_vol: float = fraction(1.0)
    vol_low: float = fraction(0.5)
    vol_high: float = fraction(1.5)

    def check(self, key: str) -> None:
        super().check(key)
        require_positive(self.loan, f"{key}.loan")
        require(self.loan < 1e13, f"{key}.loan", f"absurdly large: {self.loan!r} (must be < 1e13)")
        require_positive(self.strike, f"{key}.strike")
        require_positive(self.expiry, f"{key}.expiry")
        require(0 < self.shrink <= 1, f"{key}.shrink", f"must be in (0, 1], got {self.shrink!r}")
        require(self.widen >= 1, f"{key}.widen", f"must be >= 1, got {self.widen!r}")
        require(
            0 < self.vol_low <= self.implied_vol <= self.vol_high < 10,
            f"{key}.implied_vol",
            f"must satisfy 0 < vol_low <= implied_vol <= vol_high < 1000%, got {self.vol_low!r}, "
            f"{self.implied_vol!r}, {self.vol_high!r}",
        )
