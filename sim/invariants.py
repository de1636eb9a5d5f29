"""The invariants of a run, checked at its end and, for debugging, after every event.

State invariants (cheap: ledger, position arrays and the top of each book; checked at the
end of every run and, with ``--check-every-event``, after every SimPy event):

- ``conservation``: each asset's total over all accounts equals what was endowed.
- ``open_interest``: on every perp venue the open long quantity equals the open short quantity.
- ``negative_balance``: no account is below zero, except ``<perp>:bad_debt`` (see ``bad_debt``)
  and ``<perp>:settlement``, a clearing account holding the open positions' unrealised PnL,
  which may be negative and is pinned exactly by ``settlement_account``.
- ``margin_account``: ``<perp>:margin`` equals the sum of the venue's position records' margins.
- ``settlement_account``: ``<perp>:settlement`` equals −Σ side·qty·entry over open positions.
- ``crossed_book``: best bid < best ask on every spot and perp book.
- ``bad_debt``: ``<perp>:bad_debt`` is never positive; at the end it equals minus the
  bad debt recorded in the trace (``bad_debt`` records).

Trace invariants (end of run):

- ``funding_zero_sum``: the ``funding`` records of each payment (one per account, notional
  = amount received, caused by the payment's ``funding_rate`` record) sum to zero.
- ``liquidation_delay``: a position crossed by the mark (shorts: mark >= liquidation price,
  longs: mark <= it) is liquidated (its ``liquidation`` record) within the venue's
  ``engine_interval`` E of the ``mark`` record, i.e. within E plus the index-link latency
  of the index publication behind it. From the trace this is checked for every position
  opened at t = 0 while its liquidation price is fixed (until its own liquidation, the
  first ``adl`` naming its owner, or the venue's first ``funding`` payment): with t* the
  first mark crossing it, it is liquidated at no time before t*, and, if every mark in
  [t*, t* + E] crosses it, by t* + E. With ``--check-every-event`` the same bound is checked
  on the live state for every position, market makers' included (see ``_LiveDelays``). A
  position crossed by its own trade rather than by the mark waits for the next mark, as in
  the engine. A liquidation waiting in a finite-throughput matching engine counts as done
  (its record is written when it is queued).

A violation raises InvariantError naming the invariant, the simulated time and the accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.ledger import ASSET, QUOTE, Ledger
from sim.trace import Trace, TraceTable

if TYPE_CHECKING:
    import simpy

    from processes.perp_venue import PerpVenue
    from sim.world import World

STATE_INVARIANTS = (
    "conservation",
    "open_interest",
    "negative_balance",
    "margin_account",
    "settlement_account",
    "crossed_book",
    "bad_debt",
)
TRACE_INVARIANTS = ("funding_zero_sum", "liquidation_delay")
INVARIANTS = STATE_INVARIANTS + TRACE_INVARIANTS

REL_TOL = 1e-9  # relative to the gross amount an identity sums over
ABS_TOL = 1e-6  # quote or tokens: float noise left when large flows net to about zero
TIME_TOL = 1e-6  # seconds; engine clocks are sums of floats
DUST_QTY = 1e-9  # a position below this quantity counts as closed (the perp venue's dust)
_SHOWN = 5  # accounts named in a message


class InvariantError(Exception):
    """A run broke an invariant: which one, at what simulated time, and the accounts involved."""

    def __init__(self, invariant: str, t: float, detail: str, accounts: tuple[str, ...] = ()) -> None:
        self.invariant, self.t, self.detail, self.accounts = invariant, t, detail, accounts
        names = ", ".join(accounts[:_SHOWN])
        if len(accounts) > _SHOWN:
            names += f" and {len(accounts) - _SHOWN} more"
        where = f" (accounts: {names})" if accounts else ""
        super().__init__(f"invariant {invariant} violated at t={t:.9g} s: {detail}{where}")


def run_checked(env: simpy.Environment, until: float, after_event) -> None:
    """``env.run(until=until)``, calling ``after_event()`` after every event it processes.

    It is SimPy's own loop with ``step`` wrapped, so events run in exactly the order (and
    the trace comes out exactly as) in an unchecked run.
    """
    step = env.step

    def checked_step() -> None:
        step()
        after_event()

    env.step = checked_step  # type: ignore[method-assign]
    try:
        env.run(until=until)
    finally:
        del env.step


class Invariants:
    """The invariants of one world; create it after the world opened (t = 0), with
    ``every_event`` if ``after_event`` will be called after every event."""

    def __init__(self, world: World, every_event: bool = False) -> None:
        self.env = world.env
        self.trace: Trace = world.trace
        self.ledger: Ledger = world.ledger
        self.perps: dict[str, PerpVenue] = world.perps
        self.books = {name: v.book for name, v in {**world.spots, **world.perps}.items()}
        self.duration = world.config.experiment.duration
        self.opened = {name: _Opened.of(v) for name, v in self.perps.items()}
        self.live = {name: _LiveDelays(v) for name, v in self.perps.items()} if every_event else {}
        self._previous: list[np.ndarray] | None = None  # balances after the last event
        self._seen = 0  # trace records already looked at

    # ------------------------------------------------------------------ entry points

    def after_event(self) -> None:
        """The state invariants and the live liquidation deadlines, after one event."""
        balances = self._balances()
        self.check_state(balances)
        self._previous = balances
        liquidated: dict[str, set[int]] = {name: set() for name in self.perps}
        trace, now = self.trace, self.env.now
        for i in range(self._seen, len(trace)):
            if trace.kind[i] == "liquidation":
                liquidated[trace.node[i]].add(_pid(trace.info[i]))
        self._seen = len(trace)
        for name, live in self.live.items():
            live.after_event(now, liquidated[name])

    def check_state(self, balances: list[np.ndarray] | None = None) -> None:
        """The state invariants, now."""
        now = self.env.now
        balances = self._balances() if balances is None else balances
        self._conservation(now, balances)
        self._negative_balances(now, balances)
        for name, venue in self.perps.items():
            self._open_interest(now, name, venue)
            self._venue_accounts(now, name, venue)
        self._books(now)

    def check_end(self, trace: TraceTable) -> None:
        """Every invariant, at the end of the run."""
        self.check_state()
        for live in self.live.values():
            live.raise_late(self.env.now)
        kinds = {k: trace.kind == k for k in ("mark", "liquidation", "adl", "funding", "bad_debt")}
        self._funding(trace, kinds["funding"])
        for name, venue in self.perps.items():
            on = trace.node == name
            self._recorded_bad_debt(trace, name, venue, on & kinds["bad_debt"])
            _TraceDelays(trace, self.opened[name], venue, self.duration).check(name, on, kinds)

    # ------------------------------------------------------------------ state invariants

    def _balances(self) -> list[np.ndarray]:
        return [np.asarray(self.ledger.balances[QUOTE]), np.asarray(self.ledger.balances[ASSET])]

    def _conservation(self, now: float, balances: list[np.ndarray]) -> None:
        for asset, bal in enumerate(balances):
            endowed = self.ledger.endowed[asset]
            total = float(bal.sum())
            if abs(total - endowed) > REL_TOL * max(1.0, float(np.abs(bal).sum())):
                changed = ()
                if self._previous is not None:
                    before = self._previous[asset]
                    moved = np.flatnonzero(bal[: before.size] != before).tolist() + list(range(before.size, bal.size))
                    changed = self._names(moved)
                name = self.ledger.asset_names[asset]
                detail = f"{name} total {total!r} differs from the {endowed!r} endowed (by {total - endowed!r})"
                raise InvariantError("conservation", now, detail, changed)

    def _negative_balances(self, now: float, balances: list[np.ndarray]) -> None:
        exempt = {v.settlement for v in self.perps.values()} | {v.bad_debt_account for v in self.perps.values()}
        for asset, bal in enumerate(balances):
            tol = REL_TOL * max(1.0, float(np.abs(bal).sum()))
            low = [i for i in np.flatnonzero(bal < -tol).tolist() if i not in exempt]
            if low:
                name = self.ledger.asset_names[asset]
                detail = f"{name} balance {float(bal[low[0]])!r} of {self.ledger.names[low[0]]}"
                raise InvariantError("negative_balance", now, detail, self._names(low))
        for venue in self.perps.values():
            debt = float(balances[QUOTE][venue.bad_debt_account])
            if debt > REL_TOL * max(1.0, abs(debt)):
                detail = f"{venue.name}:bad_debt holds {debt!r} (bad debt is recorded as a negative balance)"
                raise InvariantError("bad_debt", now, detail, (f"{venue.name}:bad_debt",))

    def _open_interest(self, now: float, name: str, venue: PerpVenue) -> None:
        pos = venue.positions
        side, qty = pos.side, pos.qty
        long, short = float(qty[side == 1].sum()), float(qty[side == -1].sum())
        if abs(long - short) > REL_TOL * max(long, short) + DUST_QTY:
            owners = np.unique(pos.owner[side != 0])
            detail = f"long open interest {long!r} != short open interest {short!r} on {name}"
            raise InvariantError("open_interest", now, detail, self._names(owners.tolist()))

    def _venue_accounts(self, now: float, name: str, venue: PerpVenue) -> None:
        pos, bal = venue.positions, self.ledger.balances[QUOTE]
        margins = pos.margin
        side, qty, entry = pos.side, pos.qty, pos.entry
        open_ = side != 0
        cost = side[open_] * qty[open_] * entry[open_]
        tol = ABS_TOL + REL_TOL * (float(np.abs(margins).sum()) + float(np.abs(cost).sum()))
        held, expected = bal[venue.margin_account], float(margins.sum())
        if abs(held - expected) > tol:
            detail = f"{name}:margin holds {held!r}, its position records' margins sum to {expected!r}"
            raise InvariantError("margin_account", now, detail, (f"{name}:margin",))
        held, expected = bal[venue.settlement], -float(cost.sum())
        if abs(held - expected) > tol:
            detail = f"{name}:settlement holds {held!r}, -sum(side*qty*entry) of open positions is {expected!r}"
            raise InvariantError("settlement_account", now, detail, (f"{name}:settlement",))

    def _books(self, now: float) -> None:
        for name, book in self.books.items():
            bid, ask = book.best_bid(), book.best_ask()
            if bid >= ask:
                raise InvariantError("crossed_book", now, f"best bid {bid!r} >= best ask {ask!r} on {name}")

    # ------------------------------------------------------------------ trace invariants

    def _funding(self, trace: TraceTable, funding: np.ndarray) -> None:
        rows = np.flatnonzero(funding)
        if not rows.size:
            return
        payments, inverse = np.unique(trace.cause[rows], return_inverse=True)
        amount = trace.notional[rows]
        net = np.bincount(inverse, weights=amount, minlength=payments.size)
        gross = np.bincount(inverse, weights=np.abs(amount), minlength=payments.size)
        bad = np.flatnonzero(np.abs(net) > REL_TOL * np.maximum(gross, 1.0))
        if bad.size:
            group = rows[inverse == bad[0]]
            detail = f"the {group.size} payments of funding record {payments[bad[0]]} net {float(net[bad[0]])!r}"
            accounts = tuple(dict.fromkeys(trace.account[group].tolist()))
            raise InvariantError("funding_zero_sum", float(trace.t[group[0]]), detail, accounts)

    def _recorded_bad_debt(self, trace: TraceTable, name: str, venue: PerpVenue, rows: np.ndarray) -> None:
        recorded = float(trace.notional[rows].sum())
        held = self.ledger.balance(venue.bad_debt_account, QUOTE)
        if abs(held + recorded) > REL_TOL * max(1.0, recorded):
            detail = f"{name}:bad_debt holds {held!r}, the trace records {recorded!r} of bad debt"
            raise InvariantError("bad_debt", self.env.now, detail, (f"{name}:bad_debt",))

    def _names(self, ids: list[int]) -> tuple[str, ...]:
        return tuple(self.ledger.names[i] for i in ids)


def crossed(side: np.ndarray, liq: np.ndarray, mark: float) -> np.ndarray:
    """Mask of the positions ``mark`` crosses (shorts: liq <= mark, longs: liq >= mark)."""
    return ((side == -1) & (liq <= mark)) | ((side == 1) & (liq >= mark))


def crossed_unliquidated(venue: PerpVenue) -> np.ndarray:
    """Pids of open positions crossed by the venue's mark with no liquidation pending."""
    pos = venue.positions
    if venue.mark != venue.mark:
        return np.zeros(0, dtype=np.int64)
    pending = np.zeros(pos.side.size, dtype=bool)
    pending[: venue.pending.size] = venue.pending[: pos.side.size]
    return np.flatnonzero(crossed(pos.side, pos.liq_price, venue.mark) & (pos.qty > DUST_QTY) & ~pending)


