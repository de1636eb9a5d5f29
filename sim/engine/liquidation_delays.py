"""The ``liquidation_delay`` invariant: no crossed position waits longer than its venue's
engine interval for its liquidation, checked live and from the trace.

A position crossed by the mark (shorts: mark >= liquidation price, longs: mark <= it) is
liquidated (its ``liquidation`` record) within the venue's ``engine_interval`` E of the
``mark`` record, i.e. within E plus the index-link latency of the index publication behind
it. From the trace (``TraceDelays``) this is checked for every position opened at t = 0
while its liquidation price is fixed (until its own liquidation, the first ``adl`` naming
its owner, or the venue's first ``funding`` payment): with t* the first mark crossing it, it
is liquidated at no time before t*, and, if every mark in [t*, t* + E] crosses it, by
t* + E. With ``--check-every-event`` the same bound is checked on the live state for every
position, market makers' included (``LiveDelays``). A position crossed by its own trade
rather than by the mark waits for the next mark, as in the engine. A liquidation waiting in
a finite-throughput matching engine counts as done (its record is written when it is queued).

``sim.engine.invariants.Invariants`` runs both; a violation raises its ``InvariantError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.trace import Kind
from sim.market.sides import DUST

if TYPE_CHECKING:
    from processes.perp_venue import PerpVenue
    from sim.core.errors import InvariantError
    from sim.core.trace import TraceTable

TIME_TOL = 1e-6  # seconds; engine clocks are sums of floats


def crossed(side: np.ndarray, liq: np.ndarray, mark: float) -> np.ndarray:
    """Mask of the positions ``mark`` crosses (shorts: liq <= mark, longs: liq >= mark)."""
    return ((side == -1) & (liq <= mark)) | ((side == 1) & (liq >= mark))


def crossed_unliquidated(venue: PerpVenue) -> np.ndarray:
    """Pids of open positions crossed by the venue's mark with no liquidation pending."""
    pos = venue.positions
    if venue.mark is None:
        return np.zeros(0, dtype=np.int64)
    pending = np.zeros(pos.side.size, dtype=bool)
    pending[: venue.pending.size] = venue.pending[: pos.side.size]
    return np.flatnonzero(crossed(pos.side, pos.liq_price, venue.mark) & (pos.qty > DUST) & ~pending)


class LiveDelays:
    """``liquidation_delay`` on one venue's live state, after every event.

    A new mark record crosses the positions whose liquidation price it crosses as they were
    when it arrived (before the event's own liquidations and trades). Each of them that is
    still crossed, open and has no liquidation record or pending liquidation after the event
    must get one by the mark's time + engine_interval.
    """

    def __init__(self, venue: PerpVenue) -> None:
        self.venue = venue
        self.mark_cause = venue.mark_cause
        self.deadlines: dict[int, float] = {}
        self._before = self._snapshot()

    def _snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        return self.venue.positions.side.copy(), self.venue.positions.liq_price.copy()

    def after_event(self, now: float, liquidated: set[int]) -> None:
        venue, deadlines = self.venue, self.deadlines
        for pid in liquidated:
            deadlines.pop(pid, None)
        if venue.mark_cause != self.mark_cause:
            self.mark_cause = venue.mark_cause
            due = now + venue.cfg.engine_interval
            for pid in np.flatnonzero(crossed(*self._before, venue.mark)).tolist():
                if pid not in liquidated:
                    deadlines.setdefault(pid, due)
        if deadlines:
            still = set(crossed_unliquidated(venue).tolist())
            for pid in [p for p in deadlines if p not in still]:
                del deadlines[pid]
            self.raise_late(now)
        self._before = self._snapshot()

    def raise_late(self, now: float) -> None:
        """InvariantError if a tracked position is still unliquidated past its deadline."""
        late = [pid for pid, due in self.deadlines.items() if now > due + TIME_TOL]
        if not late:
            return
        venue, pid = self.venue, late[0]
        pos, e = venue.positions, venue.cfg.engine_interval
        detail = (
            f"{_side(pos.side[pid])} position pid={pid} on {venue.name} (liquidation price "
            f"{float(pos.liq_price[pid])!r}) crossed by the mark at t={self.deadlines[pid] - e:.9g} s, "
            f"not liquidated within the engine interval ({e!r} s)"
        )
        raise _violation(now, detail, venue.ctx.ledger.names[int(pos.owner[pid])])


@dataclass(frozen=True)
class Opened:
    """The positions a venue opened at t = 0: pid, side, liquidation price and owner."""

    pid: np.ndarray
    side: np.ndarray
    liq: np.ndarray
    owner: np.ndarray

    @classmethod
    def of(cls, venue: PerpVenue) -> Opened:
        pos = venue.positions
        pid = np.flatnonzero(pos.side != 0)
        return cls(pid, pos.side[pid].copy(), pos.liq_price[pid].copy(), pos.owner[pid].copy())


