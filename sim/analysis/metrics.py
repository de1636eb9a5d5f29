"""Summary figures of a run, computed from its trace alone.

Waves, forced flow and its channels come from ``sim.analysis.waves``: ``forced_flow`` is the forced
flow in the cascade's direction per channel (perp_book, off_book, spot_hedges, unwinds),
``amplification_by_channel`` each ÷ the ignition, ``amplification`` their sum ÷ the ignition,
and ``forced_move_share`` the share of the index's move the index credits to forced flow.

Per perp venue (``perp_venues``): when its first liquidation happened and how long after
the first venue's (``lag_s``), its losses (insurance fund, liquidator vault, bad debt), what its
fund took over or its vault backstopped, ADL (count, notional,
and the notional closed per account), its mark range, and its liquidation engine's lag: how
long each liquidation waited between being queued (its record) and executing (the first
record it caused), and for how long in all at least one was waiting (``engine_lag_s``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.analysis.waves import cascade, cascade_direction, channel_masks, channels, forced_move_share
from sim.core.trace import Kind, TraceTable


def summarize(table: TraceTable, nodes: dict[str, str]) -> dict:
    """The run's headline metrics (see README, "Outputs")."""
    kind, node, t = table.kind, table.node, table.t
    spot_nodes = [n for n, k in nodes.items() if k == "spot"]
    perp_nodes = [n for n, k in nodes.items() if k == "perp"]
    trades = kind == Kind.TRADE
    liq = kind == Kind.LIQUIDATION
    ignite = kind == Kind.IGNITE
    flow = cascade(table)

    peak, final = {}, {}
    for n in spot_nodes:
        prices = table.price[(node == n) & (trades | (kind == Kind.OPEN))]
        peak[n] = float(prices.max()) if len(prices) else None
        final[n] = float(prices[-1]) if len(prices) else None

    first = np.zeros(len(table), dtype=bool)
    first[first_liquidations(table)] = True  # a position retried or sliced counts once, at its first record
    liquidated: dict[str, dict[str, float]] = {}
    for n in perp_nodes:
        m = first & (node == n)
        liquidated[n] = {
            "short": float(table.notional[m & (table.side == -1)].sum()),
            "long": float(table.notional[m & (table.side == 1)].sum()),
        }

    off_book = {k: kind == k for k in (Kind.TAKEOVER, Kind.BACKSTOP)}
    unwind = unwind_trades(table)
    forced = channels(table, channel_masks(table, flow))
    adl = kind == Kind.ADL
    ignition = float(table.notional[ignite].sum())
    by_channel = forced.over(ignition)

    liq_times = t[liq]
    start = float(t[ignite].min()) if ignite.any() else 0.0
    return {
        "peak_price": peak,
        "final_price": final,
        "liquidations": liquidated_positions(table),
        "liquidation_attempts": int(liq.sum()),
        "liquidated_notional": liquidated,
        "waves": int(flow.wave[liq].max()) if liq.any() else 0,
        "ignition_notional": ignition,
        "cascade_direction": "buy" if cascade_direction(table) == 1 else "sell",
        "forced_flow": forced.as_dict(),
        "amplification": forced.total / ignition if ignition else None,
        "amplification_by_channel": None if by_channel is None else by_channel.as_dict(),
        "forced_move_share": forced_move_share(table, flow),
        "first_liquidation_s": float(liq_times.min()) if liq.any() else None,
        "ignition_to_last_liquidation_s": float(liq_times.max() - start) if liq.any() else None,
        "insurance_fund_change": float(table.notional[kind == Kind.INSURANCE].sum()),
        "vault_change": float(table.notional[kind == Kind.VAULT].sum()),
        "takeover_notional": float(table.notional[off_book[Kind.TAKEOVER]].sum()),
        "backstop_notional": float(table.notional[off_book[Kind.BACKSTOP]].sum()),
        "unwind_notional": float(table.notional[unwind].sum()),
        "bad_debt": float(table.notional[kind == Kind.BAD_DEBT].sum()),
        "adl_count": int(adl.sum()),
        "adl_notional": float(table.notional[adl].sum()),
        "min_price": {n: _extreme(table, n, np.min) for n in spot_nodes + perp_nodes},
        "max_price": {n: _extreme(table, n, np.max) for n in spot_nodes + perp_nodes},
        "perp_venues": perp_venue_metrics(table, perp_nodes),
        "funding_rates": [
            [float(table.t[i]), table.node[i], float(table.price[i])] for i in np.flatnonzero(kind == Kind.FUNDING_RATE)
        ],
        "records": len(table),
    }


def liquidated_positions(table: TraceTable) -> int:
    """Distinct positions with a ``liquidation`` record: a position retried (dYdX), sliced
    (Hyperliquid) or partially liquidated (Binance) counts once."""
    return len(first_liquidations(table))


def first_liquidations(table: TraceTable) -> np.ndarray:
    """Row ids of each position's first ``liquidation`` record (a position is a venue and a pid)."""
    first: dict[tuple[str, int], int] = {}
    for i in np.flatnonzero(table.kind == Kind.LIQUIDATION).tolist():
        first.setdefault((table.node[i], int(table.pid[i])), i)
    return np.fromiter(first.values(), dtype=np.int64, count=len(first))


