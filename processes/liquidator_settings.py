"""A lending liquidator's settings: its pool, the venue it sells seized tokens on, its capital."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require_non_negative


@dataclass
class LiquidatorSettings:
    """Repays unhealthy loans on ``pool``, seizes their collateral and sells seized tokens on
    ``venue`` (MECHANICS.md §6); ``capital`` and ``tokens`` pay the debts."""

    pool: str
    venue: str
    capital: float = 1_000_000.0
    tokens: float = 0.0

    def check(self, key: str) -> None:
        require_non_negative(self.capital, f"{key}.capital")
        require_non_negative(self.tokens, f"{key}.tokens")
