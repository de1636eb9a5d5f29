"""ADL ranking (docs/MECHANICS.md §5): Binance and Hyperliquid scores, and the queue kept between calls.

The waterfall that decides when ADL runs, and the settlement of a closed position's margin,
live in ``sim.market.clearing``.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Iterator
from itertools import chain
from operator import itemgetter

import numpy as np

from sim.market.positions import PositionBook
from sim.market.sides import LONG, check_positive, check_side

ADL_METHODS = ("binance", "hyperliquid")


def _scores(s: int, q: np.ndarray, e: np.ndarray, mg: np.ndarray, m: float, method: str) -> np.ndarray:
    """Auto-deleveraging ranking scores of positions on side ``s`` at mark ``m`` (MECHANICS.md §5, ADL).

    ``s`` is the side being ranked: the profitable opposite side of a bankrupt liquidation;
    ``q``, ``e``, ``mg`` are checked arrays of qty, entry and margin (a position book's open
    records are). With ``upnl = s·Q·(mark − entry)`` and account value ``V = margin + upnl``:

    - ``"binance"`` (2nd): PnL% × effective leverage = ``upnl/(Q·entry) · Q·mark/V``;
    - ``"hyperliquid"`` (doc): ``(mark/entry)·(Q·mark/V)`` for longs,
      ``(entry/mark)·(Q·mark/V)`` for shorts.

    Only profitable positions (``upnl > 0``) are scored, the others get ``-inf``; a profitable
    position with ``V <= 0`` (negative margin) counts as infinitely leveraged: ``+inf``.
    """
    upnl = s * q * (m - e)
    value = mg + upnl
    price_ratio = m / e if s == LONG else e / m
    weight = upnl / (q * e) if method == "binance" else price_ratio  # PnL% or price ratio
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        leverage = np.where(value > 0, q * m / value, np.inf)
        return np.where(upnl > 0, weight * leverage, -np.inf)


def _score(s: int, q: float, e: float, mg: float, m: float, method: str) -> float:
    """``_scores`` of one record, in the same float operations (so the same result)."""
    upnl = s * q * (m - e)
    if not upnl > 0:
        return -math.inf
    value = mg + upnl
    weight = upnl / (q * e) if method == "binance" else (m / e if s == LONG else e / m)
    return weight * (q * m / value if value > 0 else math.inf)


def _adl_ranks(book: PositionBook, side: int, mark: float, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(profitable pids on ``side``, highest ``_scores`` first and ties by pid; their negated
    scores; the other open pids on ``side``, ascending)."""
    if method not in ADL_METHODS:
        raise ValueError(f"method must be one of {ADL_METHODS}, got {method!r}")
    pids = book.pids(side)
    score = _scores(side, book.qty[pids], book.entry[pids], book.margin[pids], check_positive("mark", mark), method)
    keep = score > 0
    ranked, neg = pids[keep], -score[keep]
    order = np.lexsort((ranked, neg))
    return ranked[order], neg[order], pids[~keep]


class AdlRanking:
    """The ADL queue of one side of a position book, kept between calls (MECHANICS.md §5, ADL):
    its profitable positions, highest score first (ties by pid), then the others by ascending pid.

    At a new mark, or after the book started a new journal epoch, the side is ranked afresh; at
    the same mark only the records journaled since the last call are re-scored and moved, so a
    cascade of bankrupt liquidations at one mark ranks the side once.
    """

    def __init__(self, book: PositionBook, side: int, method: str) -> None:
        if method not in ADL_METHODS:
            raise ValueError(f"method must be one of {ADL_METHODS}, got {method!r}")
        self.book, self.side, self.method = book, check_side("side", side), method
        self._mark: float | None = None  # the mark of the last ranking; None: not ranked yet
        self._token = book.journal()
        self._ranked: list[tuple[float, int]] = []  # (−score, pid) ascending: best first, ties by pid
        self._neg: dict[int, float] = {}  # pid → −score of the ranked ones
        self._rest: list[int] = []  # the other open pids on the side, ascending

    def queue(self, mark: float) -> Iterator[int]:
        """The queue at ``mark``, lazily; valid until the next call."""
        changed = self.book.written_since(self._token) if mark == self._mark else None
        self._token = self.book.journal()
        if changed is None:
            self._rank(mark)
        else:
            for pid in set(changed):
                self._move(pid)
        return chain(map(itemgetter(1), self._ranked), self._rest)

    def _rank(self, mark: float) -> None:
        """Score every open pid on the side at ``mark``."""
        ranked, neg, rest = _adl_ranks(self.book, self.side, mark, self.method)
        self._mark = mark
        self._ranked = list(zip(neg.tolist(), ranked.tolist(), strict=True))
        self._neg = dict(zip(ranked.tolist(), neg.tolist(), strict=True))
        self._rest = rest.tolist()

    def _move(self, pid: int) -> None:
        """Take a written ``pid`` out of its place and put it where its new state ranks it."""
        neg = self._neg.pop(pid, None)
        if neg is not None:
            del self._ranked[bisect_left(self._ranked, (neg, pid))]
        else:
            at = bisect_left(self._rest, pid)
            if at < len(self._rest) and self._rest[at] == pid:
                del self._rest[at]
        book = self.book
        if book.side[pid] != self.side:
            return
        score = _score(
            self.side, float(book.qty[pid]), float(book.entry[pid]), float(book.margin[pid]), self._mark, self.method
        )
        if score > 0:
            self._neg[pid] = -score
            insort(self._ranked, (-score, pid))
        else:
            insort(self._rest, pid)
