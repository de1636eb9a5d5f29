"""The liquidation waterfall of each venue style, as pure rules (docs/MECHANICS.md §5).

A perp venue's liquidation engine asks these functions what to do, in order, and only
times, records and executes their answers:

1. ``liquidation_order``: the order the engine sends to its own book for a liquidatable
   position (quantity and price bound), or None when the style skips the book (Hyperliquid,
   an account whose value is already negative at the mark);
2. the venue fills that order against its book, bounded as told;
3. ``after_book``: what happens to what is left: nothing (closed, or compliant after a
   partial), ``RETRY`` (stays open for the next attempt), a takeover by the insurance fund
   at the bankruptcy price (Binance), a backstop transfer to the vault at the mark
   (Hyperliquid), or auto-deleveraging (ADL) at the style's price;
4. ``adl_allocation``: which ranked opposite positions close how much;
5. ``settle_closed``: where a closed position's margin goes (clearance fee to the fund,
   the rest to the owner, a shortfall from the fund, bad debt).

No clock, no SimPy, no ledger: the inputs are numbers and the outputs are dataclasses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from sim.market.margin import MarginTiers, bankruptcy_price_of
from sim.market.sides import DUST, LONG

STYLES = ("binance", "hyperliquid", "dydx")


class Step(Enum):
    """What ``after_book`` decides for the part of a position the book did not close."""

    DONE = "done"  # closed, or compliant again after a partial liquidation
    RETRY = "retry"  # stays open; the engine tries again at a later mark (or after a cooldown)
    TAKEOVER = "takeover"  # the insurance fund takes it at the bankruptcy price (Binance)
    BACKSTOP = "backstop"  # the liquidator vault takes it with its margin at the mark (Hyperliquid)
    ADL = "adl"  # closed against ranked opposite positions


@dataclass(frozen=True)
class ClearingRules:
    """One venue's liquidation rules; the defaults are each style's published values.

    - ``style``: ``binance``, ``hyperliquid`` or ``dydx``.
    - ``fee_rate``: dYdX's liquidation fee on the filled notional, capped by the margin left
      (v4 ``max_liquidation_fee_ppm``, 1.5%). Binance takes all the margin left (clearance
      fee); Hyperliquid none.
    - ``partial``: Binance closes only down to a lower tier when that makes the account
      compliant.
    - ``backstop_ratio``: Hyperliquid backstops when equity < ratio × maintenance (2/3).
    - ``slice_notional``, ``slice_fraction``, ``cooldown``: Hyperliquid liquidates positions
      above ``slice_notional`` ``slice_fraction`` at a time, ``cooldown`` seconds apart
      (100k USDC, 20%, 30 s; community docs).
    - ``slippage``: Hyperliquid's liquidation market orders are bounded at mark × (1 ± slippage);
      None (the default) leaves them unbounded. The doc says "market orders" and gives no
      bound, so this is a parameter (docs/MECHANICS.md §5 shows how the rocket moves with it).
    - ``smmr``, ``bankruptcy_adjustment``: dYdX v4's fillable-price config (1.5, 1.0).
    - ``adl_price``: ``bankruptcy`` (Binance, dYdX) or ``mark`` (Hyperliquid: the previous
      mark; a negative account value left after it is bad debt, see docs/MECHANICS.md).
    """

    style: str = "binance"
    fee_rate: float = 0.015
    partial: bool = True
    backstop_ratio: float = 2.0 / 3.0
    slice_notional: float = 100_000.0
    slice_fraction: float = 0.2
    cooldown: float = 30.0
    slippage: float | None = None
    smmr: float = 1.5
    bankruptcy_adjustment: float = 1.0
    adl_price: str = ""  # "": the style's (mark on hyperliquid, else bankruptcy)

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}, got {self.style!r}")
        if not self.adl_price:
            object.__setattr__(self, "adl_price", "mark" if self.style == "hyperliquid" else "bankruptcy")
        if self.adl_price not in ("bankruptcy", "mark"):
            raise ValueError(f"adl_price must be 'bankruptcy' or 'mark', got {self.adl_price!r}")


@dataclass(frozen=True)
class Position:
    """One isolated position: side (+1 long, −1 short), quantity, entry price, margin."""

    side: int
    qty: float
    entry: float
    margin: float

    def equity(self, price: float) -> float:
        """Margin plus unrealised PnL at ``price``."""
        return self.margin + self.side * self.qty * (price - self.entry)

    def bankruptcy_price(self) -> float:
        """The price at which equity is exactly zero (§5; margin.bankruptcy_price_of)."""
        return bankruptcy_price_of(self.side, self.qty, self.entry, self.margin)


@dataclass(frozen=True)
class BookOrder:
    """An IOC order to close ``qty`` of a position; ``limit`` bounds its fills (None: unbounded).

    ``partial`` marks a Binance partial liquidation (the account may be compliant after it).
    """

    qty: float
    limit: float | None
    partial: bool = False


@dataclass(frozen=True)
class Resolution:
    """``after_book``'s decision for what the book left: ``step``, the quantity it applies to
    and the price it closes at (bankruptcy for takeover and Binance/dYdX ADL, mark for backstop
    and Hyperliquid ADL; 0 for DONE and RETRY)."""

    step: Step
    qty: float = 0.0
    price: float = 0.0


@dataclass(frozen=True)
class Settlement:
    """Where a closed position's margin goes: ``margin_left == to_owner + fee − from_fund − bad_debt``."""

    fee: float  # to the insurance fund
    to_owner: float
    from_fund: float  # a shortfall the fund pays
    bad_debt: float  # what no layer absorbed


