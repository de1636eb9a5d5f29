"""Arms side by side: time panels on one shared axis (left) and a table of headline figures
(right), each only for what the arms have:

- spot mid (always), ±2% depth (``depth`` records), the funding rate (``funding_rate``
  records), cumulative liquidated notional (liquidations) and cumulative ADL notional per
  account (ADL closes);
- table rows for depth, volatility (runs of at least VOLATILITY_MIN_S only: annualising a
  shorter run means little), holder yield, the project's cost, lending liquidations, the
  peak spot price, perp liquidations (positions, each counted once) and the layers of the
  liquidation waterfall (book, fund takeover, vault backstop, their unwinding), ADL (in all
  and per account), the insurance funds, the liquidator vault and bad debt.

The time axis reads in s, min or h by the run's length. Arms are drawn widest first, so
identical lines stay visible as stacked bands, and a line identical to an earlier arm's says
so in the legend. Table rows whose figures differ between the arms are in bold.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.metrics import first_liquidations
from sim.core.trace import Kind, TraceTable
from sim.plots import formats, style, timeaxis

ARM_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
ACCOUNT_LINESTYLES = ("-", "--", ":", "-.")
WIDTHS = (3.2, 1.1)  # line width of the first and the last arm
NOISY_WIDTHS = (1.8, 0.9)  # the same for noisy series (depth)
SIZE = (15.0, 9.5)
VOLATILITY_MIN_S = 86400.0
LENDING_KINDS = (Kind.SUPPLY, Kind.BORROW, Kind.REPAY, Kind.LENDING_LIQUIDATION)
IN_PROGRESS_COLOR = "#f0f0f0"

Arms = dict[str, tuple[TraceTable, dict]]


def plot_arm_comparison(arms: Arms, path: Path, title: str) -> Path:
    """``arms``: name → (trace, arm metrics from sim.analysis.playbook.arm_metrics)."""
    return style.save(arm_comparison_figure(arms, title), path)


def arm_comparison_figure(arms: Arms, title: str) -> Figure:
    """The comparison figure (see the module docstring), not yet saved."""
    last = max((float(table.t.max()) for table, _ in arms.values() if len(table)), default=1.0)
    t_end = max((float(m.get("duration_s", last)) for _, m in arms.values()), default=last)
    panels = [_price]
    if _any(arms, Kind.DEPTH):
        panels.append(_depth)
    if _any(arms, Kind.FUNDING_RATE):
        panels.append(_funding)
    if _any(arms, Kind.LIQUIDATION):
        panels.append(_liquidations)
    if _any(arms, Kind.ADL):
        panels.append(_adl)
    fig = style.new_figure(SIZE)
    grid = fig.add_gridspec(len(panels), 2, width_ratios=(1.45, 1.0))
    first = fig.add_subplot(grid[0, 0])
    axes = [first] + [fig.add_subplot(grid[i, 0], sharex=first) for i in range(1, len(panels))]
    for ax, draw in zip(axes, panels, strict=True):
        draw(ax, arms, t_end)
        ax.grid(True, color="#e5e5e5", lw=0.6)
        ax.yaxis.set_major_formatter(style.Thousands())
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, borderaxespad=0.3)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    first.set_xlim(0.0, t_end)
    unit = timeaxis.set_time_axis(axes[-1], t_end)
    _table(fig.add_subplot(grid[:, 1]), arms, t_end)
    fig.suptitle(title, fontsize=14, fontweight="bold")
    fig.text(
        0.5,
        0.955,
        f"{len(arms)} arms, same seed · run length {formats.time_at(t_end, unit)}",
        ha="center",
        fontsize=9,
        color=style.MUTED,
    )
    fig.get_layout_engine().set(rect=(0, 0, 1, 0.95))
    return fig


def _any(arms: Arms, kind: Kind) -> bool:
    return any((table.kind == kind).any() for table, _ in arms.values())


def _width(i: int, n: int, widths: tuple[float, float] = WIDTHS) -> float:
    hi, lo = widths
    return hi - (hi - lo) * i / max(n - 1, 1)


class _Lines:
    """Draws one panel's lines, arm by arm, and names a line identical to an earlier one."""

    def __init__(self, ax: Axes, n: int, widths: tuple[float, float] = WIDTHS) -> None:
        self.ax, self.n, self.widths = ax, n, widths
        self.drawn: list[tuple[str, np.ndarray, np.ndarray]] = []

    def plot(self, i: int, label: str, t: np.ndarray, y: np.ndarray, **kw) -> None:
        same = next((name for name, t0, y0 in self.drawn if _equal(t, t0) and _equal(y, y0)), None)
        self.drawn.append((label, t, y))
        if same is not None:
            label += f"\n  (identical to {same})" if len(label) + len(same) > 30 else f" (identical to {same})"
        kw.setdefault("color", ARM_COLORS[i % len(ARM_COLORS)])
        kw.setdefault("lw", _width(i, self.n, self.widths))
        self.ax.plot(t, y, label=label, zorder=2 + i, **kw)


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True))


