"""The invariants of a run, checked at its end and, for debugging, after every event.

State invariants (cheap: ledger, position arrays and the top of each book; checked at the
end of every run and, with ``--check-every-event``, after every SimPy event):

- ``conservation``: each asset's total over all accounts equals what was endowed.
- ``open_interest``: on every perp venue the open long quantity equals the open short quantity
  (within the quantity that fills closing a position within ``CLOSE_REL`` of it dropped).
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
- ``liquidation_delay``: crossed positions are liquidated in time; see sim/engine/liquidation_delays.py.
- ``liquidation_bound``: on a binance- or dydx-style venue no liquidation order fills beyond
  the position's bankruptcy price (its ``liquidation`` record's ``bankruptcy``; docs/MECHANICS.md §5).
- ``holder_inventory``: the insurance fund's and the liquidator vault's position on each venue
  equals what the trace says they took (``takeover``/``backstop``) less what they unwound.

A violation raises InvariantError naming the invariant, the simulated time and the accounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from sim.core.errors import InvariantError
from sim.core.ledger import Ledger
from sim.core.trace import Kind, Trace, TraceTable
from sim.engine.liquidation_delays import LiveDelays, Opened, TraceDelays
from sim.market.assets import ASSET, QUOTE
from sim.market.clearing import beyond
from sim.market.sides import DUST

if TYPE_CHECKING:
    import simpy

    from processes.perp_venue import PerpVenue
    from sim.core.config import Config


class CheckedWorld(Protocol):
    """What the invariants read of a world (sim/engine/world.py): its clock, trace, ledger and venues."""

    env: simpy.Environment
    trace: Trace
    ledger: Ledger
    config: Config
    by_section: dict[str, dict[str, Any]]  # the nodes of each kind, by id: spot venues, perp venues, ...


REL_TOL = 1e-9  # relative to the gross amount an identity sums over
ABS_TOL = 1e-6  # quote or tokens: float noise left when large flows net to about zero


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

    def __init__(self, world: CheckedWorld, every_event: bool = False) -> None:
        self.env = world.env
        self.trace: Trace = world.trace
        self.ledger: Ledger = world.ledger
        self.perps: dict[str, PerpVenue] = world.by_section["perp"]
        self.books = {name: v.book for name, v in {**world.by_section["spot"], **world.by_section["perp"]}.items()}
        self.duration = world.config.experiment.duration
        self.opened = {name: Opened.of(v) for name, v in self.perps.items()}
        self.live = {name: LiveDelays(v) for name, v in self.perps.items()} if every_event else {}
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
            if trace.kind[i] == Kind.LIQUIDATION:
                liquidated[trace.node[i]].add(trace.pid[i])
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
        kinds = {k: trace.kind == k for k in (Kind.MARK, Kind.LIQUIDATION, Kind.ADL, Kind.FUNDING, Kind.BAD_DEBT)}
        self._funding(trace, kinds[Kind.FUNDING])
        for name, venue in self.perps.items():
            on = trace.node == name
            self._recorded_bad_debt(trace, name, venue, on & kinds[Kind.BAD_DEBT])
            TraceDelays(trace, self.opened[name], venue, self.duration).check(name, on, kinds)
            if venue.cfg.style in ("binance", "dydx"):
                self._liquidation_bound(trace, name, on & kinds[Kind.LIQUIDATION])
            self._holder_inventory(trace, name, venue, on)

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
        if abs(long - short) > REL_TOL * max(long, short) + DUST + pos.snapped:  # snapped: closes within CLOSE_REL
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

    def _liquidation_bound(self, trace: TraceTable, name: str, liquidations: np.ndarray) -> None:
        rows = np.flatnonzero((trace.kind == Kind.TRADE) & (trace.cause >= 0))
        rows = rows[liquidations[trace.cause[rows]]]
        for row in rows.tolist():
            liq = int(trace.cause[row])
            bankruptcy = float(trace.bankruptcy[liq])
            position_side, price = -int(trace.side[row]), float(trace.price[row])  # the trade closes it
            if beyond(position_side, price, bankruptcy):
                detail = f"liquidation {liq} on {name} filled at {price!r}, beyond its bankruptcy price {bankruptcy!r}"
                raise InvariantError("liquidation_bound", float(trace.t[row]), detail, (str(trace.account[row]),))

    def _holder_inventory(self, trace: TraceTable, name: str, venue: PerpVenue, on: np.ndarray) -> None:
        for holds, pid in venue.holder_pid.items():
            account = self.ledger.names[venue.holder_account[holds]]
            took = on & ((trace.kind == Kind.TAKEOVER) | (trace.kind == Kind.BACKSTOP)) & (trace.account == account)
            traded = on & (trace.kind == Kind.TRADE) & (trace.account == account)
            expected = float(
                (trace.side[took] * trace.qty[took]).sum() + (trace.side[traded] * trace.qty[traded]).sum()
            )
            held = float(venue.positions.side[pid] * venue.positions.qty[pid])
            if abs(held - expected) > DUST + REL_TOL * float(trace.qty[took].sum()):
                detail = f"{account} holds {held!r} on {name}, the trace accounts for {expected!r}"
                raise InvariantError("holder_inventory", self.env.now, detail, (account,))

    def _names(self, ids: list[int]) -> tuple[str, ...]:
        return tuple(self.ledger.names[i] for i in ids)
