"""Liquidation accounting: fee, insurance-fund shortfall, bad debt, ADL ranking — MECHANICS.md §5."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sim.market.margin import finite_array
from sim.market.positions import PositionBook
from sim.market.sides import LONG, check_fraction, check_non_negative, check_positive, check_side

ADL_METHODS = ("binance", "hyperliquid")


def liquidation_fee(notional: float, rate: float, available: float) -> float:
    """Fee ``rate·notional`` into the insurance fund, capped by the margin left (§5, Binance).

    Never negative: with nothing ``available`` the fee is 0.
    """
    fee = check_fraction("rate", rate) * check_non_negative("notional", notional)
    if not math.isfinite(available):
        raise ValueError(f"available must be finite, got {available!r}")
    return min(fee, max(available, 0.0))


@dataclass(frozen=True)
class LiquidationSettlement:
    """Where a liquidated position's margin goes (MECHANICS.md §5).

    ``margin + realised_pnl == to_owner + fee − from_fund − bad_debt``.
    """

    fee: float  # to the insurance fund
    to_owner: float  # margin left returned to the owner (>= 0)
    from_fund: float  # shortfall the insurance fund pays (>= 0)
    bad_debt: float  # shortfall the fund could not cover (>= 0): goes to ADL / socialised


def settle_liquidation(
    margin: float, realised_pnl: float, notional: float, fee_rate: float, fund_balance: float
) -> LiquidationSettlement:
    """Settle a closed liquidation (MECHANICS.md §5, Binance: fee, fund, bankruptcy).

    With ``rest = margin + realised_pnl`` after the close: if ``rest >= 0`` the fee is
    ``min(fee_rate·notional, rest)`` and the owner gets the remainder; otherwise the position
    closed worse than bankruptcy: no fee, the fund pays ``min(−rest, max(fund_balance, 0))``
    and the remainder is bad debt.
    """
    for name, value in (("margin", margin), ("realised_pnl", realised_pnl), ("fund_balance", fund_balance)):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
    fee = check_fraction("fee_rate", fee_rate) * check_non_negative("notional", notional)
    rest = margin + realised_pnl
    if rest >= 0:
        fee = min(fee, rest)
        return LiquidationSettlement(fee=fee, to_owner=rest - fee, from_fund=0.0, bad_debt=0.0)
    from_fund = min(-rest, max(fund_balance, 0.0))
    return LiquidationSettlement(fee=0.0, to_owner=0.0, from_fund=from_fund, bad_debt=-rest - from_fund)


def adl_scores(side: int, qty: ArrayLike, entry: ArrayLike, margin: ArrayLike, mark: float, method: str) -> np.ndarray:
    """Auto-deleveraging ranking scores of positions on ``side`` (MECHANICS.md §5, ADL).

    ``side`` is the side being ranked: the profitable opposite side of a bankrupt liquidation.
    With ``upnl = s·Q·(mark − entry)`` and account value ``V = margin + upnl``:

    - ``"binance"`` (2nd): PnL% × effective leverage = ``upnl/(Q·entry) · Q·mark/V``;
    - ``"hyperliquid"`` (doc): ``(mark/entry)·(Q·mark/V)`` for longs,
      ``(entry/mark)·(Q·mark/V)`` for shorts.

    Only profitable positions (``upnl > 0``) are scored, the others get ``-inf``; a profitable
    position with ``V <= 0`` (negative margin) counts as infinitely leveraged: ``+inf``.
    """
    s = check_side("side", side)
    if method not in ADL_METHODS:
        raise ValueError(f"method must be one of {ADL_METHODS}, got {method!r}")
    q = finite_array("qty", qty, min_value=0.0, strict=True)
    e = finite_array("entry", entry, min_value=0.0, strict=True)
    mg = finite_array("margin", margin)
    return _scores(s, q, e, mg, check_positive("mark", mark), method)


def _scores(s: int, q: np.ndarray, e: np.ndarray, mg: np.ndarray, m: float, method: str) -> np.ndarray:
    """``adl_scores`` of checked arrays (a position book's open records are)."""
    upnl = s * q * (m - e)
    value = mg + upnl
    price_ratio = m / e if s == LONG else e / m
    weight = upnl / (q * e) if method == "binance" else price_ratio  # PnL% or price ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        leverage = np.where(value > 0, q * m / value, np.inf)
        return np.where(upnl > 0, weight * leverage, -np.inf)


def adl_order(book: PositionBook, side: int, mark: float, method: str) -> np.ndarray:
    """Pids on ``side`` to auto-deleverage, highest ``adl_scores`` first, ties by pid (§5)."""
    return _adl_ranks(book, side, mark, method)[0]


def adl_queue(book: PositionBook, side: int, mark: float, method: str) -> np.ndarray:
    """Every open pid on ``side``: ``adl_order``'s, then the unprofitable ones by ascending pid."""
    ranked, rest = _adl_ranks(book, side, mark, method)
    return np.concatenate((ranked, rest))


def _adl_ranks(book: PositionBook, side: int, mark: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(ranked profitable pids, the other pids ascending) on ``side``."""
    if method not in ADL_METHODS:
        raise ValueError(f"method must be one of {ADL_METHODS}, got {method!r}")
    pids = book.pids(side)
    score = _scores(side, book.qty[pids], book.entry[pids], book.margin[pids], check_positive("mark", mark), method)
    keep = score > 0
    ranked, score = pids[keep], score[keep]
    return ranked[np.lexsort((ranked, -score))], pids[~keep]
