"""Prices and liquidations over time.

Top panel: spot last price per spot venue, index per index node, mark and last price per
perp venue, liquidations on the mark line (colour by position side, marker shape by venue
when there are several). Bottom panel: cumulative liquidated notional per perp venue and
position side. The time axis reads in s, min or h by the run's length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.core.trace import Kind, TraceTable
from sim.plots import formats, style, timeaxis

SPARSE = 30  # series with at most this many points also get a marker per point
LIQ_SIZE = (12.0, 160.0)  # marker area range (pt²) from the smallest to the largest notional
LAST_TRADE_GAP = 0.02  # a perp's last trade is marked when the axis goes on for more than this share after it
LIQ_ALPHA = 0.45  # liquidation markers sit under the price lines, translucent, so the lines stay readable
VENUE_LINESTYLES = ("-", "--", ":", "-.")
INDEX_LINESTYLES = ((0, (6, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))  # several index lines: dashed, dotted, dash-dot
VENUE_MARKERS = ("o", "s", "^", "D", "v", "P")  # liquidations' marker per perp venue


def _series(table: TraceTable, kind: Kind, node: str) -> tuple[np.ndarray, np.ndarray]:
    """Times and prices of ``kind`` records at ``node`` that carry a price."""
    m = table.where(kind, node) & np.isfinite(table.price)
    return table.t[m], table.price[m]


def _step(ax: Axes, t: np.ndarray, y: np.ndarray, t_end: float, **kw) -> None:
    """Step line holding each value until the next one and the last one until ``t_end``
    (pass the last time itself to end the line there)."""
    if len(t) == 0:
        return
    marker = "." if len(t) <= SPARSE else ""
    ax.plot(
        np.append(t, t_end),
        np.append(y, y[-1]),
        drawstyle="steps-post",
        marker=marker,
        markevery=slice(0, len(t)),
        **kw,
    )


def draw_prices(ax: Axes, table: TraceTable, nodes: dict[str, str], t_end: float) -> None:
    """Spot last price per venue (from its opening price: a venue without trades is a flat line
    saying so), index per index node, and per perp its mark and its last price, which ends at
    the venue's last trade (a dotted vertical line marks it when that is before ``t_end``)."""
    colors = style.node_colors(nodes)
    for name, kind in nodes.items():
        if kind == "spot":
            t, p = _series(table, Kind.TRADE, name)
            label = f"{name} last (spot)"
            if len(t) == 0:
                t, p = _series(table, Kind.OPEN, name)
                label = f"{name} opening price (spot, no trades)"
            _step(ax, t, p, t_end, color=colors[name], lw=1.1, zorder=3, label=label)
    indexes = [name for name, kind in nodes.items() if kind == "index"]
    for i, name in enumerate(indexes):
        t, p = _series(table, Kind.INDEX, name)
        ls = INDEX_LINESTYLES[i % len(INDEX_LINESTYLES)]
        _step(ax, t, p, t_end, color=colors[name], lw=1.3, ls=ls, zorder=3, label=f"{name} (index)")
    for name, kind in nodes.items():
        if kind == "perp":
            t, p = _series(table, Kind.MARK, name)
            # thick underlay, so the thinner spot and index lines on top leave it visible
            _step(ax, t, p, t_end, color=colors[name], lw=2.6, alpha=0.85, zorder=2, label=f"{name} mark")
            t, p = _series(table, Kind.TRADE, name)
            if len(t) == 0:
                continue
            _step(ax, t, p, t[-1], color=colors[name], lw=0.7, alpha=0.7, zorder=3, label=f"{name} last (perp)")
            if t_end - t[-1] > LAST_TRADE_GAP * (t_end - float(table.t.min())):
                ax.axvline(
                    t[-1], color=colors[name], ls=(0, (1, 2)), lw=1.2, zorder=1,
                    label=f"{name}: last perp trade ({formats.time_at(t[-1], formats.time_unit(t_end))})",
                )  # fmt: skip


