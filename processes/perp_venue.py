"""A perpetual-futures venue: order book, position book, mark price and liquidation engine.

Index updates arrive over the index link and move the mark price (``mark`` records). The
liquidation engine finds crossed positions by binary search (``liquidation`` records) and
queues their close orders in the matching engine; fills realise PnL between positions
through the venue's settlement account, makers get a FillReport over their fill link, the
liquidation fee and any shortfall go through the insurance fund, and what the book or the
fund cannot take is auto-deleveraged against profitable opposite positions at the
bankruptcy price (MECHANICS.md §5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from processes.context import Context
from processes.engine import MatchingEngine
from processes.funding_clock import FundingClock
from processes.messages import FillReport, IndexUpdate, MarginTransfer, Order, Quotes
from sim.config import Perp
from sim.ledger import QUOTE
from sim.market.liquidation import AdlRanking, settle_liquidation
from sim.market.margin import MarginTiers
from sim.market.mark import IrregularEMA, MovingAverage, binance_mark, hyperliquid_mark
from sim.market.orderbook import Fill, OrderBook
from sim.market.positions import PositionBook
from sim.market.sides import LONG, SHORT
from sim.populations import Cohort

_DUST = 1e-9


@dataclass(slots=True)
class LiquidationJob:
    pid: int
    cause: int


def margin_tiers(cfg: Perp) -> MarginTiers:
    """The venue's maintenance-margin ladder: explicit tiers, else a flat MMR."""
    if cfg.tiers:
        return MarginTiers.from_rows([tuple(row) for row in cfg.tiers])
    return MarginTiers.flat(cfg.mmr)


