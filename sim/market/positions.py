"""All positions of one perp venue in numpy arrays, indexed by liquidation price — MECHANICS.md §4.

One-way mode: a record (``pid``) holds one owner's position in the market — ``side`` (+1 long,
-1 short, 0 flat), ``qty >= 0``, ``entry`` and ``margin`` (the collateral of the record;
realised PnL is added to it, so for a market maker it is the venue wallet). Derived per
record: the isolated liquidation price (§4, with ``margin`` as ``WB``) and the bankruptcy
price (§5); both are NaN while flat, and ``entry`` is 0.0.

Index: per side, the pids sorted by ``(liq_price, pid)`` so that "liquidatable at mark M" is a
binary search plus a slice. Records changed since the last merge sit in a small unsorted
buffer (their sorted entries, if any, are stale and skipped); queries scan the buffer
linearly, and it is merged into the sorted arrays when it holds more than ``buffer_limit``
distinct pids. Repeated updates of a few active accounts therefore cost O(1) each; a merge
costs one O(n) memmove.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sim.market.margin import (
    MarginTiers,
    bankruptcy_price,
    finite_array,
    liquidation_price,
    liquidation_prices,
)
from sim.market.sides import LONG, SHORT, check_non_negative, check_positive, check_side

DUST = 1e-12  # a reducing fill within this fraction of the held qty closes the position
_SIDES = (LONG, SHORT)


def _locate(keys: np.ndarray, ids: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Positions of ``(k[j], p[j])`` in arrays sorted by ``(keys, ids)`` (insertion points).

    Ties in ``keys`` are resolved by a search of ``ids`` within the run, one per tied item.
    """
    lo = np.searchsorted(keys, k, "left")
    hi = np.searchsorted(keys, k, "right")
    for j in np.flatnonzero(hi > lo):
        lo[j] += np.searchsorted(ids[lo[j] : hi[j]], p[j])
    return lo


