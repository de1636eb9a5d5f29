"""All positions of one perp venue in numpy arrays, indexed by liquidation price — MECHANICS.md §4.

One-way mode: a record (``pid``) holds one owner's position in the market — ``side`` (+1 long,
-1 short, 0 flat), ``qty >= 0``, ``entry`` and ``margin`` (the collateral of the record;
realised PnL is added to it, so for a market maker it is the venue wallet). Derived per
record: the isolated liquidation price (§4, with ``margin`` as ``WB``) and the bankruptcy
price (§5); both are NaN while flat, and ``entry`` is 0.0.

Index: per side, the pids sorted by ``(liq_price, pid)`` so that "liquidatable at mark M" is a
binary search plus a slice. Records changed since the last merge sit in an unsorted buffer
(their sorted entries, if any, are stale and skipped); queries scan it (vectorised), and it
is merged into the sorted arrays when it holds more than ``buffer_limit`` distinct pids.
Repeated updates of a few active accounts therefore cost O(1) each; a merge, amortised over
``buffer_limit`` updates, copies a small index (``np.delete`` / ``np.insert``) and splices a
large one in place: at most one O(n) memmove plus O(buffer_limit) steps, and no memmove of the
rest when the entries dropped are the lowest shorts or highest longs, as in a liquidation
cascade (the sorted arrays' start moves instead).

Per side, a bound on the liquidation prices (shorts: at most the lowest, longs: at least the
highest; exact after a merge, moved by every update) lets ``liquidatable`` rule out a
mark update in O(1) before any search.

A journal lists the pids written since its epoch began (``journal`` / ``written_since``), so a
reader such as the ADL ranking updates what changed instead of re-reading a side; bulk writes
and a journal longer than ``JOURNAL_MAX`` start a new epoch (readers then re-read everything).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sim.market.margin import (
    MarginTiers,
    bankruptcy_price,
    bankruptcy_price_of,
    finite_array,
    liquidation_price_of,
    liquidation_prices,
)
from sim.market.sides import LONG, SHORT, check_non_negative, check_positive, check_side

CLOSE_REL = 1e-12  # a reducing fill within this fraction of the held qty closes the position
SPLICE_RATIO = 64  # an index update splices in place only with this many entries per change, else it copies
_SIDES = (LONG, SHORT)
PIDS_SCAN = 16  # pids(side) scans the whole book for a side holding more than 1/PIDS_SCAN of it
JOURNAL_MAX = 4096  # single-record writes journaled before a new epoch starts
_NO_PIDS = np.empty(0, np.int64)
_NO_PIDS.flags.writeable = False


def _locate(keys: np.ndarray, ids: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Positions of ``(k[j], p[j])`` in arrays sorted by ``(keys, ids)`` (insertion points).

    A binary search on ``keys``, then a vectorised bisection of ``ids`` within tied runs.
    """
    lo = np.searchsorted(keys, k, "left")
    hi = np.searchsorted(keys, k, "right")
    while (act := np.flatnonzero(lo < hi)).size:
        mid = (lo[act] + hi[act]) // 2
        right = ids[mid] < p[act]
        lo[act[right]] = mid[right] + 1
        hi[act[~right]] = mid[~right]
    return lo