def partial_close_qty(tiers: MarginTiers, pos: Position, mark: float) -> float:
    """Binance's partial liquidation: how much to close so the rest sits in a lower tier where
    the account is compliant at ``mark``; 0.0 when no lower tier makes it so (close it all).

    Closing at the mark leaves equity unchanged, so the rest is compliant when the maintenance
    margin of its notional is below the equity; the kept notional is the cap of the highest
    such lower tier (§5, Binance step 2).
    """
    equity = pos.equity(mark)
    current = tiers.tier(pos.qty * mark)
    for n in range(current - 1, -1, -1):
        cap = tiers.caps[n]
        if tiers.maintenance(cap) < equity - DUST:
            return pos.qty - cap / mark
    return 0.0


def dydx_fillable_price(pos: Position, mark: float, maintenance: float, rules: ClearingRules) -> float:
    """dYdX v4's fillable price, no worse than the bankruptcy price (docs/MECHANICS.md §5).

    ABR = clamp(BA·(1 − equity/MM), 0, 1); offset = ABR·SMMR·(MM/notional)·mark; a long is
    sold no lower than mark − offset, a short bought no higher than mark + offset.
    """
    equity = pos.equity(mark)
    abr = min(1.0, max(0.0, rules.bankruptcy_adjustment * (1.0 - equity / maintenance))) if maintenance > 0 else 1.0
    offset = abr * rules.smmr * maintenance / (pos.qty * mark) * mark
    price = mark - pos.side * offset
    bankrupt = pos.bankruptcy_price()
    return max(price, bankrupt) if pos.side == LONG else min(price, bankrupt)


def liquidation_order(rules: ClearingRules, tiers: MarginTiers, pos: Position, mark: float) -> BookOrder | None:
    """Step 1: the order to send to the book for a liquidatable ``pos``, or None for none.

    - binance: cancel the account's orders (the venue does), then one IOC bounded by the
      bankruptcy price: down to a lower tier if ``partial_close_qty`` finds one, else all;
    - hyperliquid: a market order for the position, or ``slice_fraction`` of it above
      ``slice_notional``, unbounded or within ``slippage`` of the mark (the book comes first:
      the backstop is for what it did not take, ``after_book``); but an account whose value is
      already negative goes straight to the backstop or ADL (None);
    - dydx: one IOC for the position bounded by ``dydx_fillable_price``.
    """
    maintenance = float(tiers.maintenance(pos.qty * mark))
    if rules.style == "binance":
        part = partial_close_qty(tiers, pos, mark) if rules.partial else 0.0
        if part > DUST:
            return BookOrder(part, pos.bankruptcy_price(), partial=True)
        return BookOrder(pos.qty, pos.bankruptcy_price())
    if rules.style == "hyperliquid":
        if pos.equity(mark) < 0:
            return None
        limit = None if rules.slippage is None else mark * (1.0 - pos.side * rules.slippage)
        if pos.qty * mark > rules.slice_notional:
            return BookOrder(pos.qty * rules.slice_fraction, limit, partial=True)
        return BookOrder(pos.qty, limit)
    return BookOrder(pos.qty, dydx_fillable_price(pos, mark, maintenance, rules))