class PositionBook:
    """Positions of one perp venue, ordered by liquidation price per side (MECHANICS.md §4–5).

    Read access: ``owner``, ``side``, ``qty``, ``entry``, ``margin``, ``liq_price`` and
    ``bankruptcy_price`` are read-only numpy arrays indexed by pid (flat records included).
    """

    def __init__(self, tiers: MarginTiers, capacity: int = 1024, buffer_limit: int = 64) -> None:
        if not isinstance(tiers, MarginTiers):
            raise ValueError(f"tiers must be a MarginTiers, got {tiers!r}")
        for name, value in (("capacity", capacity), ("buffer_limit", buffer_limit)):
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f"{name} must be an int > 0, got {value!r}")
        self.tiers = tiers
        self._limit = buffer_limit
        self._n = 0
        self._owner = np.zeros(capacity, np.int64)
        self._side = np.zeros(capacity, np.int8)
        self._qty = np.zeros(capacity)
        self._entry = np.zeros(capacity)
        self._margin = np.zeros(capacity)
        self._liq = np.full(capacity, np.nan)
        self._bp = np.full(capacity, np.nan)
        self._stale = np.zeros(capacity, bool)  # in the buffer: its sorted entry is outdated
        self._iside = np.zeros(capacity, np.int8)  # side whose sorted arrays hold it (0: none)
        self._ikey = np.zeros(capacity)  # the key it is held under there
        self._keys = {s: np.empty(0) for s in _SIDES}
        self._ids = {s: np.empty(0, np.int64) for s in _SIDES}
        self._buffer: list[int] = []
        self._buffer_arr: np.ndarray | None = None
        self._oi = {s: 0.0 for s in _SIDES}
        self._count = {s: 0 for s in _SIDES}

    # ----------------------------------------------------------------- read access
    def _view(self, a: np.ndarray) -> np.ndarray:
        v = a[: self._n]
        v.flags.writeable = False
        return v

    owner = property(lambda self: self._view(self._owner), doc="Owner id per pid.")
    side = property(lambda self: self._view(self._side), doc="+1 long, -1 short, 0 flat.")
    qty = property(lambda self: self._view(self._qty), doc="Quantity per pid (>= 0).")
    entry = property(lambda self: self._view(self._entry), doc="Entry price (0.0 when flat).")
    margin = property(lambda self: self._view(self._margin), doc="Collateral per pid.")
    liq_price = property(lambda self: self._view(self._liq), doc="Liquidation price (NaN flat).")
    bankruptcy_price = property(lambda self: self._view(self._bp), doc="Bankruptcy price (NaN flat).")

    def __len__(self) -> int:
        """Number of open (non-flat) positions."""
        return self._count[LONG] + self._count[SHORT]

    def open_interest(self, side: int) -> float:
        """Sum of qty of the open positions on ``side`` (kept incrementally)."""
        return self._oi[check_side("side", side)]

    def pids(self, side: int) -> np.ndarray:
        """Open positions on ``side``, ascending pid."""
        return np.flatnonzero(self._side[: self._n] == check_side("side", side))

    def _check_pids(self, pids: ArrayLike) -> np.ndarray:
        p = np.asarray(pids, dtype=np.int64)
        if p.size and (p.min() < 0 or p.max() >= self._n):
            bad = p[(p < 0) | (p >= self._n)].ravel()[0]
            raise ValueError(f"pids must be in [0, {self._n}), got {bad!r}")
        return p

    def _check_pid(self, pid: int) -> None:
        if not (isinstance(pid, int | np.integer) and 0 <= pid < self._n):
            raise ValueError(f"pid must be an int in [0, {self._n}), got {pid!r}")

    def upnl(self, pids: ArrayLike, mark: float) -> np.ndarray:
        """Unrealised PnL ``s·Q·(mark − entry)`` at ``mark`` (§4; 0 for flat records)."""
        p, m = self._check_pids(pids), check_positive("mark", mark)
        return self._side[p] * self._qty[p] * (m - self._entry[p])

    def equity(self, pids: ArrayLike, mark: float) -> np.ndarray:
        """Margin plus unrealised PnL at ``mark``."""
        return self._margin[self._check_pids(pids)] + self.upnl(pids, mark)

    # ------------------------------------------------------------------- queries
    def liquidatable(self, side: int, mark: float) -> np.ndarray:
        """Pids of open ``side`` positions whose liquidation price is crossed by ``mark``.

        Shorts: ``liq <= mark``; longs: ``liq >= mark`` (§4: triggers on the mark price; at the
        liquidation price equity equals maintenance). Deepest first: shorts by ascending
        ``(liq, pid)``, longs by descending ``(liq, pid)``. Cost: a binary search, the slice of
        hits and a scan of the buffer, independent of the population size.
        """
        s, m = check_side("side", side), check_positive("mark", mark)
        keys, ids = self._keys[s], self._ids[s]
        if s == SHORT:
            cut = slice(0, np.searchsorted(keys, m, "right"))
        else:
            cut = slice(np.searchsorted(keys, m, "left"), None)
        k, p = keys[cut], ids[cut]
        if self._buffer:
            live = ~self._stale[p]
            k, p = k[live], p[live]
            b = self._buffered()
            lb = self._liq[b]
            hit = b[(self._side[b] == s) & (s * (lb - m) >= 0)]
            if hit.size:
                hk = self._liq[hit]
                order = np.lexsort((hit, hk))
                hit, hk = hit[order], hk[order]
                p = np.insert(p, _locate(k, p, hk, hit), hit)
        return p.copy() if s == SHORT else p[::-1].copy()

    # ------------------------------------------------------------------- updates
    def open(self, owner: int, side: int, qty: float, entry: float, margin: float) -> int:
        """New record holding ``side·qty`` at ``entry`` with collateral ``margin``; its pid."""
        s = check_side("side", side)
        q, e = check_positive("qty", qty), check_positive("entry", entry)
        mg = check_non_negative("margin", margin)
        pid = self._append(owner)
        self._set(pid, s, q, e, mg)
        return pid

    def open_flat(self, owner: int, margin: float) -> int:
        """New flat record (an account that will trade later) with collateral ``margin``."""
        mg = check_non_negative("margin", margin)
        pid = self._append(owner)
        self._margin[pid] = mg
        return pid

    def open_many(
        self, owner: int | ArrayLike, side: int, qty: ArrayLike, entry: ArrayLike, margin: ArrayLike
    ) -> np.ndarray:
        """Vectorised ``open`` of a population (1-D arrays, broadcast together); the pids."""
        s = check_side("side", side)
        mg = finite_array("margin", margin, min_value=0.0)
        q, e, mg = np.broadcast_arrays(np.asarray(qty, dtype=float), np.asarray(entry, dtype=float), mg)
        if q.ndim != 1:
            raise ValueError(f"qty, entry and margin must be 1-D, got shape {q.shape}")
        own = np.asarray(owner)
        if own.dtype.kind not in "iu" or own.ndim > 1:
            raise ValueError(f"owner must be an int or a 1-D int array, got {owner!r}")
        liq = liquidation_prices(s, q, e, mg, self.tiers)  # validates qty, entry
        pids = np.arange(self._n, self._n + q.size)
        self._reserve(q.size)
        self._n += q.size
        self._owner[pids] = own
        self._side[pids] = s
        self._qty[pids], self._entry[pids], self._margin[pids] = q, e, mg
        self._liq[pids] = liq
        self._bp[pids] = bankruptcy_price(s, q, e, mg)
        self._oi[s] += float(q.sum())
        self._count[s] += q.size
        self._stale[pids] = True
        if q.size > self._limit:
            self._merge(np.concatenate((self._buffered(), pids)), bulk=True)
        else:
            self._buffer.extend(pids.tolist())
            self._buffer_arr = None
            if len(self._buffer) > self._limit:
                self._merge(self._buffered(), bulk=False)
        return pids

    def trade(self, pid: int, side: int, qty: float, price: float) -> float:
        """Fill of ``qty`` at ``price`` in direction ``side`` (BUY=+1 / SELL=-1) on record ``pid``.

        Same side or flat: adds at the weighted-average entry. Opposite: reduces, realising
        ``s·q·(price − entry)`` into the margin; a larger fill closes and opens the rest at
        ``price``. A fill within ``DUST`` (relative) of the held qty closes. Returns the
        realised PnL.
        """
        self._check_pid(pid)
        d = check_side("side", side)
        q, px = check_positive("qty", qty), check_positive("price", price)
        s, held = int(self._side[pid]), float(self._qty[pid])
        entry, margin = float(self._entry[pid]), float(self._margin[pid])
        if s in (0, d):
            total = held + q
            self._set(pid, d, total, (held * entry + q * px) / total, margin)
            return 0.0
        pnl = s * min(q, held) * (px - entry)
        if q > held * (1 + DUST):
            self._set(pid, d, q - held, px, margin + pnl)
        elif q < held * (1 - DUST):
            self._set(pid, s, held - q, entry, margin + pnl)
        else:
            self._set(pid, 0, 0.0, 0.0, margin + pnl)
        return pnl

    def close(self, pid: int, price: float) -> float:
        """Full close at ``price``: realised PnL into the margin, returned (0.0 if flat)."""
        self._check_pid(pid)
        px = check_positive("price", price)
        s = int(self._side[pid])
        if s == 0:
            return 0.0
        pnl = s * float(self._qty[pid]) * (px - float(self._entry[pid]))
        self._set(pid, 0, 0.0, 0.0, float(self._margin[pid]) + pnl)
        return pnl

    def deposit(self, pid: int, amount: float) -> None:
        """Add ``amount`` to the record's margin (its liquidation price moves away)."""
        self._check_pid(pid)
        self._set_margin(pid, float(self._margin[pid]) + check_positive("amount", amount))

    def withdraw(self, pid: int, amount: float | None = None) -> float:
        """Take ``amount`` (all of a positive margin if None) out of the margin; returns it."""
        self._check_pid(pid)
        margin = float(self._margin[pid])
        if amount is None:
            amount = max(margin, 0.0)
        elif check_positive("amount", amount) > margin:
            raise ValueError(f"amount must be <= margin {margin!r}, got {amount!r}")
        self._set_margin(pid, margin - amount)
        return float(amount)

    # ------------------------------------------------------------------ internals
    def _append(self, owner: int) -> int:
        if not isinstance(owner, int | np.integer):
            raise ValueError(f"owner must be an int, got {owner!r}")
        self._reserve(1)
        pid = self._n
        self._n += 1
        self._owner[pid] = owner
        return pid

    def _reserve(self, extra: int) -> None:
        """Grow every per-pid array (doubling) to hold ``extra`` more records."""
        need = self._n + extra
        cap = self._owner.size
        if need <= cap:
            return
        while cap < need:
            cap *= 2
        for name, fill in (
            ("_owner", 0),
            ("_side", 0),
            ("_qty", 0.0),
            ("_entry", 0.0),
            ("_margin", 0.0),
            ("_liq", np.nan),
            ("_bp", np.nan),
            ("_stale", False),
            ("_iside", 0),
            ("_ikey", 0.0),
        ):
            old = getattr(self, name)
            new = np.full(cap, fill, dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def _set_margin(self, pid: int, margin: float) -> None:
        s = int(self._side[pid])
        if s == 0:
            self._margin[pid] = margin
        else:
            self._set(pid, s, float(self._qty[pid]), float(self._entry[pid]), margin)

    def _set(self, pid: int, side: int, qty: float, entry: float, margin: float) -> None:
        """Write a record, keep OI and counts, and queue it for re-indexing."""
        old = int(self._side[pid])
        if old:
            self._count[old] -= 1
            self._oi[old] = self._oi[old] - float(self._qty[pid]) if self._count[old] else 0.0
        if side:
            self._count[side] += 1
            self._oi[side] += qty
            self._liq[pid] = liquidation_price(side, qty, entry, margin, self.tiers)
            self._bp[pid] = bankruptcy_price(side, qty, entry, margin)
        else:
            self._liq[pid] = self._bp[pid] = np.nan
        self._side[pid], self._qty[pid], self._entry[pid], self._margin[pid] = side, qty, entry, margin
        if not self._stale[pid]:
            self._stale[pid] = True
            self._buffer.append(pid)
            self._buffer_arr = None
            if len(self._buffer) > self._limit:
                self._merge(self._buffered(), bulk=False)

    def _buffered(self) -> np.ndarray:
        if self._buffer_arr is None:
            self._buffer_arr = np.array(self._buffer, dtype=np.int64)
        return self._buffer_arr

    def _merge(self, pids: np.ndarray, *, bulk: bool) -> None:
        """Re-index ``pids`` (all stale) in the sorted arrays and empty the buffer.

        Their old entries are located exactly by ``(key, pid)`` and deleted, the open ones
        inserted at their ``(liq, pid)`` places; ``bulk`` re-sorts everything instead.
        """
        held_side, held_key = self._iside[pids], self._ikey[pids]
        for s in _SIDES:
            keys, ids = self._keys[s], self._ids[s]
            gone = held_side == s
            if gone.any():
                pos = _locate(keys, ids, held_key[gone], pids[gone])
                keys, ids = np.delete(keys, pos), np.delete(ids, pos)
            new = pids[self._side[pids] == s]
            nk = self._liq[new]
            if new.size and bulk:
                keys, ids = np.concatenate((keys, nk)), np.concatenate((ids, new))
                order = np.lexsort((ids, keys))
                keys, ids = keys[order], ids[order]
            elif new.size:
                order = np.lexsort((new, nk))
                new, nk = new[order], nk[order]
                pos = _locate(keys, ids, nk, new)
                keys, ids = np.insert(keys, pos, nk), np.insert(ids, pos, new)
            self._ikey[new] = nk
            self._keys[s], self._ids[s] = keys, ids
        self._iside[pids] = self._side[pids]
        self._stale[pids] = False
        self._buffer.clear()
        self._buffer_arr = None
