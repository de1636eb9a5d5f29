"""Units and number formats, shared by the plots' labels and the text reports (``perpsim trace``).

Nothing here imports matplotlib, so a command that prints figures does not load it.
"""

from __future__ import annotations

TIME_UNIT = "s"
PRICE_UNIT = "USDT"
NOTIONAL_UNIT = "USDT"


def label(quantity: str, unit: str) -> str:
    """Axis or legend label with its unit: ``label("price", "USDT") == "price (USDT)"``."""
    return f"{quantity} ({unit})"


TIME_LABEL = label("time since start", TIME_UNIT)

# Time axes read in seconds for spans up to SECONDS_UP_TO, in minutes up to MINUTES_UP_TO,
# in hours beyond: a rocket's 3 minutes stay in seconds, seed 004's 3 days read in hours.
TIME_UNITS: dict[str, float] = {"s": 1.0, "min": 60.0, "h": 3600.0}
SECONDS_UP_TO = 600.0
MINUTES_UP_TO = 3 * 3600.0


def time_unit(span_s: float) -> str:
    """The unit a time axis spanning ``span_s`` seconds reads in: "s", "min" or "h"."""
    if span_s <= SECONDS_UP_TO:
        return "s"
    return "min" if span_s <= MINUTES_UP_TO else "h"


def time_label(unit: str = TIME_UNIT) -> str:
    """A time axis label: ``time_label("h") == "time since start (h)"``."""
    return label("time since start", unit)


def time_range(t0_s: float, t1_s: float, unit: str = TIME_UNIT) -> str:
    """Two times in ``unit`` (ms precision in seconds): ``"6.819–181.752 s"``, ``"1.5–70.2 h"``."""
    scale = TIME_UNITS[unit]
    digits = 3 if unit == "s" else 1
    return f"{t0_s / scale:,.{digits}f}–{t1_s / scale:,.{digits}f} {unit}"


def time_at(t_s: float, unit: str = TIME_UNIT) -> str:
    """A time in ``unit``, one decimal: ``"45.8 s"``, ``"12.5 h"``."""
    return f"{t_s / TIME_UNITS[unit]:,.1f} {unit}"


def usd(x: float) -> str:
    """A dollar amount with thousands separators and the unit: ``"1,234,567 USDT"``."""
    return f"{x:,.0f} {NOTIONAL_UNIT}"


def usd_short(x: float) -> str:
    """A dollar amount in three significant figures with k/M/B and the unit: ``"1.23M USDT"``."""
    x = float(f"{x:.3g}")  # round first, so 999,999 reads "1M", not "1e+03k"
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix} {NOTIONAL_UNIT}"
    return f"{x:.3g} {NOTIONAL_UNIT}"


def delay(seconds: float) -> str:
    """A delay in three significant figures, in ms below a second: ``"150 ms"``, ``"8.98 s"``."""
    ms = float(f"{seconds * 1e3:.3g}")  # round first, so 0.9996 s reads "1 s", not "1e+03 ms"
    return f"{ms:g} ms" if abs(ms) < 1000 else f"{seconds:.3g} s"
