"""A holder's settings (the reverse leg): tokens posted, target LTV and band, perp hedge."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class HolderSettings:
    """Seed 004's reverse leg: holders post tokens, borrow USDT at a target LTV, and post it as
    margin for a perp short of their tokens, earning funding without selling."""

    pool: str
    perp: str
    tokens: float = 100_000.0
    target_ltv: float = fraction(0.6)
    band: float = fraction(0.1)  # rebalance when the LTV leaves target ± band
    hedge: float = 1.0  # perp short per token posted
    clip: float = 20_000.0  # largest perp sell per check (tokens): the short is built gradually
    start: float = duration(60.0)
    check_interval: float = duration(600.0)

    def check(self, key: str) -> None:
        require_positive(self.tokens, f"{key}.tokens")
        require(self.tokens < 1e13, f"{key}.tokens", f"absurdly large: {self.tokens!r} (must be < 1e13)")
        require(0 < self.target_ltv < 1, f"{key}.target_ltv", f"must be in (0, 1), got {self.target_ltv!r}")
        require(0 < self.band < self.target_ltv, f"{key}.band", f"must be in (0, target_ltv), got {self.band!r}")
        require(0 <= self.hedge <= 2, f"{key}.hedge", f"must be in [0, 2], got {self.hedge!r}")
        require_positive(self.clip, f"{key}.clip")
        require_non_negative(self.start, f"{key}.start")
        require_positive(self.check_interval, f"{key}.check_interval")
