"""Arms side by side (seed 004's playbook): spot price, ±2% depth, funding, and headline figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import FuncFormatter

from sim.plots import formats, style
from sim.trace import TraceTable

ARM_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
HOUR = 3600.0


def plot_arm_comparison(arms: dict[str, tuple[TraceTable, dict]], path: Path, title: str) -> Path:
    """``arms``: name → (trace, arm metrics from sim.playbook.arm_metrics)."""
    fig = style.new_figure((14.0, 9.0))
    grid = fig.add_gridspec(2, 2)
    price_ax, depth_ax = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    funding_ax, table_ax = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    for (name, (table, _)), color in zip(arms.items(), ARM_COLORS, strict=False):
        depth = table.kind == "depth"
        hours = table.t[depth] / HOUR
        price_ax.plot(hours, table.price[depth], color=color, lw=1.2, label=name)
        depth_ax.plot(hours, table.notional[depth] / 1e3, color=color, lw=1.0, label=name)
        rates = table.kind == "funding_rate"
        if rates.any():
            step = np.diff(table.t[rates]).mean() if rates.sum() > 1 else table.t[rates][0]
            annual = table.price[rates] * (365 * 86400.0 / step) * 100
            funding_ax.step(table.t[rates] / HOUR, annual, where="pre", color=color, lw=1.2, label=name)
    price_ax.set(title="spot mid", xlabel="time (h)", ylabel=formats.label("price", formats.PRICE_UNIT))
    depth_ax.set(title="spot depth within ±2% of mid", xlabel="time (h)", ylabel="depth (thousand USDT)")
    funding_ax.set(title="funding rate per interval, annualised", xlabel="time (h)", ylabel="funding (% a year)")
    funding_ax.axhline(0, color=style.MUTED, lw=0.8)
    for ax in (price_ax, depth_ax, funding_ax):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best")
        else:
            style.no_data(ax, "no funding interval ended")
    depth_ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    _table(table_ax, {name: metrics for name, (_, metrics) in arms.items()})
    fig.suptitle(title, fontsize=14, fontweight="bold")
    return style.save(fig, path)


def _table(ax, metrics: dict[str, dict]) -> None:
    rows = [
        ("±2% depth, median", lambda m: _k(m["depth_median"])),
        ("±2% depth, 10th pct", lambda m: _k(m["depth_p10"])),
        ("realised volatility", lambda m: _pct(m["realised_vol"])),
        ("holder funding yield", lambda m: _pct(m["holder_funding_yield"])),
        ("project's cost", lambda m: _k(m["project_cost"])),
        ("lending liquidations", lambda m: _count(m["lending_liquidations"])),
        ("perp liquidations", lambda m: _count(m["perp_liquidations"])),
    ]
    cells = [[fmt(m) for m in metrics.values()] for _, fmt in rows]
    ax.axis("off")
    table = ax.table(
        cellText=cells, rowLabels=[r for r, _ in rows], colLabels=list(metrics), loc="center", cellLoc="center"
    )
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1.0, 1.6)
    ax.set_title("headline figures (USDT; yields and volatility a year)")


def _k(x: float | None) -> str:
    return "n/a" if x is None else f"{x / 1e3:,.1f}k"


def _pct(x: float | None) -> str:
    return "n/a" if x is None or x != x else f"{x * 100:.1f}%"


def _count(d: dict) -> str:
    return f"{d['count']} ({d['notional'] / 1e3:,.0f}k)"