def _price(ax: Axes, arms: Arms, t_end: float) -> None:
    lines = _Lines(ax, len(arms))
    mid = _any(arms, Kind.DEPTH)
    for i, (name, (table, _)) in enumerate(arms.items()):
        if mid:
            m = (table.kind == Kind.DEPTH) & np.isfinite(table.price)
        else:  # last trade on the first book that opened
            opened = table.node[table.kind == Kind.OPEN]
            m = (
                (table.kind == Kind.TRADE)
                & (table.node == (opened[0] if len(opened) else ""))
                & np.isfinite(table.price)
            )
        if m.any():
            lines.plot(i, name, table.t[m], table.price[m], drawstyle="steps-post")
    ax.set_title("spot mid" if mid else "spot last price", fontsize=10)
    ax.set_ylabel(formats.label("price", formats.PRICE_UNIT), fontsize=9)


def _depth(ax: Axes, arms: Arms, t_end: float) -> None:
    lines = _Lines(ax, len(arms), NOISY_WIDTHS)
    for i, (name, (table, _)) in enumerate(arms.items()):
        m = table.kind == Kind.DEPTH
        lines.plot(i, name, table.t[m], table.notional[m] / 1e3, drawstyle="steps-post")
    ax.set_title("spot depth within ±2% of mid", fontsize=10)
    ax.set_ylabel("depth\n(thousand USDT)", fontsize=9)


def _funding(ax: Axes, arms: Arms, t_end: float) -> None:
    """Each funding interval's rate, annualised, held over the interval it settles (a rate
    settled at t covers the interval ending at t); the last, unsettled interval shaded."""
    lines = _Lines(ax, len(arms))
    venues = list(dict.fromkeys(p["venue"] for _, m in arms.values() for p in m.get("funding_path", [])))
    last = 0.0
    for i, (name, (_, metrics)) in enumerate(arms.items()):
        for j, venue in enumerate(venues):
            path = [p for p in metrics.get("funding_path", []) if p["venue"] == venue]
            if not path:
                continue
            t = np.array([p["t"] for p in path])
            rate = np.array([p["annualised"] for p in path]) * 100
            step = float(np.diff(t).mean()) if len(t) > 1 else float(t[0])
            label = name if len(venues) == 1 else f"{name}: {venue}"
            ls = ACCOUNT_LINESTYLES[j % len(ACCOUNT_LINESTYLES)]
            lines.plot(i, label, np.append(t[0] - step, t), np.append(rate[0], rate), drawstyle="steps-pre", ls=ls)
            last = max(last, float(t[-1]))
    ax.axhline(0, color=style.MUTED, lw=0.8)
    if t_end - last > 0.01 * t_end:
        ax.axvspan(last, t_end, color=IN_PROGRESS_COLOR, zorder=0, lw=0)
        ax.text(
            (last + t_end) / 2,
            0.5,
            "interval\nunsettled\nat the end",
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="center",
            fontsize=7,
            color=style.MUTED,
        )
    ax.set_title("funding rate per interval, annualised", fontsize=10)
    ax.set_ylabel("funding\n(% a year)", fontsize=9)


