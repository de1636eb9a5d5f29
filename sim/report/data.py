"""What the report page shows, as plain JSON-able data taken from a run folder.

Generic over record kinds and trace columns: lanes are the trace's nodes (ordered as the
timeline's), sub-rows its record kinds, hover text every column of ``sim.core.trace.COLUMNS``.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np

from sim.analysis.causes import waves
from sim.core.trace import COLUMNS, ID_COLUMNS, NO_CAUSE, NO_ID, Kind, TraceTable
from sim.plots import style
from sim.plots.timeline import LANE_GROUPS, OTHER_GROUP, focus_window

MAX_RECORDS = 50_000  # records drawn on the page; a longer trace is thinned (with every shown record's causes kept)
# (node kind, record kind) drawn as prices
PRICE_SERIES = (("spot", Kind.TRADE), ("index", Kind.INDEX), ("perp", Kind.MARK))


def shown_records(table: TraceTable, limit: int = MAX_RECORDS) -> np.ndarray:
    """Ids of the records the page draws: all of them, or for a longer trace every k-th record
    and every liquidation up to ``limit``, plus all their causes (so each shown chain is whole)."""
    n = len(table)
    if n <= limit:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[:: math.ceil(n / (limit // 2))] = True
    liq = np.flatnonzero(table.kind == Kind.LIQUIDATION)
    keep[liq[:: max(1, math.ceil(len(liq) / (limit // 2)))]] = True
    frontier = keep.copy()
    while frontier.any():  # add the causes of the newly kept records until no chain is cut
        causes = table.cause[frontier]
        causes = causes[causes != NO_CAUSE]
        frontier = np.zeros(n, dtype=bool)
        frontier[causes] = True
        frontier &= ~keep
        keep |= frontier
    return np.flatnonzero(keep)


def lanes(table: TraceTable, nodes: dict[str, str]) -> list[tuple[str, str]]:
    """(node, record kind) per row of the timeline, top to bottom: nodes in the timeline's lane
    order, kinds in causal order within a node."""
    present = {(n, k) for n, k in zip(table.node.tolist(), table.kind.tolist(), strict=True)}
    node_order = sorted(
        dict.fromkeys([*nodes, *sorted({n for n, _ in present} - nodes.keys())]),
        key=lambda n: LANE_GROUPS.get(nodes.get(n, "?"), OTHER_GROUP),
    )
    rank = {k: i for i, k in enumerate(style.RECORD_KINDS)}
    rows = []
    for node in node_order:
        kinds = sorted({k for n, k in present if n == node}, key=lambda k: (rank.get(k, len(rank)), k))
        rows.extend((node, k) for k in kinds)
    return rows


def _number(x: float) -> float | None:
    return None if x != x else x  # NaN: JSON null


def page_data(table: TraceTable, nodes: dict[str, str], summary: dict) -> dict:
    """Everything the page's script needs: records, rows, colours, price series and waves."""
    ids = shown_records(table)
    rows = lanes(table, nodes)
    row_of = {r: i for i, r in enumerate(rows)}
    kinds = sorted(set(table.kind.tolist()), key=lambda k: (style.RECORD_KINDS + (k,)).index(k))
    node_color = style.node_colors(nodes)
    records = {}
    for c in COLUMNS:  # whatever the columns are: floats with NaN and ids with NO_ID as JSON null
        column = getattr(table, c)[ids].tolist()
        if c in ID_COLUMNS:
            column = [None if x == NO_ID else x for x in column]
        records[c] = [_number(x) for x in column] if getattr(table, c).dtype.kind == "f" else column
    records["row"] = [row_of[(n, k)] for n, k in zip(records["node"], records["kind"], strict=True)]
    return {
        "total": len(table),
        "records": records,
        "columns": list(COLUMNS),
        "rows": [f"{n} · {k}" for n, k in rows],
        "kinds": kinds,
        "kind_colors": {k: style.RECORD_KIND_COLORS.get(k, style.OTHER_COLOR) for k in kinds},
        "prices": price_series(table, nodes, node_color),
        "waves": [asdict(w) for w in waves(table)],
        "t_end": float(summary.get("simulated_s", table.t.max(initial=0.0))),
        "focus": _focus(table),
    }


def _focus(table: TraceTable) -> list[float] | None:
    """The time span the page opens on: the timeline's (first ignition to last liquidation for
    a dense trace), or None for the whole run."""
    if len(table) == 0:
        return None
    x0, x1, zoomed = focus_window(table)
    return [x0, x1] if zoomed else None


def price_series(table: TraceTable, nodes: dict[str, str], colors: dict[str, str]) -> list[dict]:
    """One step series per spot venue (trades), index node (publications) and perp (marks)."""
    series = []
    dashes = {"spot": "solid", "index": "dash", "perp": "dot"}
    for node_kind, record_kind in PRICE_SERIES:
        for node in (n for n, k in nodes.items() if k == node_kind):
            m = (
                (table.node == node)
                & ((table.kind == record_kind) | (table.kind == Kind.OPEN))
                & np.isfinite(table.price)
            )
            if not m.any():
                continue
            label = {Kind.TRADE: "last", Kind.INDEX: "index", Kind.MARK: "mark"}[record_kind]
            series.append(
                {
                    "name": f"{node} {label}",
                    "t": table.t[m].tolist(),
                    "price": table.price[m].tolist(),
                    "color": colors.get(node, style.OTHER_COLOR),
                    "dash": dashes[node_kind],
                }
            )
    return series
