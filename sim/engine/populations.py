"""Leveraged-trader populations: config → position arrays (qty, entry, margin).

A population is described by side, size (total quantity or notional), count, a
distribution of liquidation prices, or instead a liquidation map (``count`` positions per
price level of its side), and either a leverage (entry prices follow) or an entry
price (margins follow). Its counterparty, when given, is the opposite side at the
population's quantity-weighted entry price, so the venue's open positions start with
zero total unrealised PnL (nobody's profit is unfunded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processes.perp_settings import Population
from sim.core.datafiles import liquidation_levels
from sim.core.errors import ConfigError
from sim.market.margin import (
    MarginTiers,
    entry_for_liquidation_price,
    liquidation_prices,
    wallet_for_liquidation_price,
)
from sim.market.positions import Cohort
from sim.market.sides import LONG, SHORT


@dataclass(frozen=True)
class Levels:
    """Each position's liquidation price (ascending) and size: notional, or quantity when the
    population gives a ``quantity``."""

    liq: np.ndarray
    size: np.ndarray


def levels(name: str, pop: Population, rng: np.random.Generator) -> Levels:
    """The population's positions from its liquidation map, else from its ``liq_price`` distribution."""
    if pop.map is not None:
        prices, notionals = liquidation_levels(pop.map, f"populations.{name}.map", pop.side)
        return Levels(np.repeat(prices, pop.count), np.repeat(notionals / pop.count, pop.count))
    dist, n = pop.liq_price, pop.count
    liq = np.linspace(dist.low, dist.high, n) if dist.dist == "even" else np.sort(rng.uniform(dist.low, dist.high, n))
    return Levels(liq, np.full(n, pop.quantity / n if pop.quantity is not None else pop.notional / n))


def build_cohorts(name: str, pop: Population, tiers: MarginTiers, rng: np.random.Generator) -> list[Cohort]:
    """The population's positions, and its counterparty's if one is configured."""
    side = SHORT if pop.side == "short" else LONG
    pos = levels(name, pop, rng)
    liq = pos.liq
    if pop.leverage is not None:
        entry = np.asarray(entry_for_liquidation_price(side, liq, pop.leverage, tiers), dtype=float)
        qty = _quantities(pop, pos, entry)
        entry = np.asarray(entry_for_liquidation_price(side, liq, pop.leverage, tiers, qty=qty), dtype=float)
        margin = qty * entry / pop.leverage
    else:
        entry = np.full(len(liq), pop.entry_price)
        qty = _quantities(pop, pos, entry)
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


def _quantities(pop: Population, pos: Levels, entry: np.ndarray) -> np.ndarray:
    return pos.size if pop.quantity is not None else pos.size / entry


def check_cohorts(key: str, pop: Population, cohorts: list[Cohort], tiers: MarginTiers, opening: float) -> None:
    """Refuse a population the venue would not hold at its opening mark (``key``: the population's).

    1. every position's leverage (notional ÷ margin) is within the venue's maximum for its
       notional (its tier's ``max_leverage``);
    2. no position is liquidatable at the opening mark (its liquidation price on the wrong side);
    3. nor is any of its counterparty's.
    """
    for i, cohort in enumerate(cohorts):
        part = f"{key}.counterparty" if i else key
        notional = cohort.qty * cohort.entry
        with np.errstate(divide="ignore"):
            leverage = np.where(cohort.margin > 0, notional / np.maximum(cohort.margin, 0.0), np.inf)
        allowed = np.asarray(tiers.max_leverage)[np.asarray(tiers.tier(notional))]
        worst = int(np.argmax(leverage / allowed))
        if leverage[worst] > allowed[worst] * (1 + 1e-9):
            lev_key = f"{part}.leverage" if i or pop.leverage is not None else f"{key}.entry_price"
            raise ConfigError(
                lev_key,
                f"{leverage[worst]:.4g}x is above the venue's maximum {allowed[worst]:g}x for a "
                f"{notional[worst]:,.0f} position (perp tiers)",
            )
        liq = np.asarray(liquidation_prices(cohort.side, cohort.qty, cohort.entry, cohort.margin, tiers))
        crossed = liq <= opening if cohort.side == SHORT else liq >= opening
        if crossed.any():
            where = f"{part}.leverage" if i else (f"{key}.map" if pop.map is not None else f"{key}.liq_price")
            side = "short" if cohort.side == SHORT else "long"
            raise ConfigError(
                where,
                f"{int(crossed.sum())} {side} positions would be liquidatable at the opening mark {opening:g} "
                f"(liquidation price {float(liq[crossed][0]):.4g})",
            )
