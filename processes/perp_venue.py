"""A perpetual-futures venue: order book, position book, mark price and liquidation engine.

Index updates arrive over the index link and move the mark price (``mark`` records). The
liquidation engine finds crossed positions by binary search (``liquidation`` records) and
queues them in the matching engine; each runs through its venue style's waterfall, whose
rules live in ``sim.market.clearing`` (docs/MECHANICS.md §5): book orders bounded as the
style says, takeover by the insurance fund or backstop to the liquidator vault (both
position records of their own, unwound by an ``unwinder`` node over its links), ADL, and
the settlement of the margin left. Fills realise PnL between positions through the venue's
settlement account; makers get a FillReport over their fill link.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from processes.context import Context
from processes.engine import MatchingEngine
from processes.funding_clock import FundingClock
from processes.messages import FillReport, IndexUpdate, MarginTransfer, Order, Quotes, Takeover
from processes.perp_settings import PerpSettings
from sim.core.trace import Kind
from sim.market.assets import QUOTE
from sim.market.clearing import (
    BookOrder,
    Position,
    Resolution,
    Step,
    adl_allocation,
    after_book,
    liquidation_order,
    settle_closed,
)
from sim.market.liquidation import AdlRanking
from sim.market.mark import IrregularEMA, MovingAverage, binance_mark, hyperliquid_mark
from sim.market.orderbook import Fill, OrderBook
from sim.market.positions import Cohort, PositionBook
from sim.market.sides import DUST, LONG, SHORT

BOOK_EMA_S = 30.0  # Hyperliquid's third mark input when there are no external perp mids (§2)


@dataclass(slots=True)
class LiquidationJob:
    pid: int
    cause: int


class PerpVenue:
    def __init__(self, ctx: Context, name: str, cfg: PerpSettings, unwinder: str | None = None) -> None:
        """``unwinder``: the node that unwinds what the fund (or, on hyperliquid, the vault) takes over."""
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        ledger = ctx.ledger
        self.book = OrderBook(cfg.tick)
        self.positions = PositionBook(cfg.margin_tiers())
        self.adl = {s: AdlRanking(self.positions, s, cfg.adl) for s in (LONG, SHORT)}
        self.engine = MatchingEngine(ctx.env, cfg.throughput, self._execute)
        self.margin_account = ledger.account(f"{name}:margin")
        self.settlement = ledger.account(f"{name}:settlement")
        self.insurance = ledger.account(f"{name}:insurance")
        self.bad_debt_account = ledger.account(f"{name}:bad_debt")
        self.rules = cfg.clearing_rules()
        # fill reports go to a participant over its fill or md link
        self.fill_out = {ch.dst: ch for ch in ctx.out_channels(name) if ch.kind in ("fill", "md")}
        # the fund and the vault: a cash account, a position record (opened at t = 0), an unwinder
        self.holder_account = {"insurance": self.insurance}
        if cfg.style == "hyperliquid":
            self.holder_account["vault"] = ledger.account(f"{name}:vault")
        self.holder_pid: dict[str, int] = {}
        self.holders: dict[int, str] = {}  # position record → "insurance" or "vault"
        holds = "vault" if cfg.style == "hyperliquid" else "insurance"
        self.unwinder_out = {holds: self.fill_out[unwinder]} if unwinder is not None else {}
        for holds, channel in self.unwinder_out.items():
            self.fill_out[ledger.names[self.holder_account[holds]]] = channel
        self.pid_of: dict[int, int] = {}
        self.pending = np.zeros(0, dtype=bool)
        self.index: float | None = None  # the last index price; None until the first arrives
        self.mark: float | None = None  # None: no mark yet (it comes with the first index)
        self.mark_cause = -1
        self.last: float | None = None  # the last trade price; None before the first trade
        self.basis_ma = MovingAverage(30)
        self.basis_ema = IrregularEMA(150.0)
        self.book_ema = IrregularEMA(BOOK_EMA_S)
        self.liquidated = 0
        self.funding = FundingClock(self)

    # ------------------------------------------------------------------ set-up

    def open(self, cohorts: list[Cohort]) -> None:
        """Fund the insurance fund and open the populations' positions (t = 0)."""
        ledger = self.ctx.ledger
        if self.cfg.insurance_fund:
            ledger.endow(self.insurance, QUOTE, self.cfg.insurance_fund)
        if self.cfg.vault_capital and "vault" in self.holder_account:
            ledger.endow(self.holder_account["vault"], QUOTE, self.cfg.vault_capital)
        for cohort in cohorts:
            owner = ledger.account(cohort.owner)
            total = float(cohort.margin.sum())
            ledger.endow(owner, QUOTE, total)
            ledger.transfer(owner, self.margin_account, QUOTE, total)
            self.positions.open_many(owner, cohort.side, cohort.qty, cohort.entry, cohort.margin)
        for holds, account in self.holder_account.items():
            pid = self._pid_for(account)
            self.holder_pid[holds] = pid
            self.holders[pid] = holds
        self._grow_pending()
        for pid in self.holders:
            self.pending[pid] = True  # the fund and the vault are never liquidated
        self.ctx.env.process(self._sample_basis())
        self.funding.start()
        if self.cfg.engine_interval > 0:
            self.ctx.env.process(self._engine_clock())

    def deposit(self, account: int, amount: float) -> None:
        """A named account (market maker) posts margin to the venue (its record, flat until it trades)."""
        self.ctx.ledger.transfer(account, self.margin_account, QUOTE, amount)
        self.positions.deposit(self._pid_for(account), amount)

    def _grow_pending(self) -> None:
        n = len(self.positions.qty)
        if len(self.pending) < n:
            self.pending = np.concatenate([self.pending, np.zeros(n - len(self.pending), dtype=bool)])

    # ------------------------------------------------------------------ messages

    def receive(self, msg: IndexUpdate | Quotes | Order | MarginTransfer) -> None:
        """A message from a link, in one of three ways:

        1. an IndexUpdate sets the index and the mark at once (``_on_index``), which may queue
           liquidations (``check_liquidations``);
        2. a MarginTransfer moves margin at once (``_transfer_margin``);
        3. an Order (recorded first, as ``order``) or a Quotes replacement waits its turn in the
           matching engine, which runs it in ``_execute``.
        """
        if isinstance(msg, IndexUpdate):
            self._on_index(msg)
            return
        if isinstance(msg, MarginTransfer):
            self._transfer_margin(msg)
            return
        if isinstance(msg, Order):
            msg.cause = self.ctx.record_order(self.name, msg)
        self.engine.submit(msg)

    def _on_index(self, msg: IndexUpdate) -> None:
        now = self.ctx.env.now
        self.index = msg.price
        mid = self.book.mid()
        last = self.last if self.last is not None else msg.price
        if self.cfg.mark == "binance":
            to_next = self.cfg.funding_interval - math.fmod(now, self.cfg.funding_interval)
            mark = binance_mark(
                msg.price, self.funding.predicted, to_next, self.cfg.funding_interval, self.basis_ma.value, last
            )
        else:
            if not math.isnan(mid):  # both sides of the book quoted
                self.basis_ema.add(mid - msg.price, now)
                self.book_ema.add(mid, now)
            bid, ask = self.book.best_bid(), self.book.best_ask()
            book_ema = self.book_ema.value or last  # 0.0 until the book has had a mid
            mark = hyperliquid_mark(
                msg.price, self.basis_ema.value, _or(bid, last), _or(ask, last), last, external_mids=(book_ema,)
            )
        self.mark = mark
        self.mark_cause = self.ctx.trace.record(now, Kind.MARK, self.name, msg.cause, price=mark)
        if self.cfg.engine_interval == 0:
            self.check_liquidations(self.mark_cause)

    def _sample_basis(self):
        """Binance P2: a sample of (perp mid − index) every ``basis_interval``, 1 s on Binance (MECHANICS.md §2)."""
        env = self.ctx.env
        while True:
            yield env.timeout(self.cfg.basis_interval)
            mid = self.book.mid()
            if self.index is not None and not math.isnan(mid):
                self.basis_ma.add(mid - self.index)

    def _engine_clock(self):
        env = self.ctx.env
        while True:
            yield env.timeout(self.cfg.engine_interval)
            self.check_liquidations(self.mark_cause)

    # ------------------------------------------------------------------ liquidation engine

    def _transfer_margin(self, msg: MarginTransfer) -> None:
        """Post margin (amount > 0) or take out what is free above twice the maintenance margin
        (before the first mark, all of it)."""
        ledger, positions = self.ctx.ledger, self.positions
        pid = self._pid_for(msg.account)
        amount = msg.amount
        if amount < 0:
            margin = float(positions.margin[pid])
            if self.mark is not None:
                equity = float(positions.equity([pid], self.mark)[0])
                qty = float(positions.qty[pid])
                maintenance = positions.tiers.maintenance(qty * self.mark) if qty else 0.0
                margin = min(margin, equity - 2 * maintenance)
            amount = -min(-amount, max(0.0, margin))
        if amount == 0:
            return
        ledger.transfer(msg.account, self.margin_account, QUOTE, amount)
        if amount > 0:
            positions.deposit(pid, amount)
        else:
            positions.withdraw(pid, -amount)
        self.ctx.trace.record(
            self.ctx.env.now, Kind.MARGIN, self.name, msg.cause, ledger.names[msg.account], notional=amount
        )

    def check_liquidations(self, cause: int) -> None:
        """Queue the liquidation of every position the mark has crossed (``cause``: the record that
        moved it: a mark, or a funding payment). Positions already queued, cooling down between
        Hyperliquid slices, or held by the fund or the vault are skipped."""
        if self.mark is None:
            return
        positions, trace, now = self.positions, self.ctx.trace, self.ctx.env.now
        names = self.ctx.ledger.names
        for side in (-1, 1):
            pids = positions.liquidatable(side, self.mark)
            if len(pids) == 0:
                continue
            pids = pids[~self.pending[pids]]
            for pid in pids.tolist():
                self.pending[pid] = True
                qty = float(positions.qty[pid])
                rid = trace.record(
                    now,
                    Kind.LIQUIDATION,
                    self.name,
                    cause,
                    names[int(positions.owner[pid])],
                    side,
                    self.mark,
                    qty,
                    qty * self.mark,
                    pid=pid,
                    bankruptcy=float(positions.bankruptcy_price[pid]),
                )
                self.engine.submit(LiquidationJob(pid, rid))

    def _execute(self, job: LiquidationJob | Quotes | Order) -> None:
        """The matching engine's turn for one job: a liquidation through the waterfall
        (``_liquidate``), a market maker's quotes replaced (``_requote``), or a taker order
        against the book, its fills settled (``_settle_fills``) and, for the fund's or the
        vault's unwinding, its realised PnL swept to their cash (``_sweep``)."""
        if isinstance(job, LiquidationJob):
            self._liquidate(job)
        elif isinstance(job, Quotes):
            self._requote(job)
        else:
            pid = self._pid_for(job.account)
            fills = self.book.market(job.side, job.qty, owner=job.account)
            if fills:
                self._settle_fills(pid, job.account, job.side, fills, job.cause)
            if pid in self.holders:
                self._sweep(pid, job.cause)

    def _position(self, pid: int) -> Position:
        p = self.positions
        return Position(int(p.side[pid]), float(p.qty[pid]), float(p.entry[pid]), float(p.margin[pid]))

    def _liquidate(self, job: LiquidationJob) -> None:
        """One position through the venue style's waterfall (docs/MECHANICS.md §5), in order:

        1. a position closed meanwhile is dropped; the owner's resting orders are cancelled;
        2. ``clearing.liquidation_order``: the book order, bounded as the style says (or none);
        3. the order fills against the book and settles like any trade;
        4. ``clearing.after_book`` decides the rest: done, retry (after a Hyperliquid cooldown,
           or at the next mark), takeover by the fund, backstop to the vault, or ADL;
        5. a closed position's margin is settled (``clearing.settle_closed``), a backstopped one's
           goes to the vault.
        """
        positions, pid, cause = self.positions, job.pid, job.cause
        pos = self._position(pid)
        owner = int(positions.owner[pid])
        if pos.qty <= DUST:
            self.pending[pid] = False
            return
        if owner in self.pid_of:
            self.book.cancel_owner(owner)
        mark = self.mark
        order = liquidation_order(self.rules, positions.tiers, pos, mark)
        closed = 0.0
        if order is not None:
            fills = self.book.market(-pos.side, order.qty, owner=owner, limit_price=order.limit)
            if fills:
                closed += self._settle_fills(pid, owner, -pos.side, fills, cause)
        rest = self._position(pid)
        outcome = after_book(
            self.rules,
            positions.tiers,
            rest,
            mark,
            order,
            self._capacity("insurance"),
            self._capacity("vault"),
            pos.bankruptcy_price(),
        )
        if outcome.step is Step.TAKEOVER:
            closed += self._take_over(pid, outcome, "insurance", cause)
        elif outcome.step is Step.BACKSTOP:
            self._take_over(pid, outcome, "vault", cause)
            self._margin_to_vault(pid, owner, cause)
        elif outcome.step is Step.ADL:
            closed += self._auto_deleverage(pid, outcome.qty, outcome.price, cause)
        if positions.qty[pid] > DUST:
            self._retry_later(pid, order)
            return
        if outcome.step is not Step.BACKSTOP:
            self._settle_closed(pid, owner, closed, cause)
        self.pending[pid] = False
        self.liquidated += 1
        if owner in self.pid_of:
            del self.pid_of[owner]

    def _retry_later(self, pid: int, order: BookOrder | None) -> None:
        """An open remainder: liquidatable again at the next mark, or, after a Hyperliquid slice,
        once the cooldown has passed (the engine then checks the current mark)."""
        if not (order is not None and order.partial and self.rules.style == "hyperliquid"):
            self.pending[pid] = False
            return
        env = self.ctx.env

        def release(_event) -> None:
            self.pending[pid] = False
            self.check_liquidations(self.mark_cause)

        env.timeout(self.rules.cooldown).callbacks.append(release)

    def _capacity(self, holds: str) -> float:
        """The loss at the mark the fund (``insurance``) or the vault can still absorb: its cash plus
        its inventory's value at the mark; 0 when the venue has none."""
        pid = self.holder_pid.get(holds)
        if pid is None:
            return 0.0
        cash = self.ctx.ledger.balance(self.holder_account[holds], QUOTE)
        return cash + float(self.positions.equity([pid], self.mark)[0])

    def _take_over(self, pid: int, outcome: Resolution, holds: str, cause: int) -> float:
        """Move the rest of ``pid`` to the fund or vault at ``outcome.price`` (a ``takeover`` or
        ``backstop`` record, reported to its unwinder); the notional moved."""
        positions, trace, now = self.positions, self.ctx.trace, self.ctx.env.now
        holder = self.holder_pid[holds]
        side, qty, price = int(positions.side[pid]), outcome.qty, outcome.price
        self._trade(pid, -side, qty, price)
        self._trade(holder, side, qty, price)
        kind = Kind.TAKEOVER if holds == "insurance" else Kind.BACKSTOP
        account = self.ctx.ledger.names[self.holder_account[holds]]
        rid = trace.record(now, kind, self.name, cause, account, side, price, qty, qty * price)
        channel = self.unwinder_out.get(holds)
        if channel is not None:
            channel.send(Takeover(rid, self.name, side, qty, price))
        return qty * price

    def _margin_to_vault(self, pid: int, owner: int, cause: int) -> None:
        """Hyperliquid backstop: the position's margin goes with it to the vault (negative: the
        vault pays it), and the maintenance margin is not returned (a ``vault`` record)."""
        self._margin_to_cash(pid, self.holder_account["vault"], Kind.VAULT, owner, cause, "backstop margin")

    def _margin_to_cash(self, pid: int, account: int, kind: Kind, who: int, cause: int, info: str) -> None:
        """Move record ``pid``'s margin to ``account``'s cash (a ``kind`` record naming ``who``); a
        negative margin the cash pays, as far as it goes, the rest being bad debt of ``who``."""
        ledger, positions = self.ctx.ledger, self.positions
        margin = float(positions.margin[pid])
        if abs(margin) <= DUST:
            return
        if margin > 0:
            positions.withdraw(pid, margin)
            ledger.transfer(self.margin_account, account, QUOTE, margin)
        else:
            paid = self._pay_from(account, -margin, who, cause)
            positions.deposit(pid, -margin)
            margin = -paid
        if abs(margin) > DUST:
            self.ctx.trace.record(
                self.ctx.env.now, kind, self.name, cause, ledger.names[who], notional=margin, info=info
            )

    def _pay_from(self, account: int, amount: float, debtor: int, cause: int) -> float:
        """Pay ``amount`` into the margin account from ``account``'s cash, as far as it goes; the rest
        is bad debt (a ``bad_debt`` record naming ``debtor``). Returns what the cash paid."""
        ledger = self.ctx.ledger
        paid = min(amount, max(ledger.balance(account, QUOTE), 0.0))
        short = amount - paid
        if short <= DUST:  # dust is paid by the cash account, not called bad debt
            paid, short = amount, 0.0
        ledger.transfer(account, self.margin_account, QUOTE, paid)
        if short:
            ledger.transfer(self.bad_debt_account, self.margin_account, QUOTE, short)
            self.ctx.trace.record(
                self.ctx.env.now, Kind.BAD_DEBT, self.name, cause, ledger.names[debtor], notional=short
            )
        return paid

    def _sweep(self, pid: int, cause: int) -> None:
        """Move the PnL a fund's or vault's trade realised from its position record to its cash
        account (an ``insurance`` or ``vault`` record); what the cash cannot pay is bad debt."""
        holds = self.holders[pid]
        account = self.holder_account[holds]
        self._margin_to_cash(
            pid, account, Kind.INSURANCE if holds == "insurance" else Kind.VAULT, account, cause, "unwind pnl"
        )

    def _settle_closed(self, pid: int, owner: int, notional: float, cause: int) -> None:
        """A closed position's margin: clearance fee to the fund, the rest to the owner, a shortfall
        from the fund, and what is left unpaid as bad debt (``clearing.settle_closed``)."""
        ledger, positions, trace, now = self.ctx.ledger, self.positions, self.ctx.trace, self.ctx.env.now
        margin = float(positions.margin[pid])
        fund = ledger.balance(self.insurance, QUOTE)
        st = settle_closed(self.rules, margin, notional, fund)
        if st.from_fund > DUST:
            ledger.transfer(self.insurance, self.margin_account, QUOTE, st.from_fund)
        if st.bad_debt > DUST:
            ledger.transfer(self.bad_debt_account, self.margin_account, QUOTE, st.bad_debt)
            trace.record(now, Kind.BAD_DEBT, self.name, cause, ledger.names[owner], notional=st.bad_debt)
        if st.from_fund + st.bad_debt > 0:
            positions.deposit(pid, st.from_fund + st.bad_debt)
        positions.withdraw(pid)
        if st.fee > 0:
            ledger.transfer(self.margin_account, self.insurance, QUOTE, st.fee)
        if st.to_owner > 0:
            ledger.transfer(self.margin_account, owner, QUOTE, st.to_owner)
        if st.fee > DUST or st.from_fund > DUST:
            trace.record(now, Kind.INSURANCE, self.name, cause, ledger.names[owner], notional=st.fee - st.from_fund)

    def _auto_deleverage(self, pid: int, qty: float, price: float, cause: int) -> float:
        """Close ``qty`` of ``pid`` against the ranked profitable opposite positions at ``price`` (the
        bankruptcy price, or the mark on Hyperliquid; docs/MECHANICS.md §5); the notional closed.
        Positions pending liquidation, the fund's and the vault's are not deleveraged."""
        positions, trace, now = self.positions, self.ctx.trace, self.ctx.env.now
        names = self.ctx.ledger.names
        side = int(positions.side[pid])
        pending = self.pending
        queue = (
            (other, float(positions.qty[other])) for other in self.adl[-side].queue(self.mark) if not pending[other]
        )
        notional = 0.0
        for other, take in adl_allocation(queue, qty):
            self._trade(other, side, take, price)
            self._trade(pid, -side, take, price)
            notional += take * price
            owner = int(positions.owner[other])
            rid = trace.record(now, Kind.ADL, self.name, cause, names[owner], -side, price, take, take * price)
            channel = self.fill_out.get(names[owner])
            if channel is not None:
                channel.send(FillReport(rid, self.name, side, take, price))
        return notional

    # ------------------------------------------------------------------ trading

    def _trade(self, pid: int, side: int, qty: float, price: float) -> None:
        pnl = self.positions.trade(pid, side, qty, price)
        if pnl:
            self.ctx.ledger.transfer(self.settlement, self.margin_account, QUOTE, pnl)

    def _pid_for(self, account: int) -> int:
        """The position record of a named account, opened flat on first use."""
        pid = self.pid_of.get(account)
        if pid is None:
            pid = self.positions.open_flat(account, 0.0)
            self.pid_of[account] = pid
            self._grow_pending()
        return pid

    def _requote(self, msg: Quotes) -> None:
        book = self.book
        book.cancel_owner(msg.account)
        pid = None
        for side, levels in ((1, msg.bids), (-1, msg.asks)):
            for price, qty in levels:
                _, fills = book.limit(side, price, qty, msg.account)
                if fills:
                    pid = pid if pid is not None else self._pid_for(msg.account)
                    self._settle_fills(pid, msg.account, side, fills, msg.cause)

    def _settle_fills(self, pid: int, taker: int, side: int, fills: list[Fill], cause: int) -> float:
        """Apply a taker's fills to both sides' positions; record the trade and each maker's fill."""
        trace, now, names = self.ctx.trace, self.ctx.env.now, self.ctx.ledger.names
        qty = notional = 0.0
        by_maker: dict[int, list[float]] = {}
        for f in fills:
            self._trade(pid, side, f.qty, f.price)
            maker_pid = self._pid_for(f.maker_owner)
            self._trade(maker_pid, -side, f.qty, f.price)
            qty += f.qty
            notional += f.qty * f.price
            agg = by_maker.setdefault(f.maker_owner, [0.0, 0.0])
            agg[0] += f.qty
            agg[1] += f.qty * f.price
        self.last = fills[-1].price
        rid = trace.record(now, Kind.TRADE, self.name, cause, names[taker], side, self.last, qty, notional)
        taker_channel = self.fill_out.get(names[taker])
        if taker_channel is not None:
            taker_channel.send(FillReport(rid, self.name, side, qty, notional / qty))
        for maker, (mq, mn) in by_maker.items():
            fid = trace.record(now, Kind.FILL, self.name, rid, names[maker], -side, mn / mq, mq, mn)
            channel = self.fill_out.get(names[maker])
            if channel is not None:
                channel.send(FillReport(fid, self.name, -side, mq, mn / mq))
        return notional


def _or(price: float, fallback: float) -> float:
    """A book price, or ``fallback`` when that side of the book is empty (the book's nan)."""
    return fallback if math.isnan(price) else price
