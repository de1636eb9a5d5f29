"""Shared look of perpsim plots: colours, markers, sizes and figure helpers (units and
number formats are in sim/plots/formats.py).

Figures are built with ``matplotlib.figure.Figure`` on an Agg canvas, so plotting never
touches pyplot's global state or the interactive backend.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from sim.core.trace import Kind

DPI = 120
PRICES_SIZE = (12.0, 7.0)
TIMELINE_SIZE = (14.0, 10.0)

MUTED = "#666666"
OTHER_COLOR = "#bcbd22"

NODE_KIND_COLORS: dict[str, str] = {
    "igniter": "#d62728",
    "noise": "#7f7f7f",
    "spot": "#1f77b4",
    "index": "#2f4f4f",
    "perp": "#ff7f0e",
    "market_maker": "#9467bd",
    "liquidity": "#8c564b",
    "basis": "#e6ab02",
    "option_mm": "#e377c2",
    "oracle": "#17becf",
    "lending": "#2ca02c",
    "liquidator": "#00441b",
    "holder": "#000080",
    "forward": "#fb9a99",
    "quoting_borrower": "#fdbf6f",
    "profit_taker": "#a6d854",
    "order_flow": "#cab2d6",
    "unwinder": "#b15928",
}

# Shades used when several nodes of one kind share a plot (nth node of a kind gets the nth);
# shades of the kind's own hue, none close to another kind's colour.
NODE_KIND_PALETTES: dict[str, tuple[str, ...]] = {
    "spot": ("#1f77b4", "#44aa99", "#882255", "#999933"),  # blue, teal, wine, olive: apart in hue
    "index": ("#2f4f4f", "#000000", "#3d6b6b"),
    "perp": ("#ff7f0e", "#8c2d04", "#fdae6b", "#d94801"),
}

RECORD_KINDS: tuple[Kind, ...] = tuple(Kind)  # causal order: timeline sub-rows and legends follow it
# Colours and markers per record kind; a kind without them (buy, sell) is drawn in OTHER_COLOR.
# fmt: off
RECORD_KIND_COLORS: dict[Kind, str] = {
    Kind.OPEN: "#969696",
    Kind.OPTION: "#bc80bd",
    Kind.SUPPLY: "#b3de69",
    Kind.DEPOSIT: "#33a02c",
    Kind.IGNITE: "#d62728",
    Kind.NOISE: "#9a9a9a",
    Kind.QUOTE: "#c5b0d5",
    Kind.DEPTH: "#393b79",
    Kind.HEDGE: "#9467bd",
    Kind.BASIS: "#b35806",
    Kind.HOLDER: "#01665e",
    Kind.FORWARD: "#f1b6da",
    Kind.QUOTING_BORROWER: "#e08214",
    Kind.ORDER: "#6baed6",
    Kind.TRADE: "#1f77b4",
    Kind.FILL: "#17becf",
    Kind.ORACLE: "#1b9e77",
    Kind.INDEX: "#2f4f4f",
    Kind.MARK: "#ff7f0e",
    Kind.FUNDING_RATE: "#e6ab02",
    Kind.FUNDING: "#a6761d",
    Kind.MARGIN: "#7b4173",
    Kind.BORROW: "#fb8072",
    Kind.REPAY: "#8dd3c7",
    Kind.WITHDRAW: "#006d2c",
    Kind.RELEASE: "#fdb462",
    Kind.LIQUIDATION: "#e7298a",
    Kind.ADL: "#000000",
    Kind.INSURANCE: "#8c564b",
    Kind.BAD_DEBT: "#7f0000",
    Kind.LIQUIDATE: "#ff00ff",
    Kind.LENDING_LIQUIDATION: "#b2182b",
    Kind.REFUSED: "#525252",
    Kind.EXERCISE: "#ffd92f",
    Kind.TAKEOVER: "#7f2704",
    Kind.BACKSTOP: "#4d004b",
    Kind.VAULT: "#807dba",
    Kind.UNWIND: "#cc4c02",
}
RECORD_KIND_MARKERS: dict[Kind, str] = {
    Kind.OPEN: "s", Kind.OPTION: "p", Kind.SUPPLY: "P", Kind.DEPOSIT: "s", Kind.IGNITE: "^", Kind.NOISE: "v",
    Kind.QUOTE: "o", Kind.DEPTH: "H", Kind.HEDGE: "D", Kind.BASIS: "h", Kind.HOLDER: "8", Kind.FORWARD: "<",
    Kind.QUOTING_BORROWER: ">", Kind.ORDER: ">", Kind.TRADE: "o", Kind.FILL: "s", Kind.ORACLE: "d", Kind.INDEX: "o",
    Kind.MARK: "o", Kind.FUNDING_RATE: "*", Kind.FUNDING: "d", Kind.MARGIN: "D", Kind.BORROW: "v", Kind.REPAY: "^",
    Kind.WITHDRAW: "<", Kind.RELEASE: ">", Kind.LIQUIDATION: "o", Kind.ADL: "X", Kind.INSURANCE: "P",
    Kind.BAD_DEBT: "X", Kind.LIQUIDATE: "*", Kind.LENDING_LIQUIDATION: "X", Kind.REFUSED: "X", Kind.EXERCISE: "p",
    Kind.TAKEOVER: "H", Kind.BACKSTOP: "X", Kind.VAULT: "P", Kind.UNWIND: ">",
}
# fmt: on
FREQUENT_KINDS = frozenset({Kind.QUOTE, Kind.INDEX, Kind.MARK})  # drawn small when numerous

# Liquidations by position side: shorts squeezed (forced buys) / longs flushed (forced sells).
SIDE_COLORS: dict[int, str] = {-1: "#1a9850", 1: "#d73027"}
SIDE_NAMES: dict[int, str] = {-1: "short", 1: "long"}


class Thousands(Formatter):
    """Tick labels with thousands separators and just enough decimals for the tick spacing."""

    def __init__(self) -> None:
        self.decimals = 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        finite = np.asarray([x for x in locs if math.isfinite(x)], dtype=float)
        self.decimals = next(
            (d for d in range(9) if np.allclose(np.round(finite, d), finite, rtol=0, atol=1e-9)),
            9,
        )

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x:,.{self.decimals}f}"


def notional_areas(notional: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Marker areas (pt²) proportional to notional, from ``lo`` (0 or NaN) to ``hi`` (largest)."""
    n = np.nan_to_num(np.asarray(notional, dtype=float), nan=0.0)
    top = n.max(initial=0.0)
    return lo + (hi - lo) * (n / top if top > 0 else np.zeros_like(n))


def node_colors(nodes: dict[str, str]) -> dict[str, str]:
    """A colour per node: the nth node of a kind gets the nth shade of that kind's palette."""
    seen: dict[str, int] = {}
    colors = {}
    for name, kind in nodes.items():
        palette = NODE_KIND_PALETTES.get(kind, (NODE_KIND_COLORS.get(kind, OTHER_COLOR),))
        colors[name] = palette[seen.get(kind, 0) % len(palette)]
        seen[kind] = seen.get(kind, 0) + 1
    return colors


def new_figure(size: tuple[float, float]) -> Figure:
    """A constrained-layout Figure on its own Agg canvas (no pyplot)."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def set_titles(fig: Figure, top: Axes, title: str, subtitle: str) -> None:
    """Bold figure title, with a smaller grey subtitle over the top axes."""
    fig.suptitle(title, fontsize=14, fontweight="bold")
    top.set_title(subtitle, fontsize=9, color=MUTED)


def no_data(ax: Axes, text: str = "no events") -> None:
    """Write ``text`` in the middle of an empty axes."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=16, color=MUTED)


def save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG of exactly size × DPI pixels, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, format="png")
    return path
