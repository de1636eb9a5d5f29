"""Book ladders from a depth profile (MECHANICS.md §7: ±2% depth, seed 000's $10 → $11).

A profile gives the quote notional resting on each side within ±``range`` of mid and
how it is spread over price distance ``d = |price - mid| / mid``. Levels sit every
``step`` (rounded to whole ticks) from mid out to ±``extent``; each level's notional is
proportional to the density at its distance, scaled so that the levels within
±``range`` hold exactly ``notional``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.market.orderbook import TickGrid
from sim.market.sides import FRACTION, check_positive, check_side

SHAPES = ("flat", "linear", "exponential")
_TOL = 1e-9  # relative tolerance for "within range / extent"


@dataclass(frozen=True)
class DepthProfile:
    """Notional per side within ±range of mid and its density law (fractions of mid)."""

    notional: float
    range: float = field(default=0.02, metadata=FRACTION)
    shape: str = field(default="flat", metadata={"choices": SHAPES})
    extent: float = field(default=0.10, metadata=FRACTION)
    step: float = field(default=0.001, metadata=FRACTION)
    scale: float = field(default=0.01, metadata=FRACTION)

    def __post_init__(self) -> None:
        for name in ("notional", "range", "extent", "step", "scale"):
            check_positive(name, getattr(self, name))
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, got {self.shape!r}")
        if not self.range <= self.extent < 1:
            raise ValueError(f"extent must be in [range, 1) with range={self.range!r}, got {self.extent!r}")
        if self.step > self.range:
            raise ValueError(f"step must be <= range={self.range!r}, got {self.step!r}")

    def density(self, d: float) -> float:
        """Relative notional density at distance ``d`` (fraction of mid) from mid."""
        if self.shape == "flat":
            return 1.0
        if self.shape == "linear":
            return d
        return math.exp(-d / self.scale)


def ladder(profile: DepthProfile, mid: float, tick: float, side: int) -> list[tuple[float, float]]:
    """(price, qty) levels of one side (SELL = asks above mid, BUY = bids below), best first.

    Level j sits j * s ticks from the grid point nearest ``mid``, s = max(1, round(step *
    mid / tick)), out to ±extent; its notional is density(d_j) scaled so the levels with
    d_j <= range sum to ``profile.notional``; qty = notional / price (MECHANICS.md §7).
    """
    check_side("side", side)
    mid = check_positive("mid", mid)
    grid = TickGrid(tick)
    centre = round(mid / grid.tick)
    stride = max(1, round(profile.step * mid / grid.tick))
    prices, weights, in_range = [], [], 0.0
    ticks = centre - side * stride
    while ticks > 0:
        price = grid.price(ticks)
        d = abs(price - mid) / mid
        if d > profile.extent * (1 + _TOL):
            break
        w = profile.density(d)
        if d <= profile.range * (1 + _TOL):
            in_range += w
        prices.append(price)
        weights.append(w)
        ticks -= side * stride
    if not in_range:
        raise ValueError(f"tick {tick!r} leaves no level within ±range of mid {mid!r}")
    scale = profile.notional / in_range
    return [(p, w * scale / p) for p, w in zip(prices, weights, strict=True)]


def quotable_ladder(profile: DepthProfile, mid: float, tick: float, side: int) -> list[tuple[float, float]]:
    """``ladder``, or no levels at all where the tick is too coarse for ``mid`` (a collapsed price):
    a participant quoting at run time stops quoting rather than stopping the run."""
    try:
        return ladder(profile, mid, tick, side)
    except ValueError:
        if mid > 0 and tick > 0:
            return []
        raise