class PerpVenue:
    def __init__(self, ctx: Context, name: str, cfg: Perp) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        ledger = ctx.ledger
        self.book = OrderBook(cfg.tick)
        self.positions = PositionBook(margin_tiers(cfg))
        self.adl = {s: AdlRanking(self.positions, s, cfg.adl) for s in (LONG, SHORT)}
        self.engine = MatchingEngine(ctx.env, cfg.throughput, self._execute)
        self.margin_account = ledger.account(f"{name}:margin")
        self.settlement = ledger.account(f"{name}:settlement")
        self.insurance = ledger.account(f"{name}:insurance")
        self.bad_debt_account = ledger.account(f"{name}:bad_debt")
        # fill reports go to a participant over its fill or md link
        self.fill_out = {ch.dst: ch for ch in ctx.out_channels(name) if ch.kind in ("fill", "md")}
        self.pid_of: dict[int, int] = {}
        self.pending = np.zeros(0, dtype=bool)
        self.index = math.nan
        self.mark = math.nan
        self.mark_cause = -1
        self.last = math.nan
        self.basis_ma = MovingAverage(30)
        self.basis_ema = IrregularEMA(150.0)
        self.liquidated = 0
        self.funding = FundingClock(self)

    # ------------------------------------------------------------------ set-up

    def open(self, cohorts: list[Cohort]) -> None:
        """Fund the insurance fund and open the populations' positions (t = 0)."""
        ledger = self.ctx.ledger
        if self.cfg.insurance_fund:
            ledger.endow(self.insurance, QUOTE, self.cfg.insurance_fund)
        for cohort in cohorts:
            owner = ledger.account(cohort.owner)
            total = float(cohort.margin.sum())
            ledger.endow(owner, QUOTE, total)
            ledger.transfer(owner, self.margin_account, QUOTE, total)
            self.positions.open_many(owner, cohort.side, cohort.qty, cohort.entry, cohort.margin)
        self._grow_pending()
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
        last = self.last if self.last == self.last else msg.price
        if self.cfg.mark == "binance":
            to_next = self.cfg.funding_interval - math.fmod(now, self.cfg.funding_interval)
            mark = binance_mark(
                msg.price, self.funding.predicted, to_next, self.cfg.funding_interval, self.basis_ma.value, last
            )
        else:
            if mid == mid:
                self.basis_ema.add(mid - msg.price, now)
            bid, ask = self.book.best_bid(), self.book.best_ask()
            mark = hyperliquid_mark(msg.price, self.basis_ema.value, _or(bid, last), _or(ask, last), last)
        self.mark = mark
        self.mark_cause = self.ctx.trace.record(now, "mark", self.name, msg.cause, price=mark)
        if self.cfg.engine_interval == 0:
            self.check_liquidations(self.mark_cause)

    def _sample_basis(self):
        """Binance P2: a sample of (perp mid − index) every ``basis_interval``, 1 s on Binance (MECHANICS.md §2)."""
        env = self.ctx.env
        while True:
            yield env.timeout(self.cfg.basis_interval)
            mid = self.book.mid()
            if mid == mid and self.index == self.index:
                self.basis_ma.add(mid - self.index)

    def _engine_clock(self):
        env = self.ctx.env
        while True:
            yield env.timeout(self.cfg.engine_interval)
            self.check_liquidations(self.mark_cause)

    # ------------------------------------------------------------------ liquidation engine

    def _transfer_margin(self, msg: MarginTransfer) -> None:
        """Post margin (amount > 0) or take out what is free above twice the maintenance margin."""
        ledger, positions = self.ctx.ledger, self.positions
        pid = self._pid_for(msg.account)
        amount = msg.amount
        if amount < 0:
            price = _or(self.mark, self.index)
            equity = float(positions.equity([pid], price)[0])
            maintenance = positions.tiers.maintenance(float(positions.qty[pid]) * price) if positions.qty[pid] else 0.0
            free = max(0.0, min(float(positions.margin[pid]), equity - 2 * maintenance))
            amount = -min(-amount, free)
        if amount == 0:
            return
        ledger.transfer(msg.account, self.margin_account, QUOTE, amount)
        if amount > 0:
            positions.deposit(pid, amount)
        else:
            positions.withdraw(pid, -amount)
        self.ctx.trace.record(
            self.ctx.env.now, "margin", self.name, msg.cause, ledger.names[msg.account], notional=amount
        )

    def check_liquidations(self, cause: int) -> None:
        """Queue the liquidation of every position the mark has crossed (``cause``: the record that moved it)."""
        if self.mark != self.mark:
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
                    "liquidation",
                    self.name,
                    self.mark_cause,
                    names[int(positions.owner[pid])],
                    side,
                    self.mark,
                    qty,
                    qty * self.mark,
                    f"pid={pid}",
                )
                self.engine.submit(LiquidationJob(pid, rid))

    def _execute(self, job: LiquidationJob | Quotes | Order) -> None:
        if isinstance(job, LiquidationJob):
            self._liquidate(job)
        elif isinstance(job, Quotes):
            self._requote(job)
        else:
            pid = self._pid_for(job.account)
            fills = self.book.market(job.side, job.qty, owner=job.account)
            if fills:
                self._settle_fills(pid, job.account, job.side, fills, job.cause)

    def _liquidate(self, job: LiquidationJob) -> None:
        positions, ledger, pid = self.positions, self.ctx.ledger, job.pid
        qty = float(positions.qty[pid])
        side = int(positions.side[pid])
        owner = int(positions.owner[pid])
        if qty <= _DUST:
            self.pending[pid] = False
            return
        if owner in self.pid_of:
            self.book.cancel_owner(owner)
        closed_notional = 0.0
        bankruptcy = float(positions.bankruptcy_price[pid])  # before the book fills move the margin
        fund = ledger.balance(self.insurance, QUOTE)
        if fund > 0:
            fills = self.book.market(-side, qty, owner=owner)
            if fills:
                closed_notional += self._settle_fills(pid, owner, -side, fills, job.cause)
        remaining = float(positions.qty[pid])
        if remaining > _DUST:
            closed_notional += self._auto_deleverage(pid, remaining, bankruptcy, job.cause)
        self._settle_liquidation(pid, owner, closed_notional, job.cause)
        self.pending[pid] = False
        self.liquidated += 1
        if owner in self.pid_of:
            del self.pid_of[owner]

    def _settle_liquidation(self, pid: int, owner: int, notional: float, cause: int) -> None:
        ledger, positions, trace, now = self.ctx.ledger, self.positions, self.ctx.trace, self.ctx.env.now
        margin = float(positions.margin[pid])
        fund = ledger.balance(self.insurance, QUOTE)
        st = settle_liquidation(margin, 0.0, notional, self.cfg.liquidation_fee, fund)
        if st.from_fund:
            ledger.transfer(self.insurance, self.margin_account, QUOTE, st.from_fund)
        if st.bad_debt:
            ledger.transfer(self.bad_debt_account, self.margin_account, QUOTE, st.bad_debt)
            trace.record(now, "bad_debt", self.name, cause, ledger.names[owner], notional=st.bad_debt)
        if st.from_fund or st.bad_debt:
            positions.deposit(pid, st.from_fund + st.bad_debt)
        positions.withdraw(pid)
        if st.fee:
            ledger.transfer(self.margin_account, self.insurance, QUOTE, st.fee)
        if st.to_owner:
            ledger.transfer(self.margin_account, owner, QUOTE, st.to_owner)
        if st.fee or st.from_fund:
            trace.record(now, "insurance", self.name, cause, ledger.names[owner], notional=st.fee - st.from_fund)

    def _auto_deleverage(self, pid: int, qty: float, price: float, cause: int) -> float:
        """Close ``qty`` of ``pid`` against opposite positions at its bankruptcy ``price`` (MECHANICS.md §5)."""
        positions, trace, now = self.positions, self.ctx.trace, self.ctx.env.now
        names = self.ctx.ledger.names
        side = int(positions.side[pid])
        notional = 0.0
        for other in self.adl[-side].queue(self.mark):
            if qty <= _DUST:
                break
            if self.pending[other]:
                continue
            take = min(qty, float(positions.qty[other]))
            if take <= _DUST:
                continue
            self._trade(other, side, take, price)
            self._trade(pid, -side, take, price)
            qty -= take
            notional += take * price
            owner = int(positions.owner[other])
            rid = trace.record(now, "adl", self.name, cause, names[owner], -side, price, take, take * price)
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
        rid = trace.record(now, "trade", self.name, cause, names[taker], side, self.last, qty, notional)
        taker_channel = self.fill_out.get(names[taker])
        if taker_channel is not None:
            taker_channel.send(FillReport(rid, self.name, side, qty, notional / qty))
        for maker, (mq, mn) in by_maker.items():
            fid = trace.record(now, "fill", self.name, rid, names[maker], -side, mn / mq, mq, mn)
            channel = self.fill_out.get(names[maker])
            if channel is not None:
                channel.send(FillReport(fid, self.name, -side, mq, mn / mq))
        return notional


def _or(x: float, fallback: float) -> float:
    return x if x == x else fallback