def _cumulative(table: TraceTable, m: np.ndarray, t_end: float) -> tuple[np.ndarray, np.ndarray]:
    cum = np.cumsum(np.nan_to_num(table.notional[m], nan=0.0))
    return np.concatenate([[0.0], table.t[m], [t_end]]), np.concatenate([[0.0], cum, cum[-1:]])


def _liquidations(ax: Axes, arms: Arms, t_end: float) -> None:
    lines = _Lines(ax, len(arms))
    for i, (name, (table, _)) in enumerate(arms.items()):
        m = np.zeros(len(table), dtype=bool)
        m[first_liquidations(table)] = True  # a position retried or sliced counts once
        if m.any():
            lines.plot(i, name, *_cumulative(table, m, t_end), drawstyle="steps-post")
    ax.set_ylim(bottom=0.0)
    ax.set_title("perp liquidations: cumulative notional of the positions, all venues", fontsize=10)
    ax.set_ylabel(formats.label("liquidated", formats.NOTIONAL_UNIT), fontsize=9)


def _adl(ax: Axes, arms: Arms, t_end: float) -> None:
    lines = _Lines(ax, len(arms))
    keys = list(
        dict.fromkeys(
            (venue, account)
            for table, _ in arms.values()
            for venue, account in zip(
                table.node[table.kind == Kind.ADL].tolist(), table.account[table.kind == Kind.ADL].tolist(), strict=True
            )
        )
    )
    several_venues = len({venue for venue, _ in keys}) > 1
    for i, (name, (table, _)) in enumerate(arms.items()):
        for j, (venue, account) in enumerate(keys):
            m = (table.kind == Kind.ADL) & (table.node == venue) & (table.account == account)
            if m.any():
                who = f"{venue} · {account}" if several_venues else account
                ls = ACCOUNT_LINESTYLES[j % len(ACCOUNT_LINESTYLES)]
                lines.plot(i, f"{name}: {who}", *_cumulative(table, m, t_end), drawstyle="steps-post", ls=ls)
    ax.set_ylim(bottom=0.0)
    ax.set_title("auto-deleveraging: cumulative notional closed, by account", fontsize=10)
    ax.set_ylabel(formats.label("ADL closed", formats.NOTIONAL_UNIT), fontsize=9)


# The liquidation waterfall's layers (docs/MECHANICS.md §5), each a row when an arm has it.
WATERFALL_ROWS = (
    ("book", "  closed on the book"),
    ("takeover", "  taken over by the fund"),
    ("backstop", "  backstopped to the vault"),
    ("unwind", "fund / vault unwind orders"),
)


