"""Per-arm figures for seed 004's playbook, computed from a run's trace alone.

- depth: the ``depth`` records' notional within ±depth_range of mid (median and 10th percentile);
- realised volatility: annualised standard deviation of log changes of the sampled mid;
- holder funding yield: funding received by ``holder`` nodes' accounts over their posted
  collateral's opening value, annualised;
- the holders' net carry: funding received − interest on the USDT they borrow (at the pool's
  kinked rate, on the utilisation rebuilt from the pool's records) − perp taker fees, in
  dollars and a year over the collateral's opening value;
- the project's cost of a token-loan + call-option contract: the premium a counterparty
  would charge at signing, the Black–Scholes value of the call at the contract's implied
  volatility (set from the market without the market maker) and at the ends of its band;
  what was paid out at exercise is on its own line, never added to the cost;
- lending and perp liquidations (count, notional); the funding-rate path and its distribution;
- the perp venues' losses: ADL closes (count, notional, notional per venue and account),
  the insurance funds' change and bad debt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis.metrics import book_liquidation_trades, first_liquidations, unwind_trades
from sim.core.trace import Kind, TraceTable
from sim.market.funding import annualised
from sim.market.lending import RateModel, black_scholes_call

YEAR = 365 * 86400.0
# The perp venues charge no trading fee in the engine; the holders pay Binance's base USDⓈ-M taker
# fee (docs/MECHANICS.md §6) on the notional of their short, once to open it and once to close it.
PERP_TAKER_FEE = 0.0005
FUNDING_FLOOR = annualised(0.0001, 8.0)  # Binance's interest rate, 0.01% per 8 h (docs/MECHANICS.md §3)


def realised_vol(t: np.ndarray, price: np.ndarray) -> float:
    """Annualised volatility of log price changes between samples at times ``t``."""
    ok = np.isfinite(price) & (price > 0)
    t, price = t[ok], price[ok]
    if len(price) < 3:
        return float("nan")
    returns = np.diff(np.log(price))
    dt = float(np.mean(np.diff(t)))
    return float(np.std(returns, ddof=1) * np.sqrt(YEAR / dt))


@dataclass(frozen=True)
class OptionTerms:
    """A call option's terms beside what its ``option`` record holds (strike = price, size =
    qty): the spot at signing, the expiry (seconds) and the implied volatility with its band."""

    spot: float
    expiry: float
    implied_vol: float
    vol_low: float
    vol_high: float


def option_terms(config) -> dict[str, OptionTerms]:
    """Each option market maker's terms, by node: signed at its venue's opening mid."""
    return {
        name: OptionTerms(config.spot[s.venue].book.mid, s.expiry, s.implied_vol, s.vol_low, s.vol_high)
        for name, s in config.option_mm.items()
    }


def arm_metrics(
    table: TraceTable,
    nodes: dict[str, str],
    duration: float,
    rates: dict[str, RateModel] | None = None,
    options: dict[str, OptionTerms] | None = None,
) -> dict:
    """The playbook figures of one arm (see the module docstring); ``rates``: each lending pool's
    USDT borrow rate model (sim.analysis.playbook.pool_rates), for the holders' interest;
    ``options``: each option market maker's terms (option_terms), for the call's premium."""
    kind = table.kind
    depth = kind == Kind.DEPTH
    depth_values = table.notional[depth]
    depth_values = depth_values[np.isfinite(depth_values)]  # no mid while a side of the book is empty
    vol = realised_vol(table.t[depth], table.price[depth])
    metrics: dict = {
        "depth_median": float(np.median(depth_values)) if len(depth_values) else None,
        "depth_p10": float(np.percentile(depth_values, 10)) if len(depth_values) else None,
        "realised_vol": vol,
    }
    holders = {n for n, k in nodes.items() if k == "holder"}
    funding = kind == Kind.FUNDING
    received = float(table.notional[funding & np.isin(table.account, list(holders))].sum()) if holders else 0.0
    posted = kind == Kind.DEPOSIT
    collateral_value = float(
        (table.qty[posted] * table.price[posted])[np.isin(table.account[posted], list(holders))].sum()
    )
    metrics["holder_funding_received"] = received
    metrics["holder_funding_yield"] = received / collateral_value * YEAR / duration if collateral_value else None
    metrics.update(option_cost(table, options or {}))
    metrics.update(holder_carry(table, holders, collateral_value, duration, rates or {}))
    lending = kind == Kind.LENDING_LIQUIDATION
    metrics["lending_liquidations"] = {"count": int(lending.sum()), "notional": float(table.notional[lending].sum())}
    first = first_liquidations(table)  # a position retried or sliced counts once
    metrics["perp_liquidations"] = {"count": len(first), "notional": float(table.notional[first].sum())}
    spots = [n for n, k in nodes.items() if k == "spot"]
    spot_trades = (kind == Kind.TRADE) & np.isin(table.node, spots)
    metrics["peak_spot"] = float(table.price[spot_trades].max()) if spot_trades.any() else None
    metrics["waterfall"] = {
        "book": float(table.notional[book_liquidation_trades(table)].sum()),
        "takeover": float(table.notional[kind == Kind.TAKEOVER].sum()),
        "backstop": float(table.notional[kind == Kind.BACKSTOP].sum()),
        "unwind": float(table.notional[unwind_trades(table)].sum()),
    }
    metrics["vault_change"] = float(table.notional[kind == Kind.VAULT].sum())
    adl = kind == Kind.ADL
    metrics["adl"] = {
        "count": int(adl.sum()),
        "notional": float(table.notional[adl].sum()),
        "by_venue": {
            venue: _sum_by(table.account[at], table.notional[at])
            for venue in dict.fromkeys(table.node[adl].tolist())
            for at in [adl & (table.node == venue)]
        },
    }
    metrics["insurance_fund_change"] = float(table.notional[kind == Kind.INSURANCE].sum())
    metrics["bad_debt"] = float(table.notional[kind == Kind.BAD_DEBT].sum())
    metrics["duration_s"] = float(duration)
    rates = np.flatnonzero(kind == Kind.FUNDING_RATE)
    hours = {n: _interval_hours(table, rates, n) for n in set(table.node[rates])}
    metrics["funding_path"] = [
        {
            "t": float(table.t[i]),
            "venue": table.node[i],
            "rate": float(table.price[i]),
            "annualised": annualised(float(table.price[i]), hours[table.node[i]]),
        }
        for i in rates
    ]
    metrics["funding"] = funding_distribution([f["annualised"] for f in metrics["funding_path"]])
    return metrics


def run_metrics(result) -> dict:
    """The playbook figures of a run (a sim.engine.world RunResult), with each holder's liquidation
    distance at its target LTV, its pool's token liquidation threshold and its perp's MMR."""
    cfg = result.config
    metrics = arm_metrics(result.trace, result.nodes, cfg.experiment.duration, pool_rates(cfg), option_terms(cfg))
    if cfg.holder:
        metrics["liquidation_distance"] = {
            name: liquidation_distance(
                h.target_ltv, cfg.lending[h.pool].token.liquidation_threshold, cfg.perp[h.perp].mmr, h.hedge
            )
            for name, h in cfg.holder.items()
        }
    return metrics


def option_cost(table: TraceTable, terms: dict[str, OptionTerms]) -> dict:
    """The call options granted (``option`` records, each with its node's ``terms``): premium at
    signing at the implied volatility and at the band's ends (the contract's), and what was
    paid at exercise."""
    kind = table.kind
    premium = {"option_premium": 0.0, "option_premium_low": 0.0, "option_premium_high": 0.0}
    for i in np.flatnonzero(kind == Kind.OPTION):
        option = terms[str(table.node[i])]
        for key, vol in (("", option.implied_vol), ("_low", option.vol_low), ("_high", option.vol_high)):
            premium[f"option_premium{key}"] += table.qty[i] * black_scholes_call(
                option.spot, table.price[i], option.expiry / YEAR, vol
            )
    premium["exercise_paid"] = float(table.notional[kind == Kind.EXERCISE].sum())
    premium["project_cost"] = premium["option_premium"]
    return premium


def borrowed_path(table: TraceTable, pool: str, accounts: set[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """USDT principal borrowed from ``pool`` (by ``accounts``, or by everyone if None) after each of
    its records, as (t, amount): borrows add, repayments and liquidations' repaid debt subtract."""
    at = (table.node == pool) & (table.info == "USDT")
    at &= np.isin(table.kind, (Kind.BORROW, Kind.REPAY))
    if accounts is not None:
        at &= np.isin(table.account, list(accounts))
    sign = np.where(table.kind[at] == Kind.BORROW, 1.0, -1.0)
    return table.t[at], np.maximum(np.cumsum(sign * table.qty[at]), 0.0)


