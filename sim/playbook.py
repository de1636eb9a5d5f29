"""Per-arm figures for seed 004's playbook, computed from a run's trace alone.

- depth: the ``depth`` records' notional within ±depth_range of mid (median and 10th percentile);
- realised volatility: annualised standard deviation of log changes of the sampled mid;
- holder funding yield: funding received by ``holder`` nodes' accounts over their posted
  collateral's opening value, annualised;
- the project's cost of a token-loan + call-option contract: the Black–Scholes value of the
  call (on the realised volatility) plus what was paid out at exercise;
- lending and perp liquidations (count, notional) and the funding-rate path;
- the perp venues' losses: ADL closes (count, notional, notional per venue and account),
  the insurance funds' change and bad debt.
"""

from __future__ import annotations

import re

import numpy as np

from sim.market.funding import annualised
from sim.market.lending import black_scholes_call
from sim.metrics import book_liquidation_trades, first_liquidations, unwind_trades
from sim.trace import TraceTable

YEAR = 365 * 86400.0


def realised_vol(t: np.ndarray, price: np.ndarray) -> float:
    """Annualised volatility of log price changes between samples at times ``t``."""
    ok = np.isfinite(price) & (price > 0)
    t, price = t[ok], price[ok]
    if len(price) < 3:
        return float("nan")
    returns = np.diff(np.log(price))
    dt = float(np.mean(np.diff(t)))
    return float(np.std(returns, ddof=1) * np.sqrt(YEAR / dt))


def _info(text: str, key: str) -> float:
    m = re.search(rf"{key}=([-+0-9.eE]+)", text)
    return float(m.group(1)) if m else float("nan")


def arm_metrics(table: TraceTable, nodes: dict[str, str], duration: float) -> dict:
    """The playbook figures of one arm (see the module docstring)."""
    kind = table.kind
    depth = kind == "depth"
    depth_values = table.notional[depth]
    depth_values = depth_values[np.isfinite(depth_values)]  # no mid while a side of the book is empty
    vol = realised_vol(table.t[depth], table.price[depth])
    metrics: dict = {
        "depth_median": float(np.median(depth_values)) if len(depth_values) else None,
        "depth_p10": float(np.percentile(depth_values, 10)) if len(depth_values) else None,
        "realised_vol": vol,
    }
    holders = {n for n, k in nodes.items() if k == "holder"}
    funding = kind == "funding"
    received = float(table.notional[funding & np.isin(table.account, list(holders))].sum()) if holders else 0.0
    posted = kind == "deposit"
    collateral_value = float(
        (table.qty[posted] * table.price[posted])[np.isin(table.account[posted], list(holders))].sum()
    )
    metrics["holder_funding_received"] = received
    metrics["holder_funding_yield"] = received / collateral_value * YEAR / duration if collateral_value else None
    cost = 0.0
    for i in np.flatnonzero(kind == "option"):
        spot, expiry = _info(table.info[i], "spot"), _info(table.info[i], "expiry")
        sigma = vol if np.isfinite(vol) else 0.0
        cost += table.qty[i] * black_scholes_call(spot, table.price[i], expiry / YEAR, sigma)
    metrics["option_value"] = float(cost)
    metrics["exercise_paid"] = float(table.notional[kind == "exercise"].sum())
    metrics["project_cost"] = metrics["option_value"] + metrics["exercise_paid"]
    lending = kind == "lending_liquidation"
    metrics["lending_liquidations"] = {"count": int(lending.sum()), "notional": float(table.notional[lending].sum())}
    first = first_liquidations(table)  # a position retried or sliced counts once
    metrics["perp_liquidations"] = {"count": len(first), "notional": float(table.notional[first].sum())}
    spots = [n for n, k in nodes.items() if k == "spot"]
    spot_trades = (kind == "trade") & np.isin(table.node, spots)
    metrics["peak_spot"] = float(table.price[spot_trades].max()) if spot_trades.any() else None
    metrics["waterfall"] = {
        "book": float(table.notional[book_liquidation_trades(table)].sum()),
        "takeover": float(table.notional[kind == "takeover"].sum()),
        "backstop": float(table.notional[kind == "backstop"].sum()),
        "unwind": float(table.notional[unwind_trades(table)].sum()),
    }
    metrics["vault_change"] = float(table.notional[kind == "vault"].sum())
    adl = kind == "adl"
    metrics["adl"] = {
        "count": int(adl.sum()),
        "notional": float(table.notional[adl].sum()),
        "by_venue": {
            venue: _sum_by(table.account[at], table.notional[at])
            for venue in dict.fromkeys(table.node[adl].tolist())
            for at in [adl & (table.node == venue)]
        },
    }
    metrics["insurance_fund_change"] = float(table.notional[kind == "insurance"].sum())
    metrics["bad_debt"] = float(table.notional[kind == "bad_debt"].sum())
    metrics["duration_s"] = float(duration)
    rates = np.flatnonzero(kind == "funding_rate")
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
    return metrics


def _sum_by(keys: np.ndarray, values: np.ndarray) -> dict[str, float]:
    """``values`` summed per key, keys in order of first appearance."""
    return {k: float(values[keys == k].sum()) for k in dict.fromkeys(keys.tolist())}


def _interval_hours(table: TraceTable, rates: np.ndarray, node: str) -> float:
    times = table.t[rates][table.node[rates] == node]
    return float(times[0] / 3600.0) if len(times) == 1 else float(np.diff(times).mean() / 3600.0)
