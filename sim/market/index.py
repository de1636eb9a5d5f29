"""Index (spot reference) price of a perp venue — MECHANICS.md §1.

Binance's rule (weighted mean of spot venues with stale and outlier sources dropped) and
Hyperliquid's oracle (stake-weighted median of per-validator weighted medians).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sim.market.sides import check_non_negative, check_positive


@dataclass(frozen=True)
class IndexResult:
    """Outcome of :func:`index_price`."""

    price: float  # nan if no usable source
    weights: tuple[float, ...]  # effective weights: sum 1, or all 0 (median rule / no source)
    method: str  # "weighted" | "median" | "none"
    used: tuple[bool, ...]  # which sources contributed


def _vector(name: str, values: ArrayLike, n: int | None = None) -> np.ndarray:
    """``values`` as a 1-d float array (of length ``n`` if given), else ValueError naming it."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or (n is not None and arr.size != n):
        want = "a 1-d sequence" if n is None else f"a 1-d sequence of length {n}"
        raise ValueError(f"{name} must be {want}, got {values!r}")
    return arr


def _check_weights(name: str, weights: ArrayLike, n: int) -> np.ndarray:
    w = _vector(name, weights, n)
    if not np.all(np.isfinite(w) & (w >= 0)):
        raise ValueError(f"{name} must be finite numbers >= 0, got {weights!r}")
    return w


def _check_prices(name: str, prices: ArrayLike) -> np.ndarray:
    """Prices as an array; nan marks a missing quote, anything else must be finite > 0."""
    p = _vector(name, prices)
    bad = ~np.isnan(p) & ~(np.isfinite(p) & (p > 0))
    if bad.any():
        raise ValueError(f"{name} must be finite numbers > 0 or nan, got {prices!r}")
    return p


def index_price(
    prices: ArrayLike,
    weights: ArrayLike,
    updated_at: ArrayLike,
    now: float,
    stale_after: float = 300.0,
    outlier: float = 0.05,
) -> IndexResult:
    """Binance USDⓈ-M index from several spot sources (MECHANICS.md §1, Binance).

    A source is *fresh* when its price is not nan, ``now - updated_at <= stale_after`` and
    its configured weight is > 0 (a zero-weight source is disabled); other sources get
    weight 0. A fresh source more than ``outlier`` (a fraction) from the median of the
    fresh sources deviates: with one deviating source it gets weight 0 and the index is
    the weighted mean of the others with renormalised weights; with more than one the
    index is the plain median of the fresh sources (mean of the two middle ones for an
    even count) and all weights are reported as 0. No fresh source: price nan, "none".
    """
    p = _check_prices("prices", prices)
    w = _check_weights("weights", weights, p.size)
    t = _vector("updated_at", updated_at, p.size)
    if not np.all(np.isfinite(t)):
        raise ValueError(f"updated_at must be finite, got {updated_at!r}")
    if not math.isfinite(now):
        raise ValueError(f"now must be finite, got {now!r}")
    check_positive("stale_after", stale_after)
    check_non_negative("outlier", outlier)

    fresh = ~np.isnan(p) & (now - t <= stale_after) & (w > 0)
    if not fresh.any():
        return IndexResult(math.nan, (0.0,) * p.size, "none", (False,) * p.size)
    med = float(np.median(p[fresh]))
    deviating = fresh & (np.abs(p - med) > outlier * med)
    if deviating.sum() > 1:
        return IndexResult(med, (0.0,) * p.size, "median", tuple(bool(f) for f in fresh))
    used = fresh & ~deviating
    eff = np.where(used, w, 0.0)
    eff /= eff.sum()
    price = float(np.dot(eff, np.where(used, p, 0.0)))
    return IndexResult(
        price, tuple(float(x) for x in eff), "weighted", tuple(bool(u) for u in used)
    )


def weighted_median(values: ArrayLike, weights: ArrayLike) -> float:
    """Weighted median, the Hyperliquid validator step (MECHANICS.md §1, Hyperliquid).

    Entries with a nan value or zero weight are ignored; nan if none is left. Sorted by
    value, the median is the first value whose cumulative weight reaches half the total.
    Tie rule: when that cumulative weight equals half the total exactly (to 1e-12
    relative), the result is the mean of that value and the next one, so equal weights
    give the ordinary median.
    """
    v = _vector("values", values)
    w = _check_weights("weights", weights, v.size)
    if np.isinf(v).any():
        raise ValueError(f"values must be finite or nan, got {values!r}")
    keep = ~np.isnan(v) & (w > 0)
    if not keep.any():
        return math.nan
    order = np.argsort(v[keep], kind="stable")
    v, w = v[keep][order], w[keep][order]
    cum = np.cumsum(w)
    half = cum[-1] / 2
    k = int(np.searchsorted(cum, half * (1 - 1e-12)))
    if k + 1 < v.size and math.isclose(cum[k], half, rel_tol=1e-12):
        return float((v[k] + v[k + 1]) / 2)
    return float(v[k])


def hyperliquid_oracle(
    validator_prices: Sequence[Sequence[float]], source_weights: ArrayLike, stake: ArrayLike
) -> float:
    """Hyperliquid oracle price (MECHANICS.md §1, Hyperliquid).

    Each row of ``validator_prices`` is one validator's view of the spot sources (nan for
    a missing quote); the validator publishes the ``source_weights``-weighted median of its
    row, and the oracle is the ``stake``-weighted median of those (validators with no
    quote at all are left out; nan if no validator has one).
    """
    sw = _vector("source_weights", source_weights)
    _check_weights("source_weights", sw, sw.size)
    rows = [_check_prices("validator_prices", row) for row in validator_prices]
    if any(row.size != sw.size for row in rows):
        raise ValueError(
            f"validator_prices rows must each have {sw.size} prices, got {validator_prices!r}"
        )
    s = _check_weights("stake", stake, len(rows))
    medians = [weighted_median(row, sw) for row in rows]
    return weighted_median(medians, s)
