"""Mark price (what liquidations trigger on) — MECHANICS.md §2.

Binance: median of the funding-adjusted index, index + 30 s basis average and last price.
Hyperliquid: median of oracle + 150 s basis EMA, the book's median price and external mids.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from sim.market.sides import check_non_negative, check_positive


def _check_finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def binance_mark(
    index: float,
    last_funding_rate: float,
    t_to_next_funding: float,
    funding_interval: float,
    basis_ma: float,
    last_price: float,
) -> float:
    """Binance mark price M = median(P1, P2, last) (MECHANICS.md §2, Binance).

    P1 = I·(1 + F_last·t_to_next_funding/funding_interval), P2 = I + basis_ma, where
    ``basis_ma`` is the :class:`MovingAverage` of (perp mid − I). Times in seconds.
    """
    check_positive("index", index)
    _check_finite("last_funding_rate", last_funding_rate)
    check_positive("funding_interval", funding_interval)
    check_non_negative("t_to_next_funding", t_to_next_funding)
    if t_to_next_funding > funding_interval:
        raise ValueError(
            f"t_to_next_funding must be <= funding_interval ({funding_interval!r}), got {t_to_next_funding!r}"
        )
    _check_finite("basis_ma", basis_ma)
    check_positive("last_price", last_price)
    p1 = index * (1 + last_funding_rate * t_to_next_funding / funding_interval)
    p2 = index + basis_ma
    return sorted((p1, p2, float(last_price)))[1]


class MovingAverage:
    """Plain average of the last ``n`` samples: Binance's P2 basis, one sample a second
    (MECHANICS.md §2, Binance). ``value`` is 0.0 before the first sample."""

    def __init__(self, n: int = 30) -> None:
        if not (isinstance(n, int) and n > 0):
            raise ValueError(f"n must be an integer > 0, got {n!r}")
        self._samples: deque[float] = deque(maxlen=n)

    def add(self, x: float) -> None:
        """Append a sample, dropping the oldest once ``n`` are held."""
        self._samples.append(_check_finite("x", x))

    @property
    def value(self) -> float:
        return sum(self._samples) / len(self._samples) if self._samples else 0.0


class IrregularEMA:
    """Time-weighted EMA of irregular samples, Hyperliquid's mark basis (MECHANICS.md §2).

    Each sample x at time t is weighted by dt = t − (previous sample time):
    num ← num·e^(−dt/τ) + x·dt, den ← den·e^(−dt/τ) + dt, value = num/den.
    The first sample has no previous time, so it only starts the clock (weight 0);
    ``value`` is 0.0 until den > 0, i.e. before two samples at different times.
    """

    def __init__(self, tau: float = 150.0) -> None:
        self._tau = check_positive("tau", tau)
        self._num = 0.0
        self._den = 0.0
        self._t: float | None = None

    def add(self, x: float, t: float) -> None:
        """Add sample ``x`` taken at time ``t`` (seconds, non-decreasing)."""
        _check_finite("x", x)
        _check_finite("t", t)
        if self._t is not None:
            dt = t - self._t
            if dt < 0:
                raise ValueError(f"t must be >= the previous sample time {self._t!r}, got {t!r}")
            decay = math.exp(-dt / self._tau)
            self._num = self._num * decay + x * dt
            self._den = self._den * decay + dt
        self._t = float(t)

    @property
    def value(self) -> float:
        return self._num / self._den if self._den > 0 else 0.0


def hyperliquid_mark(
    oracle: float,
    basis_ema: float,
    best_bid: float,
    best_ask: float,
    last_price: float,
    external_mids: Sequence[float] = (),
) -> float:
    """Hyperliquid mark price (MECHANICS.md §2, Hyperliquid).

    median(O + basis_ema, median(bid, ask, last), *external_mids), where ``basis_ema`` is
    the :class:`IrregularEMA` of (perp mid − O). With an even number of inputs (e.g. no
    external mids) the median is the mean of the two middle ones.
    """
    check_positive("oracle", oracle)
    _check_finite("basis_ema", basis_ema)
    check_positive("best_bid", best_bid)
    check_positive("best_ask", best_ask)
    check_positive("last_price", last_price)
    for mid in external_mids:
        check_positive("external_mids", mid)
    book = sorted((float(best_bid), float(best_ask), float(last_price)))[1]
    return float(np.median([oracle + basis_ema, book, *external_mids]))
