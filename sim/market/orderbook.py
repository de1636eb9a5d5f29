"""A limit order book on a tick grid: price-time priority, no clock (MECHANICS.md §7).

Prices are held as integer ticks. Each side keeps ``key -> {order id: order}`` (a dict
keeps time priority) and a sorted list of keys with the best key last, where
``key = side * ticks`` (bids: +ticks, asks: -ticks). Matching is at the resting price.
There is no self-trade prevention: an owner's taker order fills against its own
resting orders like anyone else's. Quantities below ``min_qty`` are dust: a taker
remainder or a resting order's remainder below it is dropped.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from dataclasses import dataclass
from itertools import islice

from sim.market.sides import BUY, SELL, check_non_negative, check_positive, check_side

_GRID_TOL = 1e-9  # relative tolerance, in ticks, for "on the grid"


@dataclass(slots=True)
class Fill:
    """One execution against a resting order (not frozen: a frozen dataclass takes 4x as long to build)."""

    price: float  # execution price (the resting order's price)
    qty: float
    maker_order: int  # resting order id
    maker_owner: int  # resting order's owner (account id)


class TickGrid:
    """Conversion between prices and integer ticks on a grid of step ``tick``."""

    __slots__ = ("tick", "_num", "_den")

    def __init__(self, tick: float) -> None:
        self.tick = check_positive("tick", tick)
        per_unit = round(1.0 / self.tick)
        if per_unit >= 1 and abs(1.0 / self.tick - per_unit) <= _GRID_TOL * per_unit:
            # Decimal ticks (0.01, 0.5, ...): price = ticks / per_unit is correctly rounded.
            self._num, self._den = 1.0, per_unit
        else:
            self._num, self._den = self.tick, 1

    def to_ticks(self, price: float, name: str = "price") -> int:
        """Ticks of ``price``; ValueError naming ``name`` if off the grid or not > 0."""
        check_positive(name, price)
        x = price * self._den / self._num
        n = round(x)
        if n < 1 or abs(x - n) > _GRID_TOL * x:
            raise ValueError(f"{name} must be a positive multiple of tick {self.tick}, got {price!r}")
        return n

    def bound(self, price: float, side: int) -> int:
        """Ticks of the worst price a taker of ``side`` accepts under limit ``price``."""
        x = price * self._den / self._num
        return math.floor(x + _GRID_TOL * x) if side == BUY else math.ceil(x - _GRID_TOL * x)

    def price(self, ticks: int) -> float:
        """Price of ``ticks`` ticks."""
        return ticks * self._num / self._den


class _Order:
    __slots__ = ("id", "side", "ticks", "qty", "owner")

    def __init__(self, oid: int, side: int, ticks: int, qty: float, owner: int) -> None:
        self.id, self.side, self.ticks, self.qty, self.owner = oid, side, ticks, qty, owner


class _Side:
    """One side: levels by key (``side * ticks``) and the keys sorted, best last."""

    __slots__ = ("sign", "levels", "keys")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.levels: dict[int, dict[int, _Order]] = {}
        self.keys: list[int] = []


class OrderBook:
    """Limit order book with price-time priority on a tick grid (MECHANICS.md §7)."""

    def __init__(self, tick: float, min_qty: float = 1e-9) -> None:
        self.grid = TickGrid(tick)
        self.tick = self.grid.tick
        self.min_qty = check_positive("min_qty", min_qty)
        self._sides = {BUY: _Side(BUY), SELL: _Side(SELL)}
        self._orders: dict[int, _Order] = {}
        self._owners: dict[int, set[int]] = {}
        self._next_id = 0
        self._top_of = (self._sides[BUY].keys, self._sides[SELL].keys, self.grid._num, self.grid._den)

    # --- orders -------------------------------------------------------------------------

    def limit(self, side: int, price: float, qty: float, owner: int) -> tuple[int, list[Fill]]:
        """Post a limit order: the crossing part fills at once, the rest (if not dust) rests.

        Returns ``(order_id, fills)``; the id is fresh even when nothing rests.
        """
        x = ticks = 0
        if type(price) is float and 0 < price < math.inf:  # the grid's ticks inline, for the usual valid order
            num, den = self._top_of[2:]
            x = price * den / num
            ticks = round(x)
        if (
            (side != BUY and side != SELL)
            or ticks < 1
            or abs(x - ticks) > _GRID_TOL * x
            or not (type(qty) is float and 0 < qty < math.inf)
        ):  # the checks that name what is wrong
            check_side("side", side)
            ticks = self.grid.to_ticks(price)
            qty = check_positive("qty", qty)
        oid = self._next_id
        self._next_id = oid + 1
        opposite = self._sides[-side].keys
        if opposite and opposite[-1] >= -side * ticks:
            fills, qty = self._take(side, qty, False, -side * ticks)
        else:  # nothing to cross: rests whole
            fills = []
        if qty < self.min_qty:  # dust does not rest
            return oid, fills
        # rest the remainder: at the back of its level's queue
        book = self._sides[side]
        key = side * ticks
        level = book.levels.get(key)
        if level is None:
            level = book.levels[key] = {}
            keys = book.keys
            if not keys or key > keys[-1]:
                keys.append(key)
            else:
                insort(keys, key)
        level[oid] = self._orders[oid] = _Order(oid, side, ticks, qty, owner)
        owned = self._owners.get(owner)
        if owned is None:
            self._owners[owner] = {oid}
        else:
            owned.add(oid)
        return oid, fills

    def market(
        self,
        side: int,
        qty: float | None = None,
        *,
        owner: int,
        notional: float | None = None,
        limit_price: float | None = None,
    ) -> list[Fill]:
        """Fill ``qty`` (base) or ``notional`` (quote) best-first; drop what is left (IOC).

        With ``limit_price`` (any positive price, on the grid or not) the order stops at
        prices worse than it. ``owner`` is accepted for the caller's records; there is no
        self-trade prevention.
        """
        check_side("side", side)
        if (qty is None) == (notional is None):
            raise ValueError(f"exactly one of qty and notional must be given, got qty={qty!r}, notional={notional!r}")
        by_notional = notional is not None
        amount = check_positive("notional", notional) if by_notional else check_positive("qty", qty)
        if limit_price is None:
            bound = -math.inf
        else:
            bound = -side * self.grid.bound(check_positive("limit_price", limit_price), side)
        return self._take(side, amount, by_notional, bound)[0]

    def cancel(self, order_id: int) -> float:
        """Remove a resting order; its remaining qty, or 0.0 if it is not resting."""
        order = self._orders.get(order_id)
        if order is None:
            return 0.0
        self._owners[order.owner].discard(order_id)
        self._remove(order)
        return order.qty

    def cancel_owner(self, owner: int) -> float:
        """Cancel all of ``owner``'s resting orders; the total qty removed."""
        removed = 0.0
        for oid in self._owners.pop(owner, ()):
            order = self._orders[oid]
            self._remove(order)
            removed += order.qty
        return removed

    def _remove(self, order: _Order) -> None:
        """Take a resting order off its level and the order index (not the owner index)."""
        del self._orders[order.id]
        book = self._sides[order.side]
        key = order.side * order.ticks
        level = book.levels[key]
        del level[order.id]
        if not level:
            del book.levels[key]
            keys = book.keys
            if keys[-1] == key:
                keys.pop()
            else:
                del keys[bisect_left(keys, key)]

    def _take(self, side: int, amount: float, by_notional: bool, bound: float) -> tuple[list[Fill], float]:
        """Match a taker of ``side`` against the other side's levels with key >= ``bound``.

        ``amount`` is base qty, or quote notional if ``by_notional``. Returns the fills
        and the amount left unfilled (in the same unit).
        """
        book = self._sides[-side]
        keys, levels, sign = book.keys, book.levels, book.sign
        orders, owners, min_qty = self._orders, self._owners, self.min_qty
        price_of = self.grid.price
        fills: list[Fill] = []
        left = amount
        while keys and keys[-1] >= bound:
            key = keys[-1]
            level = levels[key]
            price = price_of(sign * key)
            want = left / price if by_notional else left
            if want < min_qty:
                break
            start = want
            done = 0
            for order in level.values():
                q = order.qty if order.qty < want else want
                fills.append(Fill(price, q, order.id, order.owner))
                want -= q
                order.qty -= q
                if order.qty < min_qty:
                    done += 1
                if want < min_qty:
                    break
            if done:
                for oid in list(islice(level, done)):
                    del orders[oid]
                    owners[level.pop(oid).owner].discard(oid)
                if not level:
                    del levels[key]
                    keys.pop()
            left = left - (start - want) * price if by_notional else want
            if level:
                break
        return fills, left

    # --- queries ------------------------------------------------------------------------

    def best_bid(self) -> float:
        """Highest bid price, nan if there are no bids."""
        keys = self._sides[BUY].keys
        return self.grid.price(keys[-1]) if keys else math.nan

    def best_ask(self) -> float:
        """Lowest ask price, nan if there are no asks."""
        keys = self._sides[SELL].keys
        return self.grid.price(-keys[-1]) if keys else math.nan

    def top(self) -> tuple[float | None, float | None]:
        """(best bid, best ask) in one call, None for an empty side (a venue's published top of book)."""
        bids, asks, num, den = self._top_of
        return (bids[-1] * num / den if bids else None, -asks[-1] * num / den if asks else None)

    def mid(self) -> float:
        """(best bid + best ask) / 2, nan if either side is empty."""
        return (self.best_bid() + self.best_ask()) / 2

    def _iter_levels(self, side: int):
        """(price, total qty) of ``side``'s levels, best first."""
        book = self._sides[side]
        price_of, sign = self.grid.price, book.sign
        for key in reversed(book.keys):
            yield price_of(sign * key), sum(o.qty for o in book.levels[key].values())

    def levels(self, side: int, n: int | None = None) -> list[tuple[float, float]]:
        """The best ``n`` (all if None) levels of ``side`` (BUY = bids) as (price, qty)."""
        check_side("side", side)
        if n is not None and not (isinstance(n, int) and n >= 0):
            raise ValueError(f"n must be an int >= 0 or None, got {n!r}")
        out = []
        for level in self._iter_levels(side):
            if n is not None and len(out) >= n:
                break
            out.append(level)
        return out

    def depth_notional(self, side: int, pct: float) -> float:
        """Resting notional (price * qty) on ``side`` within ``pct`` of mid (MECHANICS.md §7).

        ``pct=0.02`` counts levels with ``|price - mid| <= 2% * mid``; nan if there is no mid.
        """
        check_side("side", side)
        pct = check_non_negative("pct", pct)
        mid = self.mid()
        if math.isnan(mid):
            return math.nan
        reach = pct * mid + _GRID_TOL * self.tick
        total = 0.0
        for price, qty in self._iter_levels(side):
            if abs(price - mid) > reach:
                break
            total += price * qty
        return total

    def impact_price(self, side: int, notional: float) -> float:
        """Average fill price of a market order of ``side`` for ``notional`` quote.

        The ImpactBid (side SELL) / ImpactAsk (side BUY) of the premium index,
        MECHANICS.md §3. The book is not changed; nan if it cannot fill the order
        (beyond a dust remainder, as ``market`` would drop it).
        """
        check_side("side", side)
        notional = check_positive("notional", notional)
        left, qty, price = notional, 0.0, math.nan
        for price, level_qty in self._iter_levels(-side):
            if left / price < self.min_qty:
                break
            cost = level_qty * price
            if cost >= left:
                qty += left / price
                left = 0.0
                break
            qty += level_qty
            left -= cost
        if not qty or left / price >= self.min_qty:
            return math.nan
        return (notional - left) / qty

    def cost(self, side: int, qty: float) -> float:
        """Quote notional a market order of ``side`` for ``qty`` would trade, without changing the book.

        Walks only the levels it needs; nan if the book cannot fill ``qty`` (beyond dust).
        """
        check_side("side", side)
        left = check_positive("qty", qty)
        total = 0.0
        for price, level_qty in self._iter_levels(-side):
            take = min(left, level_qty)
            total += take * price
            left -= take
            if left < self.min_qty:
                return total
        return math.nan

    def order(self, order_id: int) -> tuple[int, float, float, int] | None:
        """(side, price, remaining qty, owner) of a resting order, or None."""
        o = self._orders.get(order_id)
        return None if o is None else (o.side, self.grid.price(o.ticks), o.qty, o.owner)

    def __len__(self) -> int:
        """Number of resting orders."""
        return len(self._orders)
