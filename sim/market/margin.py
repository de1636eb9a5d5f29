"""Tiered maintenance margin, liquidation and bankruptcy prices — MECHANICS.md §4.

Sides follow ``sim.market.sides``: ``s = +1`` long, ``-1`` short. Quantities ``Q > 0`` are in
base units, prices and margins in quote currency. Functions marked "scalar or arrays" return
a float when every numeric argument is a scalar and a numpy array otherwise.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

from sim.market.sides import LONG, SHORT, check_non_negative, check_positive, check_side


def finite_array(name: str, value: ArrayLike, *, min_value: float | None = None, strict: bool = False) -> np.ndarray:
    """``value`` as a float array; ValueError naming ``name`` and the first bad entry.

    Entries must be finite and ``>= min_value`` (``> min_value`` when ``strict``).
    """
    a = np.asarray(value, dtype=float)
    ok = np.isfinite(a)
    if min_value is not None:
        ok &= a > min_value if strict else a >= min_value
    if not ok.all():
        i = int(np.flatnonzero(~ok.ravel())[0])
        rule = "" if min_value is None else f" {'>' if strict else '>='} {min_value:g}"
        raise ValueError(f"{name} must be finite{rule}, got {a.ravel()[i]!r} at index {i}")
    return a


def _positive(name: str, value: ArrayLike) -> float | np.ndarray:
    if type(value) is float or isinstance(value, Real):  # the exact type first: ABC checks are slow
        return check_positive(name, value)
    return finite_array(name, value, min_value=0.0, strict=True)


def _finite(name: str, value: ArrayLike) -> float | np.ndarray:
    if type(value) is float or isinstance(value, Real):
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{name} must be finite, got {value!r}")
        return v
    return finite_array(name, value)


def _out(value: np.ndarray | float) -> float | np.ndarray:
    """A float for a scalar or 0-d result, else the array."""
    return value if isinstance(value, np.ndarray) and value.ndim else float(value)


@dataclass(frozen=True)
class MarginTiers:
    """Binance maintenance-margin ladder (MECHANICS.md §4, "Tiered maintenance margin").

    Tier ``n`` covers notionals in ``(caps[n-1], caps[n]]``; a notional above the last cap
    uses the last tier. ``cums`` are derived: ``cum_0 = 0``,
    ``cum_n = cum_(n-1) + caps[n-1]·(mmrs[n] − mmrs[n-1])``, so ``MM = N·MMR − cum`` is
    continuous in ``N``.
    """

    caps: tuple[float, ...]
    mmrs: tuple[float, ...]
    max_leverage: tuple[float, ...]
    cums: tuple[float, ...] = field(init=False)
    # Per side, increasing tier-search thresholds for the liquidation price.
    _bounds: dict[int, tuple[float, ...]] = field(init=False, repr=False, compare=False)
    _arrays: dict[str | int, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        caps = tuple(float(c) for c in self.caps)
        mmrs = tuple(float(m) for m in self.mmrs)
        levs = tuple(float(x) for x in self.max_leverage)
        if not caps:
            raise ValueError("caps must not be empty")
        for name, seq in (("mmrs", mmrs), ("max_leverage", levs)):
            if len(seq) != len(caps):
                raise ValueError(f"{name} must have {len(caps)} entries like caps, got {len(seq)}")
        for i, c in enumerate(caps):
            if not (c > 0 and (math.isfinite(c) or i == len(caps) - 1)):
                raise ValueError(f"caps[{i}] must be > 0 (only the last may be inf), got {c!r}")
            if i and c <= caps[i - 1]:
                raise ValueError(f"caps must be strictly increasing, got caps[{i}]={c!r}")
        for i, m in enumerate(mmrs):
            if not 0 < m < 1:
                raise ValueError(f"mmrs[{i}] must be in (0, 1), got {m!r}")
            if i and m < mmrs[i - 1]:
                raise ValueError(f"mmrs must be non-decreasing, got mmrs[{i}]={m!r}")
        for i, lev in enumerate(levs):
            if not (1 <= lev < math.inf):
                raise ValueError(f"max_leverage[{i}] must be finite and >= 1, got {lev!r}")
            if i and lev > levs[i - 1]:
                raise ValueError(f"max_leverage must be non-increasing, got max_leverage[{i}]={lev!r}")
        cums = [0.0]
        for i in range(1, len(caps)):
            cums.append(cums[-1] + caps[i - 1] * (mmrs[i] - mmrs[i - 1]))
        # Equity − MM at notional N is f(N) = x + s·N − MM(N), x = WB − s·Q·EP, monotone in N.
        # The LP lies above tier n's cap iff s·f(cap_n) < 0, i.e. −s·x > cap_n − s·MM(cap_n):
        # the tier is the count of such caps (thresholds increasing in n for either side).
        inner = range(len(caps) - 1)
        bounds = {s: tuple(caps[n] - s * (caps[n] * mmrs[n] - cums[n]) for n in inner) for s in (LONG, SHORT)}
        arrays: dict[str | int, np.ndarray] = {
            "caps": np.array(caps),
            "mmrs": np.array(mmrs),
            "cums": np.array(cums),
        }
        arrays.update({s: np.array(b) for s, b in bounds.items()})
        for name, value in (
            ("caps", caps),
            ("mmrs", mmrs),
            ("max_leverage", levs),
            ("cums", tuple(cums)),
            ("_bounds", bounds),
            ("_arrays", arrays),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[float, float, float]]) -> MarginTiers:
        """Ladder from rows of ``(cap, mmr, max_leverage)``, lowest tier first."""
        rows = [tuple(r) for r in rows]
        for i, r in enumerate(rows):
            if len(r) != 3:
                raise ValueError(f"rows[{i}] must be (cap, mmr, max_leverage), got {r!r}")
        caps, mmrs, levs = zip(*rows, strict=True) if rows else ((), (), ())
        return cls(caps, mmrs, levs)

    @classmethod
    def flat(cls, mmr: float, max_leverage: float = 20.0) -> MarginTiers:
        """A single tier: ``MM = N·mmr`` for every notional."""
        return cls((math.inf,), (mmr,), (max_leverage,))

    @classmethod
    def altcoin_50x(cls) -> MarginTiers:
        """The 50x altcoin ladder of MECHANICS.md §4: 1/2.5/5/10/12.5/50% at 5k/25k/100k/250k/1M.

        Max leverage per tier is 1/(2·MMR) (50x, 20x, 10x, 5x, 4x, 1x); above 1M the 50% tier.
        """
        return cls.from_rows(
            [
                (5e3, 0.01, 50),
                (25e3, 0.025, 20),
                (100e3, 0.05, 10),
                (250e3, 0.10, 5),
                (1e6, 0.125, 4),
                (math.inf, 0.50, 1),
            ]
        )

    def tier(self, notional: ArrayLike) -> int | np.ndarray:
        """Index of the tier holding ``notional`` (``notional <= caps[n]``; scalar or arrays)."""
        last = len(self.caps) - 1
        if isinstance(notional, Real):
            return min(bisect_left(self.caps, check_non_negative("notional", notional)), last)
        n = finite_array("notional", notional, min_value=0.0)
        return np.minimum(np.searchsorted(self._arrays["caps"], n, "left"), last)

    def mmr_cum(self, notional: ArrayLike) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
        """``(MMR, cum)`` of the tier holding ``notional`` (scalar or arrays)."""
        t = self.tier(notional)
        if isinstance(t, int):
            return self.mmrs[t], self.cums[t]
        return self._arrays["mmrs"][t], self._arrays["cums"][t]

    def maintenance(self, notional: ArrayLike) -> float | np.ndarray:
        """Maintenance margin ``MM = N·MMR_tier − cum_tier`` (MECHANICS.md §4, Binance)."""
        mmr, cum = self.mmr_cum(notional)
        if isinstance(notional, Real):
            return float(notional) * mmr - cum
        return np.asarray(notional, dtype=float) * mmr - cum


def unrealised_pnl(side: int, qty: ArrayLike, entry: ArrayLike, mark: ArrayLike) -> float | np.ndarray:
    """``s·Q·(mark − entry)`` (the UPNL of MECHANICS.md §4; scalar or arrays)."""
    s = check_side("side", side)
    q, e, m = _positive("qty", qty), _positive("entry", entry), _positive("mark", mark)
    return _out(s * q * (m - e))


def bankruptcy_price(side: int, qty: ArrayLike, entry: ArrayLike, wallet: ArrayLike) -> float | np.ndarray:
    """Price where the position's margin is exactly zero: ``entry − s·wallet/Q`` (§4–5).

    "Bankruptcy price" line of MECHANICS.md §5. A long whose wallet covers its whole notional
    never goes bankrupt: 0.0. Scalar or arrays.
    """
    s = check_side("side", side)
    q, e, w = _positive("qty", qty), _positive("entry", entry), _finite("wallet", wallet)
    if type(q) is float and type(e) is float and type(w) is float:
        return bankruptcy_price_of(s, q, e, w)
    bp = e - s * w / q
    return _out(np.where(bp > 0, bp, 0.0) if s == LONG else bp)


def bankruptcy_price_of(s: int, q: float, e: float, w: float) -> float:
    """``bankruptcy_price`` (MECHANICS.md §5) of checked floats: ``s`` ±1, ``q``, ``e`` > 0, ``w`` finite."""
    bp = e - s * w / q
    return max(bp, 0.0) if s == LONG else bp


def liquidation_price(side: int, qty: float, entry: float, wallet: float, tiers: MarginTiers) -> float:
    """Isolated one-way liquidation price (MECHANICS.md §4, "Isolated-margin liquidation price").

    ``LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q)`` with the tier chosen consistently: the tier
    holding the notional ``Q·LP``. Equity minus maintenance, ``WB + s(N − Q·EP) − MM(N)`` at
    notional ``N``, is continuous and strictly monotone in ``N`` (MMR < 1), so its sign at the
    tier caps picks the one consistent tier; the caps' thresholds are precomputed by
    ``MarginTiers``. A long that can never be liquidated (``LP <= 0``) returns 0.0; a short always
    has a finite LP (MMR > 0 makes MM outgrow any wallet), possibly <= 0 when the wallet is
    negative (liquidatable at any price).
    """
    s = check_side("side", side)
    q, e = check_positive("qty", qty), check_positive("entry", entry)
    return liquidation_price_of(s, q, e, _finite("wallet", wallet), tiers)


def liquidation_price_of(s: int, q: float, e: float, w: float, tiers: MarginTiers) -> float:
    """``liquidation_price`` (MECHANICS.md §4) of checked floats: ``s`` ±1, ``q``, ``e`` > 0, ``w`` finite."""
    x = w - s * q * e
    t = bisect_left(tiers._bounds[s], -s * x)
    lp = (x + tiers.cums[t]) / (q * (tiers.mmrs[t] - s))
    return lp if s != LONG or lp > 0 else 0.0


def liquidation_prices(
    side: int, qty: ArrayLike, entry: ArrayLike, wallet: ArrayLike, tiers: MarginTiers
) -> np.ndarray:
    """``liquidation_price`` over arrays (same arithmetic, bit-identical results)."""
    s = check_side("side", side)
    q = finite_array("qty", qty, min_value=0.0, strict=True)
    e = finite_array("entry", entry, min_value=0.0, strict=True)
    x = finite_array("wallet", wallet) - s * q * e
    a = tiers._arrays
    t = np.searchsorted(a[s], -s * x, "left")
    lp = (x + a["cums"][t]) / (q * (a["mmrs"][t] - s))
    return np.where(lp > 0, lp, 0.0) if s == LONG else lp


def cross_liquidation_price(
    side: int,
    qty: float,
    entry: float,
    wallet: float,
    other_maintenance: float,
    other_upnl: float,
    tiers: MarginTiers,
) -> float:
    """Cross-margin liquidation price: ``WB − TMM₁ + UPNL₁`` in place of ``WB`` (§4, Binance).

    ``other_maintenance`` (TMM₁) and ``other_upnl`` (UPNL₁) are those of the account's other
    positions, held fixed while this market's price moves.
    """
    tmm = check_non_negative("other_maintenance", other_maintenance)
    wb = _finite("wallet", wallet) - tmm + _finite("other_upnl", other_upnl)
    return liquidation_price(side, qty, entry, wb, tiers)


def wallet_for_liquidation_price(
    side: int, qty: ArrayLike, entry: ArrayLike, liq: ArrayLike, tiers: MarginTiers
) -> float | np.ndarray:
    """Isolated margin that puts the liquidation price at ``liq`` (inverse of §4's LP).

    Equity equals maintenance at ``liq``: ``WB = MM(Q·liq) − s·Q·(liq − EP)``. Scalar or arrays.
    """
    s = check_side("side", side)
    q, e, lp = _positive("qty", qty), _positive("entry", entry), _positive("liq", liq)
    return _out(np.asarray(tiers.maintenance(q * lp)) - s * q * (lp - e))


def entry_for_liquidation_price(
    side: int,
    liq: ArrayLike,
    leverage: ArrayLike,
    tiers: MarginTiers,
    qty: ArrayLike | None = None,
) -> float | np.ndarray:
    """Entry price of a position opened at ``leverage`` (``WB = Q·EP/L``) whose LP is ``liq``.

    Solves ``Q·EP/L + s·Q·(liq − EP) = MM(Q·liq)`` (MECHANICS.md §4):
    ``EP = (liq·(MMR − s) − cum/Q) / (1/L − s)`` with the tier of ``Q·liq``. Without ``qty`` the
    notional at liquidation is taken to be in the first tier (``cum = 0``: ``Q`` drops out).
    A long needs ``leverage > 1`` (at 1x it is never liquidated). Scalar or arrays.
    """
    s = check_side("side", side)
    lp, lev = _positive("liq", liq), _positive("leverage", leverage)
    if s == LONG and np.min(lev) <= 1:
        raise ValueError(f"leverage must be > 1 for a long, got {np.min(lev)!r}")
    if qty is None:
        mmr, cum_per_qty = tiers.mmrs[0], 0.0
    else:
        q = _positive("qty", qty)
        mmr, cum = tiers.mmr_cum(q * lp)
        cum_per_qty = cum / q
    return _out((lp * (mmr - s) - cum_per_qty) / (1 / lev - s))


def margin_ratio(maintenance: float, equity: float) -> float:
    """Binance margin ratio = maintenance margin / margin balance; >= 1 means liquidatable (§4).

    A non-positive margin balance gives ``inf``.
    """
    mm = check_non_negative("maintenance", maintenance)
    eq = _finite("equity", equity)
    return mm / eq if eq > 0 else math.inf


def hyperliquid_maintenance_rate(max_leverage: float) -> float:
    """Hyperliquid: maintenance margin = ½ × initial margin at max leverage (§4, Hyperliquid)."""
    lev = check_positive("max_leverage", max_leverage)
    if lev < 1:
        raise ValueError(f"max_leverage must be >= 1, got {max_leverage!r}")
    return 0.5 / lev


@dataclass(frozen=True)
class CrossMarginAccount:
    """State of a cross-margin account at given marks (MECHANICS.md §4, cross margin)."""

    upnl: float  # sum of the positions' unrealised PnL
    equity: float  # margin balance: wallet + upnl
    maintenance: float  # sum of the positions' tiered maintenance margins
    margin_ratio: float  # maintenance / equity (inf when equity <= 0)

    @property
    def liquidatable(self) -> bool:
        """Binance rule: margin ratio >= 100%."""
        return self.margin_ratio >= 1


def cross_margin_account(
    wallet: float,
    sides: Sequence[int],
    qtys: Sequence[float],
    entries: Sequence[float],
    marks: Sequence[float],
    tiers: MarginTiers | Sequence[MarginTiers],
) -> CrossMarginAccount:
    """Equity, maintenance and margin ratio of one account holding several positions.

    Position ``i`` is ``sides[i]·qtys[i]`` at ``entries[i]``, marked at ``marks[i]``, margined
    with ``tiers`` (one ladder for all, or one per position). Each position's MM comes from its
    own ladder at notional ``Q·mark`` (§4); the equity is ``wallet + Σ UPNL``.
    """
    n = len(sides)
    ladders = [tiers] * n if isinstance(tiers, MarginTiers) else list(tiers)
    for name, seq in (("qtys", qtys), ("entries", entries), ("marks", marks), ("tiers", ladders)):
        if len(seq) != n:
            raise ValueError(f"{name} must have {n} entries like sides, got {len(seq)}")
    upnl = sum(unrealised_pnl(*args) for args in zip(sides, qtys, entries, marks, strict=True))
    mm = sum(t.maintenance(q * m) for t, q, m in zip(ladders, qtys, marks, strict=True))
    equity = _finite("wallet", wallet) + upnl
    return CrossMarginAccount(float(upnl), float(equity), float(mm), margin_ratio(mm, equity))