def book_liquidation_trades(table: TraceTable) -> np.ndarray:
    """Mask of the trades a liquidation order made on its venue's book."""
    trades = np.flatnonzero((table.kind == Kind.TRADE) & (table.cause >= 0))
    mask = np.zeros(len(table), dtype=bool)
    mask[trades[table.kind[table.cause[trades]] == Kind.LIQUIDATION]] = True
    return mask


def unwind_trades(table: TraceTable) -> np.ndarray:
    """Mask of the trades an insurance fund or liquidator vault made unwinding its inventory (the
    taker account ``<perp>:insurance`` or ``<perp>:vault``)."""
    trades = table.kind == Kind.TRADE
    accounts = table.account[trades]
    mask = np.zeros(len(table), dtype=bool)
    mask[np.flatnonzero(trades)] = np.char.endswith(accounts.astype(str), ":insurance") | np.char.endswith(
        accounts.astype(str), ":vault"
    )
    return mask


def _extreme(table: TraceTable, node: str, reduce: Callable[[np.ndarray], float]) -> float | None:
    """The lowest or highest traded (or opening) price at ``node``."""
    m = (table.node == node) & ((table.kind == Kind.TRADE) | (table.kind == Kind.OPEN)) & np.isfinite(table.price)
    return float(reduce(table.price[m])) if m.any() else None


def perp_venue_metrics(table: TraceTable, perps: list[str]) -> dict[str, dict]:
    """Per perp venue: first liquidation and lag behind the first venue, losses, ADL, mark
    range and liquidation-engine lag (see the module docstring)."""
    kind, node, t = table.kind, table.node, table.t
    liq = kind == Kind.LIQUIDATION
    once = np.zeros(len(table), dtype=bool)
    once[first_liquidations(table)] = True  # each position's first liquidation record
    first = {n: float(t[liq & (node == n)].min()) if (liq & (node == n)).any() else None for n in perps}
    start = min((v for v in first.values() if v is not None), default=None)
    queued, executed = liquidation_waits(table)
    out = {}
    for n in perps:
        at = node == n
        adl, marks = at & (kind == Kind.ADL), table.price[at & (kind == Kind.MARK)]
        mine = table.node[queued] == n
        wait = executed[mine] - t[queued[mine]]
        out[n] = {
            "first_liquidation_s": first[n],
            "lag_s": None if first[n] is None else first[n] - start,
            "liquidations": int((once & at).sum()),
            "liquidation_attempts": int((liq & at).sum()),
            "liquidated_notional": float(table.notional[once & at].sum()),
            "insurance_fund_change": float(table.notional[at & (kind == Kind.INSURANCE)].sum()),
            "vault_change": float(table.notional[at & (kind == Kind.VAULT)].sum()),
            "takeover_notional": float(table.notional[at & (kind == Kind.TAKEOVER)].sum()),
            "backstop_notional": float(table.notional[at & (kind == Kind.BACKSTOP)].sum()),
            "bad_debt": float(table.notional[at & (kind == Kind.BAD_DEBT)].sum()),
            "adl_count": int(adl.sum()),
            "adl_notional": float(table.notional[adl].sum()),
            "adl_by_account": _notional_by_account(table, adl),
            "min_mark": float(marks.min()) if len(marks) else None,
            "max_mark": float(marks.max()) if len(marks) else None,
            "max_liquidation_wait_s": float(wait.max()) if len(wait) else 0.0,
            "mean_liquidation_wait_s": float(wait.mean()) if len(wait) else 0.0,
            "engine_lag_s": covered(t[queued[mine]], executed[mine]),
        }
    return out


def _notional_by_account(table: TraceTable, mask: np.ndarray) -> dict[str, float]:
    """The notional of the ``mask`` records per account, in order of each account's first record."""
    accounts = dict.fromkeys(table.account[mask].tolist())
    return {a: float(table.notional[mask & (table.account == a)].sum()) for a in accounts}


def liquidation_waits(table: TraceTable) -> tuple[np.ndarray, np.ndarray]:
    """The ids of the liquidations that executed and when they did: the time of the first
    record each caused (its trade, ADL or settlement; a liquidation is recorded when queued)."""
    n = len(table)
    liq = table.kind == Kind.LIQUIDATION
    child = np.flatnonzero(table.cause >= 0)
    child = child[liq[table.cause[child]]]
    first = np.full(n, np.inf)
    np.minimum.at(first, table.cause[child], table.t[child])
    ids = np.flatnonzero(liq & np.isfinite(first))
    return ids, first[ids]


def covered(start: np.ndarray, end: np.ndarray) -> float:
    """The total length of the union of the intervals [start, end]."""
    total, reach = 0.0, -np.inf
    for a, b in sorted(zip(start.tolist(), end.tolist(), strict=True)):
        if b > reach:
            total += b - max(a, reach)
            reach = b
    return total