def table_rows(arms: Arms, t_end: float) -> list[tuple[str, list[str]]]:
    """(label, a cell per arm) of every headline figure the arms have."""
    metrics = [m for _, m in arms.values()]
    tables = [t for t, _ in arms.values()]
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, fmt) -> None:
        rows.append((label, [fmt(m) for m in metrics]))

    if any(m.get("depth_median") is not None for m in metrics):
        add("±2% depth, median", lambda m: _money(m["depth_median"]))
        add("±2% depth, 10th percentile", lambda m: _money(m["depth_p10"]))
    duration = max((m.get("duration_s", t_end) for m in metrics), default=t_end)
    if duration >= VOLATILITY_MIN_S and any(_finite(m.get("realised_vol")) for m in metrics):
        add("realised volatility, a year", lambda m: _pct(m["realised_vol"]))
    if any(m.get("holder_funding_yield") is not None for m in metrics):
        add("holder funding yield, a year", lambda m: _pct(m["holder_funding_yield"]))
    if any(m.get("option_premium") for m in metrics):
        add("call premium at signing (implied vol)", lambda m: _money(m["option_premium"]))
        add("paid at exercise", lambda m: _money(m["exercise_paid"]))
    if any(m.get("holder_net_carry") is not None for m in metrics):
        add("holder net carry, a year", lambda m: _pct(m.get("holder_net_yield")))
    if any(np.isin(t.kind, LENDING_KINDS).any() for t in tables):
        add("lending liquidations", lambda m: _count(m["lending_liquidations"]))
    if any((t.kind == Kind.MARK).any() for t in tables):
        if any(m.get("peak_spot") is not None for m in metrics) and any(
            m["waterfall"]["book"] or m["perp_liquidations"]["count"] for m in metrics
        ):
            add("peak spot price", lambda m: "n/a" if m["peak_spot"] is None else f"{m['peak_spot']:.2f}")
        add("perp liquidations (positions)", lambda m: _count(m["perp_liquidations"]))
        for key, label in WATERFALL_ROWS:
            if any(m["waterfall"][key] for m in metrics):
                add(label, lambda m, key=key: _money(m["waterfall"][key]))
    if any(m.get("adl", {}).get("count") for m in metrics):
        add("ADL closes", lambda m: _count(m["adl"]))
        by_venue = [m["adl"]["by_venue"] for m in metrics]
        keys = list(dict.fromkeys((v, a) for venues in by_venue for v, accounts in venues.items() for a in accounts))
        several_venues = len({v for v, _ in keys}) > 1
        for venue, account in keys:
            label = f"  ADL of {account}" + (f" on {venue}" if several_venues else "")
            rows.append((label, [_money(v[venue][account]) if account in v.get(venue, {}) else "–" for v in by_venue]))
    if any(m.get("insurance_fund_change") for m in metrics):
        add("insurance funds' change", lambda m: _money(m["insurance_fund_change"]))
    if any(m.get("vault_change") for m in metrics):
        add("liquidator vault's change", lambda m: _money(m["vault_change"]))
    if any(m.get("bad_debt") for m in metrics):
        add("bad debt", lambda m: _money(m["bad_debt"]))
    return rows


def _table(ax: Axes, arms: Arms, t_end: float) -> None:
    ax.axis("off")
    rows = table_rows(arms, t_end)
    ax.set_title("headline figures (USDT)", fontsize=10)
    if not rows:
        style.no_data(ax, "no headline figures")
        return
    table = ax.table(
        cellText=[cells for _, cells in rows],
        rowLabels=[label for label, _ in rows],
        colLabels=[name.replace("_", "_\n") for name in arms],  # narrow columns when there are many arms
        loc="upper center",
        cellLoc="center",
        rowLoc="left",
        bbox=(0.36, 1.0 - 0.065 * (len(rows) + 1), 0.56, 0.065 * (len(rows) + 1)),  # clear of the right edge
    )
    table.auto_set_font_size(False)
    table.set_fontsize(9 if len(arms) <= 4 else 7)
    differ = [len(set(cells)) > 1 for _, cells in rows]
    for (r, _), cell in table.get_celld().items():
        cell.set_edgecolor("#c8c8c8")
        if r == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eeeeee")
        elif differ[r - 1]:
            cell.set_text_props(fontweight="bold")
    notes = []
    if any(differ):
        notes.append("Bold: figures that differ between the arms.")
    metrics = [m for _, m in arms.values()]
    duration = max((m.get("duration_s", t_end) for m in metrics), default=t_end)
    if duration < VOLATILITY_MIN_S:
        unit = formats.time_unit(duration)
        notes.append(f"Realised volatility left out: annualising a {formats.time_at(duration, unit)} run means little.")
    for name, (_, m) in arms.items():
        if description := m.get("description"):
            notes.append(description if description.startswith(f"{name}:") else f"{name}: {description}")
    text = "\n".join(textwrap.fill(n, 70, subsequent_indent="  ") for n in notes)
    ax.text(0.0, 1.0 - 0.065 * (len(rows) + 1) - 0.04, text, transform=ax.transAxes, va="top", fontsize=8.5)


def _money(x: float | None) -> str:
    """Three significant figures with k/M/B, no unit (the table's title gives it)."""
    return "n/a" if x is None else formats.usd_short(x).removesuffix(f" {formats.NOTIONAL_UNIT}")


def _finite(x: float | None) -> bool:
    return x is not None and bool(np.isfinite(x))


def _pct(x: float | None) -> str:
    return f"{x * 100:.1f}%" if _finite(x) else "n/a"


def _count(d: dict) -> str:
    return f"{d['count']:,} ({_money(d['notional'])})"
