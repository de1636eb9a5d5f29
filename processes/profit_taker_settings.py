"""A profit-taker's settings: its tokens, release rate, threshold above fair and offset."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class ProfitTakerSettings:
    """Spot holders who sell into a rally: while the price they see is ``threshold`` above
    ``fair`` (default: the venue's opening mid), they release ``rate`` of notional per second
    from ``tokens`` and offer it as asks ``offset`` above that price."""

    venue: str
    tokens: float
    rate: float
    threshold: float = fraction(0.1)
    fair: float | None = None
    offset: float = fraction(0.001)
    interval: float = duration(0.25)
    ramp: float = duration(0.0)

    def check(self, key: str) -> None:
        require_positive(self.tokens, f"{key}.tokens")
        require_positive(self.rate, f"{key}.rate")
        require_non_negative(self.threshold, f"{key}.threshold")
        if self.fair is not None:
            require_positive(self.fair, f"{key}.fair")
        require_non_negative(self.offset, f"{key}.offset")
        require_positive(self.interval, f"{key}.interval")
        require_non_negative(self.ramp, f"{key}.ramp")
