"""Cascade analysis of a trace: cause tree, waves, per-link hop delays, critical paths.

Every record names the record that caused it (``cause``, -1 for exogenous records), so the
records form a forest rooted at the exogenous ones. A *hop* joins a record to its cause;
a hop whose two records are at different nodes crossed the topology link between them
(cause's node → record's node) when the topology has one, and is *indirect* otherwise (a
reaction to market data relayed by a venue, say). Waves and forced flow are computed in
sim/analysis/waves.py and re-exported here. Ids are row numbers, as in any run's trace.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.analysis.waves import Wave, generations, waves
from sim.core.trace import TraceTable

__all__ = [
    "EdgeStats",
    "Hop",
    "Wave",
    "carried_notional",
    "cause_tree",
    "chain",
    "critical_path",
    "edge_delays",
    "generations",
    "waves",
]


@dataclass(frozen=True)
class Hop:
    """One record on a cause chain; ``delay`` is the time since its cause (None at the root)."""

    id: int
    t: float
    node: str
    kind: str
    delay: float | None


@dataclass(frozen=True)
class EdgeStats:
    """Hops observed over one link (src → dst): delays in seconds and the notional carried."""

    src: str
    dst: str
    count: int
    mean: float
    p50: float
    p99: float
    notional: float


def chain(table: TraceTable, rid: int) -> list[int]:
    """Ids from the exogenous root of record ``rid`` down to ``rid``."""
    if not 0 <= rid < len(table):
        raise IndexError(f"no record {rid} (ids run from 0 to {len(table) - 1})")
    ids = []
    while rid >= 0:
        ids.append(rid)
        rid = int(table.cause[rid])
    return ids[::-1]


def critical_path(table: TraceTable, rid: int) -> list[Hop]:
    """The hops from the exogenous root of record ``rid`` to ``rid``, root first."""
    ids = chain(table, rid)
    return [
        Hop(
            i,
            float(table.t[i]),
            str(table.node[i]),
            str(table.kind[i]),
            None if k == 0 else float(table.t[i] - table.t[ids[k - 1]]),
        )
        for k, i in enumerate(ids)
    ]


def cause_tree(table: TraceTable) -> nx.DiGraph:
    """The records as a forest, cause → effect. Nodes are ids with ``t``, ``kind``, ``node``
    and ``wave``; edges carry the hop's ``delay`` (s)."""
    tree = nx.DiGraph()
    wave = generations(table).tolist()
    tree.add_nodes_from(
        (i, {"t": t, "kind": k, "node": n, "wave": w})
        for i, t, k, n, w in zip(
            table.id.tolist(), table.t.tolist(), table.kind.tolist(), table.node.tolist(), wave, strict=True
        )
    )
    effect = np.flatnonzero(table.cause >= 0)
    cause = table.cause[effect]
    delay = table.t[effect] - table.t[cause]
    tree.add_edges_from(
        (c, e, {"delay": d}) for c, e, d in zip(cause.tolist(), effect.tolist(), delay.tolist(), strict=True)
    )
    return tree


def carried_notional(table: TraceTable) -> np.ndarray:
    """Per record, the notional it stands for: its own; else its quantity times the price of
    its cause (a hedge: the fill it hedges) or of the first record it led to at its own node
    (an order: its trade); 0 for records without either (price updates)."""
    n = len(table)
    has_cause = table.cause >= 0
    cause_price = np.full(n, np.nan)
    cause_price[has_cause] = table.price[table.cause[has_cause]]
    child = np.flatnonzero(has_cause)
    child = child[table.node[child] == table.node[table.cause[child]]]
    first_child = np.full(n, n)
    np.minimum.at(first_child, table.cause[child], child)
    child_price = np.append(table.price, np.nan)[first_child]
    price = table.price
    for fallback in (cause_price, child_price):
        price = np.where(np.isfinite(price), price, fallback)
    value = np.where(np.isfinite(table.notional), table.notional, table.qty * price)
    return np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0)


def edge_delays(table: TraceTable) -> list[EdgeStats]:
    """Per pair of nodes (cause's node → record's node), the hop delays and carried notional,
    in order of each pair's first hop."""
    hop = np.flatnonzero(table.cause >= 0)
    cause = table.cause[hop]
    hop, cause = hop[table.node[hop] != table.node[cause]], cause[table.node[hop] != table.node[cause]]
    if len(hop) == 0:
        return []
    names, codes = np.unique(table.node, return_inverse=True)
    pair = codes[cause] * len(names) + codes[hop]
    keys, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    delay = table.t[hop] - table.t[cause]
    carried = carried_notional(table)[hop]
    stats = []
    for g in np.argsort(first, kind="stable"):
        m = inverse == g
        d = delay[m]
        p50, p99 = np.percentile(d, [50, 99])
        src, dst = divmod(int(keys[g]), len(names))
        stats.append(
            EdgeStats(
                str(names[src]),
                str(names[dst]),
                int(m.sum()),
                float(d.mean()),
                float(p50),
                float(p99),
                float(carried[m].sum()),
            )
        )
    return stats