def _splice(
    arrays: tuple[np.ndarray, ...],
    start: int,
    n: int,
    drop: np.ndarray,
    at: np.ndarray,
    values: tuple[np.ndarray, ...],
) -> int:
    """In place on ``arrays[i][start : start + n]``: drop the entries at positions ``drop``, insert
    ``values[i][j]`` before position ``at[j]`` (positions in that slice, ``at`` non-decreasing);
    returns the new start, the new length being ``n − drop.size + at.size`` (the arrays must have
    room for it).

    Segments between events shift by (inserts − drops) before them, plus one common shift of
    the whole, chosen within the arrays' room to leave the most entries in place: drops at the
    front (the liquidated positions) move the start instead of everything after them.
    Left-moving segments are moved in ascending order, then right-moving ones in descending
    order, so none is overwritten before it moves.
    """
    events = sorted([(q, 0) for q in at.tolist()] + [(q, 1) for q in drop.tolist()])
    segments, slots = [], []  # (from, to, dst) with dst relative to the new start
    src = dst = 0
    for pos, is_drop in events:
        if pos > src:
            segments.append((src, pos, dst))
        dst, src = dst + pos - src, pos + is_drop
        if not is_drop:
            slots.append(dst)
            dst += 1
    if n > src:
        segments.append((src, n, dst))
    size = dst + n - src
    kept: dict[int, int] = {}  # shift of the start → entries it leaves in place
    for lo, hi, to in segments:
        kept[lo - to] = kept.get(lo - to, 0) + hi - lo
    shift = max(kept, key=kept.__getitem__, default=0)
    new = start + min(max(shift, -start), arrays[0].size - start - size)
    moves = [(start + lo, start + hi, new + to) for lo, hi, to in segments if start + lo != new + to]
    for a, v in zip(arrays, values, strict=True):
        for lo, hi, to in moves:
            if to < lo:
                a[to : to + hi - lo] = a[lo:hi]
        for lo, hi, to in reversed(moves):
            if to > lo:
                a[to : to + hi - lo] = a[lo:hi]
        a[[new + q for q in slots]] = v
    return new


class _SortedIndex:
    """Pids of one side sorted by ``(key, pid)``: ``[start : start + size]`` of arrays with spare
    capacity on both sides."""

    def __init__(self) -> None:
        self.keys = np.empty(0)
        self.ids = np.empty(0, np.int64)
        self.start = 0
        self.size = 0

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        end = self.start + self.size
        return self.keys[self.start : end], self.ids[self.start : end]

    def update(self, old_keys: np.ndarray, old_ids: np.ndarray, keys: np.ndarray, ids: np.ndarray) -> None:
        """Remove the (present) entries ``(old_keys, old_ids)``; add ``(keys, ids)`` (sorted)."""
        k, p = self.view()
        drop = _locate(k, p, old_keys, old_ids)
        if self.size < SPLICE_RATIO * (drop.size + ids.size):  # np.delete / np.insert beat a splice
            k, p = np.delete(k, drop), np.delete(p, drop)
            at = _locate(k, p, keys, ids)
            self.keys, self.ids = np.insert(k, at, keys), np.insert(p, at, ids)
            self.start, self.size = 0, self.ids.size
            return
        at = _locate(k, p, keys, ids)
        need = self.size - drop.size + ids.size
        if need > self.ids.size:
            cap = need + need // 4 + 64
            self.keys = np.concatenate((k, np.empty(cap - self.size)))
            self.ids = np.concatenate((p, np.empty(cap - self.size, np.int64)))
            self.start = 0
        self.start = _splice((self.keys, self.ids), self.start, self.size, drop, at, (keys, ids))
        self.size = need


def _column(name: str, doc: str) -> property:
    """Read-only numpy view of the per-pid array ``name``, indexed by pid (made once per length)."""

    def get(book: PositionBook) -> np.ndarray:
        view = book._views.get(name)
        if view is None:
            view = book._views[name] = getattr(book, name)[: book._n]
            view.flags.writeable = False
        return view

    return property(get, doc=doc)


@dataclass(frozen=True)
class Cohort:
    """Positions to open on one side for one owner (sim/engine/populations.py draws them)."""

    owner: str
    side: int
    qty: np.ndarray
    entry: np.ndarray
    margin: np.ndarray