def supplied_path(table: TraceTable, pool: str) -> tuple[np.ndarray, np.ndarray]:
    """USDT supplied to ``pool`` after each supply or withdrawal, as (t, amount)."""
    at = (table.node == pool) & (table.info == "USDT") & np.isin(table.kind, (Kind.SUPPLY, Kind.WITHDRAW))
    sign = np.where(table.kind[at] == Kind.SUPPLY, 1.0, -1.0)
    return table.t[at], np.cumsum(sign * table.qty[at])


def _step(t: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A step function's value at times ``at`` (0 before its first step)."""
    i = np.searchsorted(t, at, side="right") - 1
    return np.where(i >= 0, values[np.maximum(i, 0)] if len(values) else 0.0, 0.0)


def interest_paid(table: TraceTable, pool: str, accounts: set[str], rate: RateModel, end: float) -> float:
    """Interest ``accounts`` owe ``pool`` on their USDT debt up to ``end``: Σ debt · r(U) · Δt over the
    intervals between the pool's USDT records, U = all debt / supply (simple interest: over days the
    compounding the pool does differs by parts per million)."""
    t_all, debt_all = borrowed_path(table, pool, None)
    t_own, debt_own = borrowed_path(table, pool, accounts)
    t_sup, supplied = supplied_path(table, pool)
    edges = np.unique(np.concatenate([t_all, t_sup, [end]]))
    edges = edges[edges <= end]
    start, stop = edges[:-1], edges[1:]
    total = _step(t_all, debt_all, start)
    supply = _step(t_sup, supplied, start)
    own = _step(t_own, debt_own, start)
    u = np.clip(np.divide(total, supply, out=np.zeros_like(total), where=supply > 0), 0.0, 1.0)
    r = np.array([rate.borrow_rate(float(x)) for x in u])
    return float(np.sum(own * r * (stop - start)) / YEAR)


def holder_carry(
    table: TraceTable, holders: set[str], collateral_value: float, duration: float, rates: dict[str, RateModel]
) -> dict:
    """The holders' net carry: funding received − interest on their USDT debt − their perp fees."""
    if not holders:
        return {}
    funding = float(table.notional[(table.kind == Kind.FUNDING) & np.isin(table.account, list(holders))].sum())
    interest = sum(interest_paid(table, pool, holders, rate, duration) for pool, rate in rates.items())
    perps = (table.kind == Kind.TRADE) & np.isin(table.node, list(perps_of(table)))
    traded = float(table.notional[perps & np.isin(table.account, list(holders))].sum())
    fees = 2 * PERP_TAKER_FEE * traded  # to open the short, and to close it
    net = funding - interest - fees
    return {
        "holder_interest_paid": interest,
        "holder_fees_paid": fees,
        "holder_net_carry": net,
        "holder_net_yield": net / collateral_value * YEAR / duration if collateral_value else None,
    }


def perps_of(table: TraceTable) -> set[str]:
    """The perp venues of a run: the nodes that write ``funding_rate`` records."""
    return set(table.node[table.kind == Kind.FUNDING_RATE].tolist())


def pool_rates(config) -> dict[str, RateModel]:
    """Each lending pool's USDT borrow rate model, from a run's config."""
    return {name: pool.quote.rate for name, pool in config.lending.items()}


def liquidation_distance(ltv: float, liquidation_threshold: float, mmr: float, hedge: float = 1.0) -> dict:
    """How far spot may move from the reverse leg's opening before it is liquidated, as fractions.

    A holder posts T tokens at price P0, borrows D = ltv·T·P0 USDT, posts all of it as margin and
    shorts hedge·T on the perp at P0 (no rebalancing after). The short is liquidated when its
    equity D + (P0 − P)·q falls to mmr·P·q: P/P0 = (ltv/hedge + 1)/(1 + mmr), a rise; the loan when
    its health factor T·P·LT / D falls below 1: P/P0 = ltv/LT, a fall.
    """
    return {
        "perp_rise": (ltv / hedge + 1.0) / (1.0 + mmr) - 1.0,
        "loan_fall": 1.0 - ltv / liquidation_threshold,
    }


def funding_distribution(annualised_rates: list[float]) -> dict:
    """Mean, median and range of the funding payments' rates (a year), and the share paid at the
    interest-rate floor (0.01% per 8 h: 10.95% a year), where the premium did not set the rate."""
    if not annualised_rates:
        return {}
    rates = np.asarray(annualised_rates)
    return {
        "mean": float(rates.mean()),
        "median": float(np.median(rates)),
        "min": float(rates.min()),
        "max": float(rates.max()),
        "at_floor": float(np.mean(np.abs(rates - FUNDING_FLOOR) < 0.002)),
    }


def _sum_by(keys: np.ndarray, values: np.ndarray) -> dict[str, float]:
    """``values`` summed per key, keys in order of first appearance."""
    return {k: float(values[keys == k].sum()) for k in dict.fromkeys(keys.tolist())}


def _interval_hours(table: TraceTable, rates: np.ndarray, node: str) -> float:
    times = table.t[rates][table.node[rates] == node]
    return float(times[0] / 3600.0) if len(times) == 1 else float(np.diff(times).mean() / 3600.0)
