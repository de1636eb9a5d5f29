"""Leveraged-trader populations: config → position arrays (qty, entry, margin).

A population is described by side, size (total quantity or notional), count, a
distribution of liquidation prices and either a leverage (entry prices follow) or an entry
price (margins follow). Its counterparty, when given, is the opposite side at the
population's quantity-weighted entry price, so the venue's open positions start with
zero total unrealised PnL (nobody's profit is unfunded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import Population
from sim.market.margin import MarginTiers, entry_for_liquidation_price, wallet_for_liquidation_price
from sim.market.sides import LONG, SHORT


@dataclass(frozen=True)
class Cohort:
    """Positions to open on one side for one owner."""

    owner: str
    side: int
    qty: np.ndarray
    entry: np.ndarray
    margin: np.ndarray


def liquidation_prices(pop: Population, rng: np.random.Generator) -> np.ndarray:
    """The population's liquidation prices, ascending."""
    dist = pop.liq_price
    if dist.dist == "even":
        return np.linspace(dist.low, dist.high, pop.count)
    return np.sort(rng.uniform(dist.low, dist.high, pop.count))


def build_cohorts(name: str, pop: Population, tiers: MarginTiers, rng: np.random.Generator) -> list[Cohort]:
    """The population's positions, and its counterparty's if one is configured."""
    side = SHORT if pop.side == "short" else LONG
    liq = liquidation_prices(pop, rng)
    n = pop.count
    if pop.leverage is not None:
        entry = np.asarray(entry_for_liquidation_price(side, liq, pop.leverage, tiers), dtype=float)
        qty = _quantities(pop, entry, n)
        entry = np.asarray(entry_for_liquidation_price(side, liq, pop.leverage, tiers, qty=qty), dtype=float)
        margin = qty * entry / pop.leverage
    else:
        entry = np.full(n, pop.entry_price)
        qty = _quantities(pop, entry, n)
        margin = np.asarray(wallet_for_liquidation_price(side, qty, entry, liq, tiers), dtype=float)
    cohorts = [Cohort(pop.owner or name, side, qty, entry, margin)]
    if pop.counterparty is not None:
        cp = pop.counterparty
        total = float(qty.sum())
        avg_entry = float((qty * entry).sum() / total)
        cp_qty = np.full(cp.count, total / cp.count)
        cp_entry = np.full(cp.count, avg_entry)
        cohorts.append(Cohort(cp.owner, -side, cp_qty, cp_entry, cp_qty * cp_entry / cp.leverage))
    return cohorts


def _quantities(pop: Population, entry: np.ndarray, n: int) -> np.ndarray:
    if pop.quantity is not None:
        return np.full(n, pop.quantity / n)
    return (pop.notional / n) / entry