class _LiveDelays:
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
        raise InvariantError("liquidation_delay", now, detail, (venue.ctx.ledger.names[int(pos.owner[pid])],))


@dataclass(frozen=True)
class _Opened:
    """The positions a venue opened at t = 0: pid, side, liquidation price and owner."""

    pid: np.ndarray
    side: np.ndarray
    liq: np.ndarray
    owner: np.ndarray

    @classmethod
    def of(cls, venue: PerpVenue) -> _Opened:
        pos = venue.positions
        pid = np.flatnonzero(pos.side != 0)
        return cls(pid, pos.side[pid].copy(), pos.liq_price[pid].copy(), pos.owner[pid].copy())


class _TraceDelays:
    """``liquidation_delay`` from the trace, for the positions a venue opened at t = 0."""

    def __init__(self, trace: TraceTable, opened: _Opened, venue: PerpVenue, duration: float) -> None:
        self.trace, self.opened, self.venue, self.duration = trace, opened, venue, duration

    def check(self, name: str, on: np.ndarray, kinds: dict[str, np.ndarray]) -> None:
        o, tr = self.opened, self.trace
        if not o.pid.size:
            return
        marks = np.flatnonzero(on & kinds["mark"])
        mt, mp = tr.t[marks], tr.price[marks]
        first = self._first_crossing(mt, mp)
        end = self._window_end(on, kinds)
        liquidated = self._first_liquidation(on & kinds["liquidation"])
        e = self.venue.cfg.engine_interval
        names = self.venue.ctx.ledger.names

        early = (liquidated < end) & (liquidated < first - TIME_TOL)
        if early.any():
            i = int(np.argmin(np.where(early, liquidated, np.inf)))
            detail = (
                f"{_side(o.side[i])} position pid={o.pid[i]} on {name} liquidated before the mark reached "
                f"its liquidation price {float(o.liq[i])!r}"
            )
            raise InvariantError("liquidation_delay", float(liquidated[i]), detail, (names[int(o.owner[i])],))

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
            raise InvariantError("liquidation_delay", float(first[i] + e), detail, (names[int(o.owner[i])],))

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

    def _window_end(self, on: np.ndarray, kinds: dict[str, np.ndarray]) -> np.ndarray:
        """Per position, when its liquidation price may first change other than by its own liquidation."""
        tr, o = self.trace, self.opened
        end = np.full(o.pid.size, self.duration)
        funding = np.flatnonzero(on & kinds["funding"])
        if funding.size:
            end[:] = min(self.duration, float(tr.t[funding[0]]))
        adl = np.flatnonzero(on & kinds["adl"])
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
        pids = np.array([_pid(info) for info in tr.info[rows].tolist()], dtype=np.int64)
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


def _pid(info: str) -> int:
    """The pid of a ``liquidation`` record, from its info ("pid=N")."""
    return int(info.removeprefix("pid="))
