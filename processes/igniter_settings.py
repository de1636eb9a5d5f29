"""An igniter's settings: its programme of market orders."""

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
