"""Summary figures of a run, computed from its trace alone.

Waves are generations along cause chains: a liquidation's wave is one more than the number
of liquidations among its ancestors. Amplification is forced buy-side flow (perp buys by
the liquidation engine and ADL, plus market makers' spot hedge buys) over ignition flow.
Both come from the cascade analysis in ``sim.analysis``.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from sim.analysis import forced_buys, generations, waves
from sim.trace import TraceTable


def summarize(table: TraceTable, nodes: dict[str, str]) -> dict:
    """The run's headline metrics (see README, "Outputs")."""
    kind, node, t = table.kind, table.node, table.t
    spot_nodes = [n for n, k in nodes.items() if k == "spot"]
    perp_nodes = [n for n, k in nodes.items() if k == "perp"]
    trades = kind == "trade"
    liq = kind == "liquidation"
    ignite = kind == "ignite"
    gen = generations(table)

    peak, final = {}, {}
    for n in spot_nodes:
        prices = table.price[(node == n) & (trades | (kind == "open"))]
        peak[n] = float(prices.max()) if len(prices) else None
        final[n] = float(prices[-1]) if len(prices) else None

    liquidated: dict[str, dict[str, float]] = {}
    for n in perp_nodes:
        m = liq & (node == n)
        liquidated[n] = {
            "short": float(table.notional[m & (table.side == -1)].sum()),
            "long": float(table.notional[m & (table.side == 1)].sum()),
        }

    forced = forced_buys(table)
    forced_notional = float(table.notional[forced.liquidation].sum())
    forced_notional += float(table.notional[forced.adl].sum())
    adl = kind == "adl"
    hedge_notional = float(table.notional[forced.hedge].sum())
    ignition = float(table.notional[ignite].sum())

    liq_times = t[liq]
    start = float(t[ignite].min()) if ignite.any() else 0.0
    return {
        "peak_price": peak,
        "final_price": final,
        "liquidations": int(liq.sum()),
        "liquidated_notional": liquidated,
        "waves": int(gen[liq].max()) if liq.any() else 0,
        "ignition_notional": ignition,
        "forced_buy_notional": forced_notional,
        "hedge_buy_notional": hedge_notional,
        "amplification": (forced_notional + hedge_notional) / ignition if ignition else None,
        "first_liquidation_s": float(liq_times.min()) if liq.any() else None,
        "ignition_to_last_liquidation_s": float(liq_times.max() - start) if liq.any() else None,
        "insurance_fund_change": float(table.notional[kind == "insurance"].sum()),
        "bad_debt": float(table.notional[kind == "bad_debt"].sum()),
        "adl_count": int(adl.sum()),
        "adl_notional": float(table.notional[adl].sum()),
        "funding_rates": [
            [float(table.t[i]), table.node[i], float(table.price[i])] for i in np.flatnonzero(kind == "funding_rate")
        ],
        "records": len(table),
    }


def wave_table(table: TraceTable) -> list[dict]:
    """Per wave: first and last liquidation time, count, notional, highest mark and the
    forced buying it caused (see ``sim.analysis.Wave``)."""
    return [asdict(w) for w in waves(table)]
