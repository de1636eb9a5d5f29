"""Funding: premium samples, the funding rate and the payments — MECHANICS.md §3.

Rates are fractions per funding interval (0.0001 = 0.01%); payments are in quote currency,
positive when the position receives.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from sim.market.sides import check_non_negative, check_positive


def premium_sample(impact_bid: float, impact_ask: float, index: float) -> float:
    """Premium index sample [max(0, IB − I) − max(0, I − IA)] / I (MECHANICS.md §3).

    ``impact_bid``/``impact_ask`` are the average fill prices of a market sell/buy of the
    impact notional, so ``impact_bid <= impact_ask``.
    """
    check_positive("impact_bid", impact_bid)
    check_positive("impact_ask", impact_ask)
    check_positive("index", index)
    if impact_bid > impact_ask:
        raise ValueError(f"impact_bid must be <= impact_ask ({impact_ask!r}), got {impact_bid!r}")
    return (max(0.0, impact_bid - index) - max(0.0, index - impact_ask)) / index


def impact_notional(initial_margin_rate_at_max_leverage: float, base: float = 200.0) -> float:
    """Binance impact notional = 200 USDT / IMR at max leverage, 4,000 at 20x (§3, Binance)."""
    imr = check_positive("initial_margin_rate_at_max_leverage", initial_margin_rate_at_max_leverage)
    if imr > 1:
        raise ValueError(f"initial_margin_rate_at_max_leverage must be <= 1, got {imr!r}")
    return check_positive("base", base) / imr


def average_premium(samples: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Average of the premium samples over a funding interval (MECHANICS.md §3).

    ``weights=None`` gives the plain mean. Binance's time-weighted average gives sample i
    (1-based, oldest first) weight i: pass ``weights=np.arange(1, n + 1)``.
    """
    s = np.asarray(samples, dtype=float)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)):
        raise ValueError(f"samples must be a non-empty 1-d sequence of finite numbers, got {samples!r}")
    if weights is None:
        return float(s.mean())
    w = np.asarray(weights, dtype=float)
    if w.shape != s.shape or not np.all(np.isfinite(w) & (w >= 0)) or w.sum() <= 0:
        raise ValueError(f"weights must be {s.size} finite numbers >= 0 with a positive sum, got {weights!r}")
    return float(np.dot(w, s) / w.sum())


def funding_rate(
    avg_premium: float,
    interval_hours: float = 8.0,
    interest_8h: float = 0.0001,
    clamp: float = 0.0005,
    cap: float | None = None,
) -> float:
    """Funding rate for one interval (MECHANICS.md §3, Binance).

    F_8h = P̄ + clamp(r − P̄, −c, +c) with r and c per 8 h; the rate for an N-hour interval
    is F_8h / (8/N); then |F| <= ``cap`` if given (see :func:`binance_funding_cap`).
    """
    if not math.isfinite(avg_premium):
        raise ValueError(f"avg_premium must be finite, got {avg_premium!r}")
    check_positive("interval_hours", interval_hours)
    if not math.isfinite(interest_8h):
        raise ValueError(f"interest_8h must be finite, got {interest_8h!r}")
    check_non_negative("clamp", clamp)
    f_8h = avg_premium + min(max(interest_8h - avg_premium, -clamp), clamp)
    rate = f_8h / (8.0 / interval_hours)
    if cap is not None:
        check_positive("cap", cap)
        rate = min(max(rate, -cap), cap)
    return rate


def binance_funding_cap(mmr: float, factor: float = 0.75) -> float:
    """Binance cap on |F| per interval: 0.75 · MMR (MECHANICS.md §3, Binance)."""
    if not (math.isfinite(mmr) and 0 < mmr < 1):
        raise ValueError(f"mmr must be in (0, 1), got {mmr!r}")
    return check_positive("factor", factor) * mmr


def _positions(side: ArrayLike, qty: ArrayLike, price: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Validated (side, qty) as float arrays."""
    s = np.asarray(side)
    q = np.asarray(qty, dtype=float)
    if s.ndim != 1 or not np.all((s == 1) | (s == -1)):
        raise ValueError(f"side must be a 1-d array of +1/-1, got {side!r}")
    if q.shape != s.shape or not np.all(np.isfinite(q) & (q >= 0)):
        raise ValueError(f"qty must be {s.size} finite numbers >= 0, got {qty!r}")
    check_positive("price", price)
    if not math.isfinite(rate):
        raise ValueError(f"rate must be finite, got {rate!r}")
    return s.astype(float), q


def funding_payments(side: ArrayLike, qty: ArrayLike, price: float, rate: float) -> np.ndarray:
    """Funding payment per position, positive = receives (MECHANICS.md §3).

    payment_i = −side_i · qty_i · price · rate: longs (+1) pay shorts when rate > 0, shorts
    pay longs when rate < 0. ``qty`` is the unsigned size. The payments sum to zero when
    long and short open interest are equal; otherwise to −(long OI − short OI) · price · rate.
    """
    s, q = _positions(side, qty, price, rate)
    return -s * q * price * rate


def annualised(rate: float, interval_hours: float) -> float:
    """Rate per ``interval_hours`` as a simple (non-compounded) yearly rate: × 365·24/N."""
    if not math.isfinite(rate):
        raise ValueError(f"rate must be finite, got {rate!r}")
    return rate * (365 * 24 / check_positive("interval_hours", interval_hours))