class TraceDelays:
    """``liquidation_delay`` from the trace, for the positions a venue opened at t = 0."""

    def __init__(self, trace: TraceTable, opened: Opened, venue: PerpVenue, duration: float) -> None:
        self.trace, self.opened, self.venue, self.duration = trace, opened, venue, duration

    def check(self, name: str, on: np.ndarray, kinds: dict[Kind, np.ndarray]) -> None:
        o, tr = self.opened, self.trace
        if not o.pid.size:
            return
        marks = np.flatnonzero(on & kinds[Kind.MARK])
        mt, mp = tr.t[marks], tr.price[marks]
        first = self._first_crossing(mt, mp)
        end = self._window_end(on, kinds)
        liquidated = self._first_liquidation(on & kinds[Kind.LIQUIDATION])
        e = self.venue.cfg.engine_interval
        names = self.venue.ctx.ledger.names

        early = (liquidated < end) & (liquidated < first - TIME_TOL)
        if early.any():
            i = int(np.argmin(np.where(early, liquidated, np.inf)))
            detail = (
                f"{_side(o.side[i])} position pid={o.pid[i]} on {name} liquidated before the mark reached "
                f"its liquidation price {float(o.liq[i])!r}"
            )
            raise _violation(float(liquidated[i]), detail, names[int(o.owner[i])])

        due = first + e + TIME_TOL
        late = (due < end) & (liquidated > due)
        if late.any():
            late[late] = self._crossed_throughout(mt, mp, first[late], due[late], late)
        if late.any():
            i = int(np.argmin(np.where(late, first, np.inf)))
            detail = (
                f"{_side(o.side[i])} position pid={o.pid[i]} on {name} (liquidation price {float(o.liq[i])!r}) crossed "
                f"by the mark at t={first[i]:.9g} s, not liquidated within the engine interval ({e!r} s)"
            )
            raise _violation(float(first[i] + e), detail, names[int(o.owner[i])])

    def _first_crossing(self, mt: np.ndarray, mp: np.ndarray) -> np.ndarray:
        """Time of the first mark at or beyond each position's liquidation price (inf: never)."""
        o = self.opened
        first = np.full(o.pid.size, np.inf)
        if not mt.size:
            return first
        short, long = o.side == -1, o.side == 1
        at = np.searchsorted(np.maximum.accumulate(mp), o.liq[short], "left")
        first[short] = np.append(mt, np.inf)[at]
        at = np.searchsorted(-np.minimum.accumulate(mp), -o.liq[long], "left")
        first[long] = np.append(mt, np.inf)[at]
        return first

    def _window_end(self, on: np.ndarray, kinds: dict[Kind, np.ndarray]) -> np.ndarray:
        """Per position, when its liquidation price may first change other than by its own liquidation."""
        tr, o = self.trace, self.opened
        end = np.full(o.pid.size, self.duration)
        funding = np.flatnonzero(on & kinds[Kind.FUNDING])
        if funding.size:
            end[:] = min(self.duration, float(tr.t[funding[0]]))
        adl = np.flatnonzero(on & kinds[Kind.ADL])
        if adl.size:
            names = self.venue.ctx.ledger.names
            first_adl: dict[str, float] = {}
            for account, t in zip(tr.account[adl].tolist(), tr.t[adl].tolist(), strict=True):
                first_adl.setdefault(account, t)
            for owner in np.unique(o.owner).tolist():
                t = first_adl.get(names[owner])
                if t is not None:
                    mine = o.owner == owner
                    end[mine] = np.minimum(end[mine], t)
        return end

    def _first_liquidation(self, rows: np.ndarray) -> np.ndarray:
        """Per position, the time of its first liquidation record (inf: none)."""
        o, tr = self.opened, self.trace
        pids = tr.pid[rows]
        at = np.full(max(int(o.pid.max()), int(pids.max(initial=-1))) + 1, np.inf)
        np.minimum.at(at, pids, tr.t[rows])
        return at[o.pid]

    def _crossed_throughout(
        self, mt: np.ndarray, mp: np.ndarray, start: np.ndarray, until: np.ndarray, which: np.ndarray
    ) -> np.ndarray:
        """Whether every mark in [start, until] crosses the position (the ones selected by ``which``)."""
        o = self.opened
        lo = np.searchsorted(mt, start, "left")
        hi = np.searchsorted(mt, until, "right")
        padded = np.append(mp, np.nan)
        bounds = np.column_stack((lo, np.maximum(hi, lo + 1))).ravel()
        low = np.fmin.reduceat(padded, bounds)[::2]
        high = np.fmax.reduceat(padded, bounds)[::2]
        liq, side = o.liq[which], o.side[which]
        return np.where(side == -1, low >= liq, high <= liq)


def _side(side: int) -> str:
    return "long" if side == 1 else "short"


def _violation(t: float, detail: str, account: str) -> InvariantError:
    """The ``liquidation_delay`` InvariantError at simulated time ``t``, naming the position's owner."""
    from sim.core.errors import InvariantError  # here: sim.engine.invariants imports this module

    return InvariantError("liquidation_delay", t, detail, (account,))
