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


def _floats(name: str, values: ArrayLike, n: int | None = None) -> list[float]:
    """``values`` as a list of floats (of length ``n`` if given), else ValueError naming it."""
    try:
        out = [float(x) for x in (values.tolist() if isinstance(values, np.ndarray) else values)]
    except (TypeError, ValueError):
        out = None
    if out is None or (n is not None and len(out) != n):
        want = "a 1-d sequence" if n is None else f"a 1-d sequence of length {n}"
        raise ValueError(f"{name} must be {want}, got {values!r}")
    return out


def _check_weights(name: str, weights: ArrayLike, n: int) -> np.ndarray:
    w = _vector(name, weights, n)
    if not np.all(np.isfinite(w) & (w >= 0)):
        raise ValueError(f"{name} must be finite numbers >= 0, got {weights!r}")
    return w


NO_PRICE = math.nan  # a source with no price (yet): nan, not None, so prices stay one float vector


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
    p = _floats("prices", prices)
    n = len(p)
    w = _floats("weights", weights, n)
    t = _floats("updated_at", updated_at, n)
    if not all(x != x or (math.isfinite(x) and x > 0) for x in p):
        raise ValueError(f"prices must be finite numbers > 0 or nan, got {prices!r}")
    if not all(math.isfinite(x) and x >= 0 for x in w):
        raise ValueError(f"weights must be finite numbers >= 0, got {weights!r}")
    if not all(math.isfinite(x) for x in t):
        raise ValueError(f"updated_at must be finite, got {updated_at!r}")
    if not math.isfinite(now):
        raise ValueError(f"now must be finite, got {now!r}")
    check_positive("stale_after", stale_after)
    check_non_negative("outlier", outlier)
    # a handful of sources: plain Python beats numpy's per-call overhead here
    fresh = [i for i in range(n) if p[i] == p[i] and now - t[i] <= stale_after and w[i] > 0]
    if not fresh:
        return IndexResult(math.nan, (0.0,) * n, "none", (False,) * n)
    ordered = sorted(p[i] for i in fresh)
    half = len(ordered) // 2
    med = ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2
    deviating = {i for i in fresh if abs(p[i] - med) > outlier * med}
    if len(deviating) > 1:
        fresh_set = set(fresh)
        return IndexResult(med, (0.0,) * n, "median", tuple(i in fresh_set for i in range(n)))
    used = [i for i in fresh if i not in deviating]
    total = sum(w[i] for i in used)
    eff = [w[i] / total if i in used else 0.0 for i in range(n)]
    price = sum(eff[i] * p[i] for i in used)
    used_set = set(used)
    return IndexResult(price, tuple(eff), "weighted", tuple(i in used_set for i in range(n)))


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


def median_index(prices: ArrayLike, weights: ArrayLike, updated_at: ArrayLike, now: float, stale_after: float) -> float:
    """A Hyperliquid-style index: the ``weights``-weighted median of the fresh sources' prices
    (MECHANICS.md §1, Hyperliquid, one validator's view); nan when no source is fresh."""
    p, w, t = _floats("prices", prices), _floats("weights", weights), _floats("updated_at", updated_at)
    fresh = [i for i in range(len(p)) if p[i] == p[i] and now - t[i] <= stale_after and w[i] > 0]
    if not fresh:
        return math.nan
    return weighted_median([p[i] for i in fresh], [w[i] for i in fresh])


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
        raise ValueError(f"validator_prices rows must each have {sw.size} prices, got {validator_prices!r}")
    s = _check_weights("stake", stake, len(rows))
    medians = [weighted_median(row, sw) for row in rows]
    return weighted_median(medians, s)
