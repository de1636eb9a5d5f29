"""A push oracle's settings: its source, deviation threshold and heartbeat."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require_positive
from sim.core.schema import duration, fraction


@dataclass
class OracleSettings:
    """A Chainlink-style push oracle (MECHANICS.md §1): publishes ``source``'s price when it moves
    more than ``deviation`` from the last publication, or ``heartbeat`` after it."""

    source: str
    deviation: float = fraction(0.005)
    heartbeat: float = duration(3600.0)

    def check(self, key: str) -> None:
        require_positive(self.deviation, f"{key}.deviation")
        require_positive(self.heartbeat, f"{key}.heartbeat")