def _draw_liquidations(ax: Axes, table: TraceTable, nodes: dict[str, str]) -> list[Line2D]:
    """Liquidation markers at the mark price, largest first so small ones stay visible on top,
    coloured by position side and shaped by perp venue; returns legend proxies."""
    liq = np.flatnonzero(
        table.where(Kind.LIQUIDATION) & np.isfinite(table.price) & np.isin(table.side, list(style.SIDE_COLORS))
    )
    if len(liq) == 0:
        return []
    liq = liq[np.argsort(-np.nan_to_num(table.notional[liq], nan=0.0), kind="stable")]
    areas = style.notional_areas(table.notional[liq], *LIQ_SIZE)
    perps = [name for name, kind in nodes.items() if kind == "perp"]
    venues = perps + sorted(set(table.node[liq].tolist()) - set(perps))
    venues = [v for v in venues if (table.node[liq] == v).any()]
    for i, venue in enumerate(venues):
        at = table.node[liq] == venue
        ax.scatter(
            table.t[liq][at],
            table.price[liq][at],
            s=areas[at],
            c=np.where(table.side[liq][at] < 0, style.SIDE_COLORS[-1], style.SIDE_COLORS[1]),
            marker=VENUE_MARKERS[i % len(VENUE_MARKERS)],
            alpha=LIQ_ALPHA,
            edgecolors="none",
            zorder=1.5,
        )
    several = len(venues) > 1
    handles = [
        Line2D(
            [],
            [],
            ls="",
            marker="o" if several else VENUE_MARKERS[0],
            color=style.SIDE_COLORS[side],
            markeredgecolor="black",
            label=f"{style.SIDE_NAMES[side]} liquidation" + (" (colour)" if several else ""),
        )
        for side in (-1, 1)
        if (table.side[liq] == side).any()
    ]
    if several:
        handles += [
            Line2D(
                [],
                [],
                ls="",
                marker=VENUE_MARKERS[i % len(VENUE_MARKERS)],
                color="white",
                markeredgecolor="black",
                label=f"on {venue} (shape)",
            )
            for i, venue in enumerate(venues)
        ]
    biggest = np.nanmax(table.notional[liq], initial=0.0)
    label = f"marker area ∝ notional\n(max {formats.usd(biggest)})"
    return [*handles, Line2D([], [], ls="", label=label)]


def draw_cumulative(ax: Axes, table: TraceTable, nodes: dict[str, str], t0: float, t_end: float) -> bool:
    """Cumulative liquidated notional per perp venue and side; False when there is none."""
    liq = table.where(Kind.LIQUIDATION)
    perps = [name for name, kind in nodes.items() if kind == "perp"]
    drawn = False
    for i, name in enumerate(perps):
        for side in (-1, 1):
            m = liq & (table.node == name) & (table.side == side)
            if not m.any():
                continue
            cum = np.cumsum(np.nan_to_num(table.notional[m], nan=0.0))
            ax.plot(
                np.concatenate(([t0], table.t[m], [t_end])),
                np.concatenate(([0.0], cum, [cum[-1]])),
                drawstyle="steps-post",
                color=style.SIDE_COLORS[side],
                ls=VENUE_LINESTYLES[i % len(VENUE_LINESTYLES)],
                lw=1.6,
                label=f"{name}: {style.SIDE_NAMES[side]}s liquidated",
            )
            drawn = True
    return drawn


def _subtitle(table: TraceTable) -> str:
    liq = table.where(Kind.LIQUIDATION)
    total = np.nansum(table.notional[liq])
    n = int(liq.sum())
    liqs = f"{n:,} liquidation{'s' * (n != 1)}, {formats.usd(total)} liquidated" if n else "no liquidations"
    return f"{len(table):,} records · {liqs}"


def prices_figure(table: TraceTable, nodes: dict[str, str], title: str) -> Figure:
    """The prices figure (see module docstring), not yet saved."""
    fig = style.new_figure(style.PRICES_SIZE)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))
    style.set_titles(fig, top, title, _subtitle(table))
    top.set_ylabel(formats.label("price", formats.PRICE_UNIT))
    bottom.set_ylabel(formats.label("cumulative liquidated\nnotional", formats.NOTIONAL_UNIT))
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(style.Thousands())
        ax.grid(True, color="#e5e5e5", lw=0.6)
    if len(table) == 0:
        style.no_data(top)
        style.no_data(bottom)
        bottom.set_xlabel(formats.TIME_LABEL)
        return fig
    t0, t_end = float(table.t.min()), float(table.t.max())
    timeaxis.set_time_axis(bottom, t_end - t0)
    draw_prices(top, table, nodes, t_end)
    handles = top.get_legend_handles_labels()[0] + _draw_liquidations(top, table, nodes)
    if handles:
        top.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, frameon=False
        )
    else:
        style.no_data(top, "no price records")
    if draw_cumulative(bottom, table, nodes, t0, t_end):
        bottom.set_ylim(bottom=0.0)
        bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=8, frameon=False)
    else:
        style.no_data(bottom, "no liquidations")
    return fig


def plot_prices(table: TraceTable, nodes: dict[str, str], path: Path, title: str) -> Path:
    """Write the prices figure to ``path`` (PNG, 12×7 in at 120 dpi) and return the path."""
    return style.save(prices_figure(table, nodes, title), path)
