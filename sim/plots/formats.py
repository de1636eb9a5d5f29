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
