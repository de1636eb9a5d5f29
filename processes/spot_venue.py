"""A spot venue: an order book behind a matching engine, settling trades in the ledger.

Taker orders arrive over links (``order`` records), wait for the engine, execute
(``trade`` records) and move cash and tokens between taker and makers. Limit orders rest
under their sender's reference until it cancels them (neither is recorded unless the venue
has ``record_limits``; a limit order that crosses records its trade). Resting orders hold the funds they may need
(sim/market/holds.py): every order is cut to its sender's balance less its holds. Whenever
the top of book or last price changes, the venue publishes MarketData on its outgoing ``md``
links.
"""

from __future__ import annotations

import math

from processes.context import Context
from processes.engine import MatchingEngine
from processes.messages import Cancel, Limit, MarketData, Order, Quotes
from processes.spot_settings import SpotSettings
from sim.core.datafiles import profile_ladders
from sim.core.trace import Kind
from sim.market.assets import ASSET, QUOTE
from sim.market.depth import ladder
from sim.market.holds import Holds
from sim.market.orderbook import Fill, OrderBook
from sim.market.sides import BUY, SELL


class SpotVenue:
    def __init__(self, ctx: Context, name: str, cfg: SpotSettings) -> None:
        self.ctx = ctx
        self.name = name
        self.cfg = cfg
        self.book = OrderBook(cfg.tick)
        self.engine = MatchingEngine(ctx.env, cfg.throughput, self._execute)
        self.fee_account = ctx.ledger.account(f"{name}:fees")
        self.last = cfg.book.mid
        self.peak = cfg.book.mid
        self._top: tuple[float | None, float | None, float] | None = None  # the last published (bid, ask, last)
        self.md_out = ctx.out_channels(name, "md")
        self.resting: dict[tuple[int, int], int] = {}  # (account, ref) -> book order id
        self.holds = Holds(cfg.taker_fee)
        self._jobs = {Order: self._take, Quotes: self._requote, Limit: self._limit, Cancel: self._cancel}
        self._cash, self._tokens = ctx.ledger.balances[QUOTE], ctx.ledger.balances[ASSET]

    def open(self) -> None:
        """Seed the initial book from its owner's endowment and publish the opening prices."""
        ledger, book = self.ctx.ledger, self.cfg.book
        owner = ledger.account(book.owner)
        for side, levels in self._opening_ladders():
            for price, qty in levels:
                ledger.endow(owner, ASSET if side == SELL else QUOTE, qty if side == SELL else price * qty)
                self.book.limit(side, price, qty, owner)
        rid = self.ctx.trace.record(self.ctx.env.now, Kind.OPEN, self.name, price=book.mid)
        self._publish(rid, 0.0)
        if self.cfg.depth_interval > 0:
            self.ctx.env.process(self._sample_depth())

    def _opening_ladders(self) -> list[tuple[int, list[tuple[float, float]]]]:
        """(side, levels) of the initial book, asks first: from its depth-profile file, else its profiles."""
        book, tick = self.cfg.book, self.cfg.tick
        if book.profile is not None:
            ladders = profile_ladders(book.profile, f"spot.{self.name}.book.profile", book.mid, tick)
            return [(SELL, ladders.asks), (BUY, ladders.bids)]
        return [
            (side, ladder(depth, book.mid, tick, side))
            for side, depth in ((SELL, book.asks), (BUY, book.bids))
            if depth is not None
        ]

    def _sample_depth(self):
        """A ``depth`` record every ``depth_interval``: notional within ±depth_range of mid (both sides)."""
        env, cfg, book = self.ctx.env, self.cfg, self.book
        while True:
            yield env.timeout(cfg.depth_interval)
            bids, asks = book.depth_notional(BUY, cfg.depth_range), book.depth_notional(SELL, cfg.depth_range)
            self.ctx.trace.record(
                env.now,
                Kind.DEPTH,
                self.name,
                price=book.mid(),
                notional=bids + asks,
                info=f"bids={bids!r} asks={asks!r}",
            )

    def receive(self, msg: Order | Quotes | Limit | Cancel) -> None:
        """A message from a link: an Order is recorded (``order``), a Limit or Cancel too when
        the venue records limits; then every job waits its turn in the matching engine."""
        if self.cfg.record_limits and type(msg) in (Limit, Cancel):
            msg.cause = self._record_limit(msg)
        elif type(msg) is Order:
            msg.cause = self.ctx.record_order(self.name, msg)
        self.engine.submit(msg)

    def _record_limit(self, msg: Limit | Cancel) -> int:
        """An ``order`` record of a limit order or cancel: its info says which, its ref is the sender's reference."""
        name = self.ctx.ledger.names[msg.account]
        if type(msg) is Cancel:
            return self.ctx.trace.record(
                self.ctx.env.now, Kind.ORDER, self.name, msg.cause, name, info="cancel", ref=msg.ref
            )
        return self.ctx.trace.record(
            self.ctx.env.now,
            Kind.ORDER,
            self.name,
            msg.cause,
            name,
            msg.side,
            msg.price,
            msg.qty,
            info="limit",
            ref=msg.ref,
        )

    def _execute(self, msg: Order | Quotes | Limit | Cancel) -> None:
        """The matching engine's turn for one job, in order: the job against the book
        (``_take``, ``_requote``, ``_limit`` or ``_cancel``; fills settled by ``_settle``), then
        the top of the book published on the md links if it changed (``_publish``)."""
        self._publish(msg.cause, self._jobs[type(msg)](msg))

    def _cancel(self, msg: Cancel) -> float:
        order = self.resting.pop((msg.account, msg.ref), None)
        if order is not None:
            self._release(order)
        return 0.0

    def _rest(self, order: int) -> None:
        """Hold what a resting order may need (nothing if it did not rest)."""
        resting = self.book.order(order)
        if resting is not None:
            side, price, qty, owner = resting
            self.holds.hold(owner, side, price, qty)

    def _release(self, order: int) -> None:
        """Cancel a resting order and release its hold (nothing if it no longer rests)."""
        resting = self.book.order(order)
        if resting is not None:
            side, price, qty, owner = resting
            self.book.cancel(order)
            self.holds.release(owner, side, price, qty)

    def _limit(self, msg: Limit) -> float:
        """Post a limit order cut to what its sender may commit; returns the notional it traded at once."""
        side, price, account = msg.side, msg.price, msg.account
        if side == BUY:
            cash = self.holds.free_cash(account, self._cash[account])
            qty = min(msg.qty, cash / (price * (1 + self.cfg.taker_fee)))
        else:
            qty = min(msg.qty, self.holds.free_tokens(account, self._tokens[account]))
        if not qty > 0:
            return 0.0
        order, fills = self.book.limit(side, price, qty, account)
        traded = self._settle(account, side, fills, msg.cause) if fills else 0.0
        self.resting[account, msg.ref] = order
        self._rest(order)
        return traded

    def _requote(self, msg: Quotes) -> float:
        """Replace an account's quotes; returns the notional traded by any that crossed.

        Quotes are cut to what the account holds when they arrive (bids: cash, with the taker
        fee should they cross; asks: tokens), and held, so fills in flight cannot overdraw it.
        """
        book, traded, ledger = self.book, 0.0, self.ctx.ledger
        book.cancel_owner(msg.account)
        self.holds.clear(msg.account)
        budget = {BUY: ledger.balance(msg.account, QUOTE), SELL: ledger.balance(msg.account, ASSET)}
        for side, levels in ((BUY, msg.bids), (SELL, msg.asks)):
            for price, wanted in levels:
                unit = price * (1 + self.cfg.taker_fee) if side == BUY else 1.0
                qty = min(wanted, budget[side] / unit)
                if not qty > 0:
                    continue
                budget[side] -= qty * unit
                order, fills = book.limit(side, price, qty, msg.account)
                if fills:
                    traded += self._settle(msg.account, side, fills, msg.cause)
                self._rest(order)
        return traded

    def _take(self, msg: Order) -> float:
        """Execute a taker order within what the taker may commit; returns the notional traded."""
        ledger, book, account = self.ctx.ledger, self.book, msg.account
        fee = self.cfg.taker_fee
        if msg.side == BUY:
            cash = self.holds.free_cash(account, ledger.balance(account, QUOTE)) / (1 + fee)
            notional = msg.notional
            if not msg.by_notional:  # buying a quantity: spend the cash instead if it cannot afford it
                cost = book.cost(BUY, msg.qty)  # nan if the book cannot fill it
                if not cost <= cash:
                    notional = cash
            if notional is not None:
                fills = book.market(BUY, notional=min(notional, cash), owner=msg.account) if cash > 0 else []
            else:
                fills = book.market(BUY, msg.qty, owner=msg.account)
        else:
            tokens = self.holds.free_tokens(account, ledger.balance(account, ASSET))
            qty = msg.qty
            if msg.by_notional:  # selling a notional's worth at the book's average price, or all if it cannot
                avg = book.impact_price(SELL, msg.notional)
                qty = tokens if math.isnan(avg) else msg.notional / avg
            qty = min(qty, tokens)
            fills = book.market(SELL, qty, owner=msg.account) if qty > 0 else []
        return self._settle(msg.account, msg.side, fills, msg.cause) if fills else 0.0

    def _settle(self, taker: int, side: int, fills: list[Fill], cause: int) -> float:
        ledger = self.ctx.ledger
        swap, release = ledger.swap, self.holds.release
        qty = notional = 0.0
        for f in fills:
            value = f.price * f.qty
            release(f.maker_owner, -side, f.price, f.qty)
            if side == BUY:
                swap(taker, f.maker_owner, f.qty, value)
            else:
                swap(f.maker_owner, taker, f.qty, value)
            qty += f.qty
            notional += value
        if self.cfg.taker_fee:
            ledger.transfer(taker, self.fee_account, QUOTE, notional * self.cfg.taker_fee)
        self.last = last = fills[-1].price
        if last > self.peak:
            self.peak = last
        self.ctx.trace.record(
            self.ctx.env.now, Kind.TRADE, self.name, cause, ledger.names[taker], side, last, qty, notional
        )
        return notional

    def _publish(self, cause: int, traded: float) -> None:
        """MarketData on every md link if the top of book or the last price changed (one
        message object for all links: subscribers only read it)."""
        bid, ask = self.book.top()
        top = (bid, ask, self.last)
        if top == self._top:
            return
        self._top = top
        mid = None if bid is None or ask is None else (bid + ask) / 2
        price = self.last if self.cfg.publish == "last" else mid
        msg = MarketData(cause, self.name, bid, ask, mid, self.last, price, traded)
        for channel in self.md_out:
            channel.send(msg)
