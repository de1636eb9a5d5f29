"""Bisection for the parameter value where a (noisy, mean) metric crosses a threshold."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


class NoCrossing(Exception):
    """The metric is on the same side of the threshold at both ends of the range."""

    def __init__(self, low: tuple[float, float], high: tuple[float, float], threshold: float) -> None:
        super().__init__(
            f"no crossing of {threshold:g} between {low[0]:g} (metric {low[1]:g}) and {high[0]:g} (metric {high[1]:g})"
        )
        self.low, self.high = low, high


@dataclass
class Bracket:
    """The final interval [low, high] whose ends lie on opposite sides of the threshold."""

    threshold: float
    low: float
    high: float
    f_low: float
    f_high: float
    evaluations: list[tuple[float, float]] = field(default_factory=list)

    @property
    def estimate(self) -> float:
        """The crossing by linear interpolation between the bracket's ends."""
        if self.f_high == self.f_low:
            return (self.low + self.high) / 2
        return self.low + (self.threshold - self.f_low) * (self.high - self.low) / (self.f_high - self.f_low)


def bisect(
    f: Callable[[float], float],
    low: float,
    high: float,
    threshold: float,
    tol: float,
    integer: bool = False,
) -> Bracket:
    """Narrow [low, high] around a crossing of ``threshold`` by ``f`` until it is at most ``tol`` wide.

    ``f`` is evaluated at both ends first; NoCrossing if they are on the same side (or NaN).
    With ``integer``, midpoints are whole numbers and the bracket stops at width 1.
    """
    evaluations: list[tuple[float, float]] = []

    def side(x: float) -> tuple[float, bool]:
        y = f(x)
        evaluations.append((x, y))
        return y, y >= threshold

    f_low, above_low = side(low)
    f_high, above_high = side(high)
    if math.isnan(f_low) or math.isnan(f_high) or above_low == above_high:
        raise NoCrossing((low, f_low), (high, f_high), threshold)
    tol = max(tol, 1) if integer else tol
    while high - low > tol:
        mid = (low + high) // 2 if integer else (low + high) / 2
        if mid in (low, high):
            break
        f_mid, above_mid = side(mid)
        if math.isnan(f_mid):
            raise NoCrossing((mid, f_mid), (high, f_high), threshold)
        if above_mid == above_low:
            low, f_low = mid, f_mid
        else:
            high, f_high = mid, f_mid
    return Bracket(threshold, low, high, f_low, f_high, evaluations)
