"""Side conventions and argument checks shared by the market mechanics.

Orders: ``BUY = +1``, ``SELL = -1``. Positions: ``LONG = +1``, ``SHORT = -1``.
A buy opens or adds to a long; the sign ``s`` in MECHANICS.md §4 is the position side.
"""

from __future__ import annotations

import math
from numbers import Real

BUY = 1
SELL = -1
LONG = 1
SHORT = -1

# The one dust threshold: an amount of quote or tokens at or below it counts as zero (a closed
# position, an empty insurance fund). Every comparison of money or quantity with zero uses it.
DUST = 1e-9


# Field metadata of a fraction field (0.02), which experiment files may write as "2%" or "200bp"
# (sim/core/schema.py reads it): the mechanics' dataclasses are loaded from TOML as they are.
FRACTION = {"unit": "fraction"}


def check_side(name: str, side: int) -> int:
    """Return ``side`` if it is +1 or -1, else raise ValueError naming the argument."""
    if side not in (1, -1):
        raise ValueError(f"{name} must be +1 or -1, got {side!r}")
    return side


def check_positive(name: str, value: float) -> float:
    """Return ``value`` if it is a finite number > 0, else raise ValueError naming it."""
    if type(value) is float and 0 < value < math.inf:  # the hot path: skip the ABC check
        return value
    if not (isinstance(value, Real) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_non_negative(name: str, value: float) -> float:
    """Return ``value`` if it is a finite number >= 0, else raise ValueError naming it."""
    if type(value) is float and 0 <= value < math.inf:
        return value
    if not (isinstance(value, Real) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_fraction(name: str, value: float) -> float:
    """Return ``value`` if 0 <= value < 1, else raise ValueError naming it."""
    if not (isinstance(value, Real) and math.isfinite(value) and 0 <= value < 1):
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)
