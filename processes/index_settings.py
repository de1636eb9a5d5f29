"""An index node's settings: its sources and weights, method, interval and staleness rules."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import choice, duration, fraction


@dataclass
class IndexSettings:
    sources: dict[str, float]
    interval: float = duration(1.0)
    stale_after: float = duration(300.0)
    outlier: float = fraction(0.05)
    attribution_memory: float = duration(10.0)
    method: str = choice("mean", "mean", "median")  # mean: Binance's weighted mean; median: Hyperliquid's

    def check(self, key: str) -> None:
        require(bool(self.sources), f"{key}.sources", "an index needs at least one source")
        require_non_negative(self.attribution_memory, f"{key}.attribution_memory")
        for name, w in self.sources.items():
            require_positive(w, f"{key}.sources.{name}")
        require_positive(self.interval, f"{key}.interval")
        require_positive(self.stale_after, f"{key}.stale_after")
        require_positive(self.outlier, f"{key}.outlier")
