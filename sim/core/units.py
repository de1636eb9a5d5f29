"""Parsing of durations and fractions written with units in experiment files."""

from __future__ import annotations

import math
import re
from decimal import Decimal

_DURATION = re.compile(r"^\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(us|µs|ms|s|sec|min|h|d)?\s*$")
_SECONDS = {  # exact decimal scales, so "9ms" reads as 0.009 and not 0.009000000000000001
    None: Decimal(1),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "sec": Decimal(1),
    "min": Decimal(60),
    "h": Decimal(3600),
    "d": Decimal(86400),
}
_FRACTION = re.compile(r"^\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%|bp|bps)?\s*$")
_FRACTION_SCALE = {None: Decimal(1), "%": Decimal("0.01"), "bp": Decimal("1e-4"), "bps": Decimal("1e-4")}


def parse_duration(value: object) -> float:
    """Seconds from a number (seconds) or a string like "250ms", "3s", "5min", "8h".

    Raises ValueError with the accepted forms when the value cannot be read.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '250ms', '3s', '8h', got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(Decimal(m.group(1)) * _SECONDS[m.group(2)])
    else:
        raise ValueError(f"expected a duration like '250ms', '3s', '8h', got {value!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"expected a finite duration, got {value!r}")
    return seconds


def parse_fraction(value: object) -> float:
    """A fraction from a number (0.02) or a string like "2%" or "50bp"."""
    if isinstance(value, bool):
        raise ValueError(f"expected a fraction like 0.02 or '2%', got {value!r}")
    if isinstance(value, (int, float)):
        fraction = float(value)
    elif isinstance(value, str) and (m := _FRACTION.match(value)):
        fraction = float(Decimal(m.group(1)) * _FRACTION_SCALE[m.group(2)])
    else:
        raise ValueError(f"expected a fraction like 0.02 or '2%', got {value!r}")
    if not math.isfinite(fraction):
        raise ValueError(f"expected a finite fraction, got {value!r}")
    return fraction


def format_duration(seconds: float) -> str:
    """Shortest exact form of a duration, e.g. 0.25 -> "250ms", 3600 -> "1h"."""
    if seconds == 0:
        return "0s"
    for unit, scale in (("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= scale and (seconds / scale).is_integer():
            return f"{int(seconds / scale)}{unit}"
    ms = round(seconds * 1000)
    if ms and ms / 1000 == seconds:
        return f"{ms}ms"
    return f"{seconds!r}s"
