"""Every crossing of a threshold by a (noisy, mean) metric: a scan of the range, then bisection
inside each bracket of the scan.

Steps: 1. evaluate the metric at every scan point; 2. take each pair of neighbouring scan points
whose values lie on opposite sides of the threshold (``>=`` is above) as a bracket; 3. halve every
bracket wider than the tolerance, all brackets' midpoints evaluated together, keeping the half whose
ends still lie on opposite sides, until each is narrow enough. A metric that is not monotone over
the scan can cross more than once, and a bracket may hold an odd number of crossings: the scan's
spacing is the resolution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

SCAN_POINTS = 21  # the scan's default number of values over a --range


@dataclass
class Bracket:
    """An interval [low, high] whose ends lie on opposite sides of the threshold."""

    threshold: float
    low: float
    high: float
    f_low: float
    f_high: float
    evaluations: list[tuple[float, float]] = field(default_factory=list)  # its bisection steps

    @property
    def estimate(self) -> float:
        """The crossing by linear interpolation between the bracket's ends."""
        if self.f_high == self.f_low:
            return (self.low + self.high) / 2
        return self.low + (self.threshold - self.f_low) * (self.high - self.low) / (self.f_high - self.f_low)

    @property
    def rising(self) -> bool:
        """Whether the metric goes from below to above the threshold across the bracket."""
        return self.f_high >= self.threshold


@dataclass
class Scan:
    """The scan's points and every bracketed crossing, in order along the parameter."""

    threshold: float
    points: list[tuple[float, float]]
    brackets: list[Bracket]

    @property
    def evaluations(self) -> int:
        return len(self.points) + sum(len(b.evaluations) for b in self.brackets)

    @property
    def monotone(self) -> bool:
        """Whether the scan's values (NaN left out) never rise or never fall."""
        ys = [y for _, y in self.points if not math.isnan(y)]
        steps = [b - a for a, b in zip(ys, ys[1:], strict=False)]
        return all(s >= 0 for s in steps) or all(s <= 0 for s in steps)


def scan_points(low: float, high: float, count: int, integer: bool = False) -> list[float]:
    """``count`` evenly spaced values from ``low`` to ``high``, both included (whole numbers, once each,
    for an integer parameter)."""
    values = [low + (high - low) * i / (count - 1) for i in range(count)]
    if integer:
        return sorted({round(v) for v in values})
    return [float(f"{v:.12g}") for v in values]


def crossings(
    f: Callable[[list[float]], list[float]],
    scan: Sequence[float],
    threshold: float,
    tol: float,
    integer: bool = False,
) -> Scan:
    """Scan, then bisect every bracket until it is at most ``tol`` wide (see the module docstring).

    ``f`` takes a list of parameter values and returns the metric at each; a NaN value (no run
    succeeded) closes no bracket, and stops the narrowing of a bracket whose midpoint it is.
    With ``integer``, midpoints are whole numbers and a bracket stops at width 1.
    """
    xs = sorted(scan)
    points = list(zip(xs, f(xs), strict=True))
    brackets = [
        Bracket(threshold, a, b, fa, fb)
        for (a, fa), (b, fb) in zip(points, points[1:], strict=False)
        if not (math.isnan(fa) or math.isnan(fb)) and (fa >= threshold) != (fb >= threshold)
    ]
    tol = max(tol, 1) if integer else tol
    active = [b for b in brackets if b.high - b.low > tol]
    while active:
        mids = [(b.low + b.high) // 2 if integer else (b.low + b.high) / 2 for b in active]
        narrowing = [(b, m) for b, m in zip(active, mids, strict=True) if m not in (b.low, b.high)]
        if not narrowing:
            break
        values = f([m for _, m in narrowing])
        active = []
        for (b, mid), y in zip(narrowing, values, strict=True):
            b.evaluations.append((mid, y))
            if math.isnan(y):
                continue
            if (y >= threshold) == (b.f_low >= threshold):
                b.low, b.f_low = mid, y
            else:
                b.high, b.f_high = mid, y
            if b.high - b.low > tol:
                active.append(b)
    return Scan(threshold, points, brackets)