class PositionBook:
    """Positions of one perp venue, ordered by liquidation price per side (MECHANICS.md §4–5).

    Read access: ``owner``, ``side``, ``qty``, ``entry``, ``margin``, ``liq_price`` and
    ``bankruptcy_price`` are read-only numpy arrays indexed by pid (flat records included).
    """

    def __init__(self, tiers: MarginTiers, capacity: int = 1024, buffer_limit: int = 256) -> None:
        if not isinstance(tiers, MarginTiers):
            raise ValueError(f"tiers must be a MarginTiers, got {tiers!r}")
        for name, value in (("capacity", capacity), ("buffer_limit", buffer_limit)):
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f"{name} must be an int > 0, got {value!r}")
        self.tiers = tiers
        self._limit = buffer_limit
        self._n = 0
        self._views: dict[str, np.ndarray] = {}  # read-only column views of [: _n], see _column
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
        self._index = {s: _SortedIndex() for s in _SIDES}
        self._buffer = np.empty(buffer_limit + 1, np.int64)  # pids changed since the merge
        self._nbuf = 0
        self._stale_on = {s: 0 for s in _SIDES}  # buffered pids with an outdated entry on s
        self._count = {s: 0 for s in _SIDES}
        self._bound = {LONG: -np.inf, SHORT: np.inf}  # see liquidatable
        self.snapped = 0.0  # quantity dropped by fills that closed a position within CLOSE_REL of it
        self._epoch = 0  # see journal
        self._journal: list[int] = []

    # ----------------------------------------------------------------- read access
    owner = _column("_owner", "Owner id per pid.")
    side = _column("_side", "+1 long, -1 short, 0 flat.")
    qty = _column("_qty", "Quantity per pid (>= 0).")
    entry = _column("_entry", "Entry price (0.0 when flat).")
    margin = _column("_margin", "Collateral per pid (may go negative after losses).")
    liq_price = _column("_liq", "Isolated liquidation price (§4; NaN when flat).")
    bankruptcy_price = _column("_bp", "Bankruptcy price (§5; NaN when flat).")

    def __len__(self) -> int:
        """Number of open (non-flat) positions."""
        return self._count[LONG] + self._count[SHORT]

    def pids(self, side: int) -> np.ndarray:
        """Open positions on ``side``, ascending pid.

        A side much smaller than the book (the profitable side of a squeeze, ranked for ADL at
        every bankrupt liquidation) is read from its index and the buffer, not the whole book.
        """
        s = check_side("side", side)
        if self._count[s] * PIDS_SCAN > self._n:
            return np.flatnonzero(self._side[: self._n] == s)
        ids = self._index[s].view()[1]
        if not self._nbuf:
            return np.sort(ids)
        b = self._buffer[: self._nbuf]  # the stale entries' pids are all in the buffer
        return np.sort(np.concatenate((ids[~self._stale[ids]], b[self._side[b] == s])))

    def _check_pids(self, pids: ArrayLike) -> np.ndarray:
        p = np.asarray(pids, dtype=np.int64)
        if p.size and (p.min() < 0 or p.max() >= self._n):
            bad = p[(p < 0) | (p >= self._n)].ravel()[0]
            raise ValueError(f"pids must be in [0, {self._n}), got {bad!r}")
        return p

    def _check_pid(self, pid: int) -> None:
        if not ((type(pid) is int or isinstance(pid, np.integer)) and 0 <= pid < self._n):
            raise ValueError(f"pid must be an int in [0, {self._n}), got {pid!r}")

    def upnl(self, pids: ArrayLike, mark: float) -> np.ndarray:
        """Unrealised PnL ``s·Q·(mark − entry)`` at ``mark`` (§4; 0 for flat records)."""
        p, m = self._check_pids(pids), check_positive("mark", mark)
        return self._side[p] * self._qty[p] * (m - self._entry[p])

    def equity(self, pids: ArrayLike, mark: float) -> np.ndarray:
        """Margin plus unrealised PnL at ``mark``."""
        return self._margin[self._check_pids(pids)] + self.upnl(pids, mark)

    def journal(self) -> tuple[int, int]:
        """A token for ``written_since``: the journal's current end."""
        return self._epoch, len(self._journal)

    def written_since(self, token: tuple[int, int]) -> list[int] | None:
        """Pids written (side, qty, entry or margin) since ``journal()`` returned ``token``, possibly
        repeated; None if a new epoch has started since (anything may have changed)."""
        epoch, end = token
        return self._journal[end:] if epoch == self._epoch else None

    # ------------------------------------------------------------------- queries
    def liquidatable(self, side: int, mark: float) -> np.ndarray:
        """Pids of open ``side`` positions whose liquidation price is crossed by ``mark``.

        Shorts: ``liq <= mark``; longs: ``liq >= mark`` (§4: triggers on the mark price; at the
        liquidation price equity equals maintenance). Deepest first: shorts by ascending
        ``(liq, pid)``, longs by descending ``(liq, pid)``. Cost: O(1) when the side's bound
        rules the mark out (the usual mark update: shorts' liquidation prices are all above the
        bound, longs' all below it); else a binary search, the slice of hits and
        a scan of the buffer, independent of the population size. When nothing is crossed, the
        side's bound moves up to the nearest position's.
        """
        s, m = check_side("side", side), check_positive("mark", mark)
        if m < self._bound[s] if s == SHORT else m > self._bound[s]:  # nothing crossed: O(1)
            return _NO_PIDS
        keys, ids = self._index[s].view()
        at = int(np.searchsorted(keys, m, "right" if s == SHORT else "left"))
        cut = slice(0, at) if s == SHORT else slice(at, None)
        k, p = keys[cut], ids[cut]
        if self._stale_on[s]:
            live = ~self._stale[p]
            k, p = k[live], p[live]
        b = self._buffer[: self._nbuf]
        mine = b[self._side[b] == s]
        hit = mine[s * (self._liq[mine] - m) >= 0]
        if hit.size:
            hk = self._liq[hit]
            order = np.lexsort((hit, hk))
            hit, hk = hit[order], hk[order]
            p = np.insert(p, _locate(k, p, hk, hit), hit)
        elif not p.size:
            self._tighten(s, keys, at, self._liq[mine])
        return p.copy() if s == SHORT else p[::-1].copy()

    def _tighten(self, s: int, keys: np.ndarray, at: int, buffered: np.ndarray) -> None:
        """Nothing on side ``s`` is crossed: its nearest index key beyond the mark (stale or
        not) and its buffered records' prices bound every open position's."""
        if s == SHORT:
            near = min(float(keys[at]) if at < keys.size else np.inf, float(buffered.min(initial=np.inf)))
            self._bound[s] = max(self._bound[s], near)
        else:
            near = max(float(keys[at - 1]) if at else -np.inf, float(buffered.max(initial=-np.inf)))
            self._bound[s] = min(self._bound[s], near)

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
        self._wrote(pid)
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
        if own.dtype.kind not in "iu" or own.shape not in ((), q.shape):
            raise ValueError(f"owner must be an int or an int array shaped like qty, got {owner!r}")
        liq = liquidation_prices(s, q, e, mg, self.tiers)  # validates qty, entry
        pids = np.arange(self._n, self._n + q.size)
        self._reserve(q.size)
        self._n += q.size
        self._views.clear()
        self._owner[pids] = own
        self._side[pids] = s
        self._qty[pids], self._entry[pids], self._margin[pids] = q, e, mg
        self._liq[pids] = liq
        self._bp[pids] = bankruptcy_price(s, q, e, mg)
        self._count[s] += q.size
        self._stale[pids] = True
        self._new_epoch()
        if self._nbuf + q.size > self._limit:
            self._merge(extra=pids)
        else:
            self._buffer[self._nbuf : self._nbuf + q.size] = pids
            self._nbuf += q.size
            if q.size:
                edge = float(liq.min()) if s == SHORT else float(liq.max())
                self._bound[s] = min(self._bound[s], edge) if s == SHORT else max(self._bound[s], edge)
        return pids

    def trade(self, pid: int, side: int, qty: float, price: float) -> float:
        """Fill of ``qty`` at ``price`` in direction ``side`` (BUY=+1 / SELL=-1) on record ``pid``.

        Same side or flat: adds at the weighted-average entry. Opposite: reduces, realising
        ``s·q·(price − entry)`` into the margin; a larger fill closes and opens the rest at
        ``price``. A fill within ``CLOSE_REL`` (relative) of the held qty closes. Returns the
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
        if q > held * (1 + CLOSE_REL):
            self._set(pid, d, q - held, px, margin + pnl)
        elif q < held * (1 - CLOSE_REL):
            self._set(pid, s, held - q, entry, margin + pnl)
        else:
            self.snapped += abs(q - held)
            self._set(pid, 0, 0.0, 0.0, margin + pnl)
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

    def add_margins(self, pids: ArrayLike, amounts: ArrayLike) -> None:
        """Vectorised ``margin += amount`` on distinct records (e.g. funding payments, which may be
        negative); liquidation and bankruptcy prices follow and the records are re-indexed at once."""
        p = self._check_pids(pids)
        a = finite_array("amounts", amounts)
        if a.shape != p.shape:
            raise ValueError(f"amounts must be shaped like pids {p.shape}, got {a.shape}")
        if np.unique(p).size != p.size:
            raise ValueError("pids must be distinct")
        self._margin[p] += a
        for s in _SIDES:
            m = p[self._side[p] == s]
            if m.size:
                self._liq[m] = liquidation_prices(s, self._qty[m], self._entry[m], self._margin[m], self.tiers)
                self._bp[m] = bankruptcy_price(s, self._qty[m], self._entry[m], self._margin[m])
        self._new_epoch()
        fresh = p[(self._side[p] != 0) & ~self._stale[p]]
        self._stale[fresh] = True
        self._merge(extra=fresh)

    # ------------------------------------------------------------------ internals
    def _append(self, owner: int) -> int:
        if not isinstance(owner, int | np.integer):
            raise ValueError(f"owner must be an int, got {owner!r}")
        self._reserve(1)
        pid = self._n
        self._n += 1
        self._views.clear()
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
            self._wrote(pid)
        else:
            self._set(pid, s, float(self._qty[pid]), float(self._entry[pid]), margin)

    def _set(self, pid: int, side: int, qty: float, entry: float, margin: float) -> None:
        """Write a record, keep the counts, and queue it for re-indexing."""
        old = int(self._side[pid])
        if old:
            self._count[old] -= 1
        liq = bp = np.nan
        if side:
            self._count[side] += 1
            liq = liquidation_price_of(side, qty, entry, margin, self.tiers)
            bp = bankruptcy_price_of(side, qty, entry, margin)
            bound = self._bound[side]
            if liq < bound if side == SHORT else liq > bound:
                self._bound[side] = liq
        self._side[pid], self._qty[pid], self._entry[pid], self._margin[pid] = side, qty, entry, margin
        self._liq[pid], self._bp[pid] = liq, bp
        self._wrote(pid)
        if not self._stale[pid]:
            self._stale[pid] = True
            if held := int(self._iside[pid]):
                self._stale_on[held] += 1
            self._buffer[self._nbuf] = pid
            self._nbuf += 1
            if self._nbuf > self._limit:
                self._merge()

    def _wrote(self, pid: int) -> None:
        """Journal a write of record ``pid``."""
        self._journal.append(pid)
        if len(self._journal) > JOURNAL_MAX:
            self._new_epoch()

    def _new_epoch(self) -> None:
        """Empty the journal: readers holding an older token re-read everything."""
        self._epoch += 1
        self._journal.clear()

    def _merge(self, extra: np.ndarray | None = None) -> None:
        """Re-index the buffered pids (and the new ``extra`` ones) and empty the buffer.

        Per side, outdated entries are located exactly by ``(key, pid)`` and dropped, and the
        open pids inserted at their ``(liq, pid)`` places.
        """
        pids = self._buffer[: self._nbuf]
        if extra is not None:
            pids = np.concatenate((pids, extra))
        held_side, held_key = self._iside[pids], self._ikey[pids]
        for s in _SIDES:
            gone = held_side == s
            new = pids[self._side[pids] == s]
            if not (gone.any() or new.size):
                continue
            nk = self._liq[new]
            order = np.lexsort((new, nk))
            new, nk = new[order], nk[order]
            self._index[s].update(held_key[gone], pids[gone], nk, new)
            self._ikey[new] = nk
        self._iside[pids] = self._side[pids]
        self._stale[pids] = False
        self._nbuf = 0
        self._stale_on = {s: 0 for s in _SIDES}
        for s in _SIDES:  # exact again: the index alone holds every open position
            keys = self._index[s].view()[0]
            if keys.size:
                self._bound[s] = float(keys[0] if s == SHORT else keys[-1])
            else:
                self._bound[s] = np.inf if s == SHORT else -np.inf
