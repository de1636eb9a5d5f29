"""An unwinder's settings: the perp whose takeovers it unwinds, and how fast."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require_positive
from sim.core.schema import duration


@dataclass
class UnwinderSettings:
    """What a perp venue's waterfall took over, unwound as a participant: the insurance fund's
    inventory on a binance or dydx perp, the liquidator vault's on a hyperliquid one. It sends
    ``slice`` of notional every ``interval`` to the venue's book, its orders and fills crossing
    its links like any other's."""

    perp: str
    interval: float = duration(1.0)
    slice: float = 50_000.0

    def check(self, key: str) -> None:
        require_positive(self.interval, f"{key}.interval")
        require_positive(self.slice, f"{key}.slice")
