"""Summary figures of a run, computed from its trace alone.

Waves are generations along cause chains: a liquidation's wave is one more than the number
of liquidations among its ancestors. Amplification is forced buy-side flow (perp buys by
the liquidation engine and ADL, plus market makers' spot hedge buys) over ignition flow.
"""

from __future__ import annotations

import numpy as np

from sim.trace import TraceTable


def generations(table: TraceTable) -> np.ndarray:
    """Per record, the number of liquidations on its cause chain, itself included."""
    is_liq = (table.kind == "liquidation").astype(np.int64)
    gen = np.zeros(len(table), dtype=np.int64)
    cause = table.cause.tolist()
    liq = is_liq.tolist()
    out = gen.tolist()
    for i, c in enumerate(cause):
        out[i] = (out[c] if c >= 0 else 0) + liq[i]
    return np.asarray(out, dtype=np.int64)


def ancestor_kinds(table: TraceTable, rid: int) -> list[str]:
    """Kinds along the cause chain from record ``rid`` back to its exogenous root."""
    kinds = []
    while rid >= 0:
        kinds.append(table.kind[rid])
        rid = int(table.cause[rid])
    return kinds


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

    cause_kind = np.where(table.cause >= 0, kind[np.maximum(table.cause, 0)], "")
    forced = trades & (cause_kind == "liquidation") & (table.side == 1)
    forced_notional = float(table.notional[forced].sum())
    adl = kind == "adl"
    adl_buys = adl & (table.side == -1)  # a short liquidation closes by buying from deleveraged longs
    forced_notional += float(table.notional[adl_buys].sum())
    hedge_orders = (kind == "order") & (cause_kind == "hedge")
    hedge_order_ids = set(np.flatnonzero(hedge_orders).tolist())
    hedge_trades = trades & np.isin(table.cause, list(hedge_order_ids)) & (table.side == 1)
    hedge_notional = float(table.notional[hedge_trades].sum())
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
        "records": len(table),
    }


def wave_table(table: TraceTable) -> list[dict]:
    """Per wave: first and last liquidation time, count and notional."""
    gen = generations(table)
    liq = table.kind == "liquidation"
    rows = []
    for w in range(1, int(gen[liq].max()) + 1 if liq.any() else 1):
        m = liq & (gen == w)
        if not m.any():
            continue
        rows.append(
            {
                "wave": w,
                "start_s": float(table.t[m].min()),
                "end_s": float(table.t[m].max()),
                "count": int(m.sum()),
                "notional": float(table.notional[m].sum()),
                "max_mark": float(table.price[m].max()),
            }
        )
    return rows