def after_book(
    rules: ClearingRules,
    tiers: MarginTiers,
    pos: Position,
    mark: float,
    order: BookOrder | None,
    fund_capacity: float,
    vault_capacity: float,
    bankrupt: float,
) -> Resolution:
    """Step 3: what happens to ``pos`` (the position after the book's fills, if any).

    ``fund_capacity`` / ``vault_capacity``: the loss at the mark the insurance fund / the
    liquidator vault can still absorb (their equity; 0 when there is none). ``bankrupt``: the
    bankruptcy price of the whole position when its liquidation began, at which Binance
    closes the rest (the margin its fills left above it is the clearance fee; the rest's own
    bankruptcy price, with all that margin, would be meaningless).

    - closed (qty ≤ dust): DONE.
    - binance: a partial order that filled in full leaving the account compliant: DONE;
      otherwise the rest is taken over by the fund at ``bankrupt`` when the fund can absorb
      its loss to the mark, else ADL at ``bankrupt``.
    - hyperliquid: after a filled slice (or a book that ran dry) with equity above the backstop
      line: RETRY (next slice after the cooldown, or the next mark); below it: BACKSTOP to the
      vault at the mark if the vault can absorb a negative equity; else RETRY while equity is
      still ≥ 0, and ADL at the style's ``adl_price`` once the account value is negative.
    - dydx: equity at the mark ≥ 0: RETRY (the book may refill); bankrupt: ADL at the
      rest's bankruptcy price (positive: the mark is beyond it).
    """
    if pos.qty <= DUST:
        return Resolution(Step.DONE)
    equity = pos.equity(mark)
    maintenance = float(tiers.maintenance(pos.qty * mark))
    if rules.style == "binance":
        if order is not None and order.partial and equity > maintenance + DUST:
            return Resolution(Step.DONE)
        loss = max(0.0, -pos.side * pos.qty * (mark - bankrupt))  # the fund's loss at the mark
        if fund_capacity - loss > DUST:
            return Resolution(Step.TAKEOVER, pos.qty, bankrupt)
        return Resolution(Step.ADL, pos.qty, bankrupt)
    if rules.style == "hyperliquid":
        if equity >= rules.backstop_ratio * maintenance:
            return Resolution(Step.RETRY)
        if vault_capacity + min(equity, 0.0) > DUST:
            return Resolution(Step.BACKSTOP, pos.qty, mark)
        if equity >= 0:  # no vault to take it, but not yet underwater: the book again
            return Resolution(Step.RETRY)
        return Resolution(Step.ADL, pos.qty, mark if rules.adl_price == "mark" else pos.bankruptcy_price())
    if equity >= 0:
        return Resolution(Step.RETRY)
    return Resolution(Step.ADL, pos.qty, pos.bankruptcy_price() if rules.adl_price == "bankruptcy" else mark)


def adl_allocation(queue: Iterable[tuple[int, float]], qty: float) -> list[tuple[int, float]]:
    """Step 4: close ``qty`` against ranked ``(pid, held qty)``, best first: ``(pid, take)`` pairs."""
    out = []
    for pid, held in queue:
        if qty <= DUST:
            break
        take = min(qty, held)
        if take > DUST:
            out.append((pid, take))
            qty -= take
    return out


def settle_closed(rules: ClearingRules, margin_left: float, filled_notional: float, fund: float) -> Settlement:
    """Step 5: a closed position's ``margin_left`` (margin plus realised PnL, may be negative).

    Left ≥ 0: binance: all of it to the fund (clearance fee); dydx: ``fee_rate`` × filled
    notional to the fund, capped by what is left, the rest to the owner; hyperliquid: all to
    the owner. Left < 0: the fund pays up to its balance ``fund``; the rest is bad debt.
    """
    if margin_left >= 0:
        if rules.style == "binance":
            return Settlement(margin_left, 0.0, 0.0, 0.0)
        fee = min(rules.fee_rate * filled_notional, margin_left) if rules.style == "dydx" else 0.0
        return Settlement(fee, margin_left - fee, 0.0, 0.0)
    from_fund = min(-margin_left, max(fund, 0.0))
    return Settlement(0.0, 0.0, from_fund, -margin_left - from_fund)


def beyond(side: int, price: float, bound: float) -> bool:
    """True when closing a ``side`` position at ``price`` is worse than ``bound`` by more than
    dust (a long sold below it, a short bought above it)."""
    return side * (bound - price) > DUST * max(1.0, abs(bound)) if math.isfinite(bound) else False
