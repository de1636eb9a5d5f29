"""An order-flow crowd's settings: traders, order rate, limit share, lifetimes and sizes."""

from __future__ import annotations

from dataclasses import dataclass

from sim.core.config import require, require_non_negative, require_positive
from sim.core.schema import duration, fraction


@dataclass
class OrderFlowSettings:
    """A crowd of ``traders`` noise traders on one spot venue (processes/order_flow.py): new orders
    at ``rate`` per trader per second, limit orders with probability ``limit_share`` (else market
    orders), priced up to ``depth`` on the passive side of the mid or ``cross`` through it, each
    cancelled after an exponential ``lifetime``; lognormal sizes of mean ``notional``."""

    venue: str
    traders: int = 1000
    rate: float = 0.1
    limit_share: float = fraction(0.7)
    lifetime: float = duration(30.0)
    notional: float = 1_000.0
    sigma: float = 1.0
    buy_share: float = fraction(0.5)
    depth: float = fraction(0.01)
    cross: float = fraction(0.001)
    capital: float = 1_000_000.0  # per trader
    tokens: float = 100_000.0  # per trader

    def check(self, key: str) -> None:
        require(1 <= self.traders <= 1_000_000, f"{key}.traders", f"must be in [1, 1,000,000], got {self.traders}")
        require_positive(self.rate, f"{key}.rate")
        require(0 <= self.limit_share <= 1, f"{key}.limit_share", f"must be in [0, 1], got {self.limit_share!r}")
        require_positive(self.lifetime, f"{key}.lifetime")
        require_positive(self.notional, f"{key}.notional")
        require_non_negative(self.sigma, f"{key}.sigma")
        require(0 <= self.buy_share <= 1, f"{key}.buy_share", f"must be in [0, 1], got {self.buy_share!r}")
        require(0 <= self.depth < 1, f"{key}.depth", f"must be in [0, 1), got {self.depth!r}")
        require(0 <= self.cross < 1, f"{key}.cross", f"must be in [0, 1), got {self.cross!r}")
        require_non_negative(self.capital, f"{key}.capital")
        require_non_negative(self.tokens, f"{key}.tokens")
