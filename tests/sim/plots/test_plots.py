"""Plots render synthetic traces (a hand-written chain, 50,000 generated records, none) to PNGs."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.image import imread
from matplotlib.text import Text

from sim.core.trace import NO_ID, Kind, Trace, TraceTable
from sim.plots import style
from sim.plots.prices import plot_prices, prices_figure
from sim.plots.timeline import _liquidation_chains, bundles, plot_timeline, timeline_figure

CHAIN_NODES = {
    "igniter": "igniter",
    "binance_spot": "spot",
    "index": "index",
    "binance_perp": "perp",
    "mm1": "market_maker",
}
DENSE_NODES = {
    "igniter": "igniter",
    "noise": "noise",
    "binance_spot": "spot",
    "coinbase_spot": "spot",
    "index": "index",
    "binance_perp": "perp",
    "bybit_perp": "perp",
    "mm_a": "market_maker",
    "mm_b": "market_maker",
    "liquidity": "liquidity",
}
PRICES_PX = (round(style.PRICES_SIZE[1] * style.DPI), round(style.PRICES_SIZE[0] * style.DPI))
TIMELINE_PX = (round(style.TIMELINE_SIZE[1] * style.DPI), round(style.TIMELINE_SIZE[0] * style.DPI))


def chain_trace() -> TraceTable:
    """ignite → order → trade → index → mark → liquidation → trade → fill → hedge → order → trade."""
    tr = Trace()
    r = tr.record(0.000, Kind.IGNITE, "igniter", side=1, notional=50_000.0)
    r = tr.record(0.001, Kind.ORDER, "binance_spot", r, "igniter", 1, notional=50_000.0)
    r = tr.record(0.002, Kind.TRADE, "binance_spot", r, "igniter", 1, 30_150.0, 1.66, 50_000.0)
    r = tr.record(0.010, Kind.INDEX, "index", r, price=30_100.0)
    r = tr.record(0.020, Kind.MARK, "binance_perp", r, price=30_120.0)
    r = tr.record(0.021, Kind.LIQUIDATION, "binance_perp", r, "short_1", -1, 30_120.0, 5.0, 150_600.0)
    r = tr.record(0.022, Kind.TRADE, "binance_perp", r, "short_1", 1, 30_180.0, 5.0, 150_750.0)
    r = tr.record(0.023, Kind.FILL, "binance_perp", r, "mm1", -1, 30_160.0, 5.0, 150_800.0)
    r = tr.record(0.030, Kind.HEDGE, "mm1", r, "mm1", 1, qty=5.0)
    r = tr.record(0.031, Kind.ORDER, "binance_spot", r, "mm1", 1, qty=5.0)
    tr.record(0.032, Kind.TRADE, "binance_spot", r, "mm1", 1, 30_210.0, 5.0, 151_050.0)
    return tr.table()


class _Builder:
    """Columns of a synthetic trace, added in vectorised blocks with provisional ids."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, np.ndarray]] = []
        self.n = 0

    def add(self, t, kind, node, cause=-1, side=0, price=np.nan, qty=np.nan, notional=np.nan):
        t = np.asarray(t, dtype=float)

        def full(v, dtype):
            return np.broadcast_to(np.asarray(v, dtype=dtype), t.shape)

        self.blocks.append(
            {
                "t": t,
                "kind": full(kind, object),
                "node": full(node, object),
                "cause": full(cause, np.int64),
                "side": full(side, np.int64),
                "price": full(price, float),
                "qty": full(qty, float),
                "notional": full(notional, float),
            }
        )
        ids = np.arange(self.n, self.n + len(t))
        self.n += len(t)
        return ids

    def table(self) -> TraceTable:
        """Records sorted by time, ids renumbered and causes remapped."""
        col = {c: np.concatenate([b[c] for b in self.blocks]) for c in self.blocks[0]}
        order = np.argsort(col["t"], kind="stable")
        new_id = np.empty(self.n, dtype=np.int64)
        new_id[order] = np.arange(self.n)
        cause = col["cause"][order]
        cause = np.where(cause >= 0, new_id[np.maximum(cause, 0)], -1)
        empty = np.full(self.n, "", dtype=object)
        return TraceTable(
            id=np.arange(self.n),
            t=col["t"][order],
            kind=col["kind"][order],
            node=col["node"][order],
            cause=cause,
            account=empty,
            side=col["side"][order],
            price=col["price"][order],
            qty=col["qty"][order],
            notional=col["notional"][order],
            info=empty.copy(),
            pid=np.full(self.n, NO_ID),
            ref=np.full(self.n, NO_ID),
            bankruptcy=np.full(self.n, np.nan),
            premium=np.full(self.n, np.nan),
        )


def dense_trace(seed: int = 0) -> TraceTable:
    """50,000 records: 600 s of noise flow, quotes, index and marks, with a short squeeze at
    300–330 s: 20 ignition slices feeding 20 parallel strands of 75 liquidation chains each."""
    rng = np.random.default_rng(seed)
    b = _Builder()
    grid = np.linspace(0.0, 600.0, 6001)
    base = 30_000.0 * np.exp(np.cumsum(rng.normal(0.0, 4e-4, len(grid))))
    squeeze = 1.0 + 0.08 * np.clip((grid - 300.0) / 30.0, 0.0, 1.0)

    def price(t, premium=0.0):
        return np.interp(t, grid, base * squeeze) * (1.0 + premium + rng.normal(0, 1e-4, len(t)))

    def pick(names, k):
        return np.asarray(names, dtype=object)[rng.integers(0, len(names), k)]

    def lag(k, lo=0.005, hi=0.04):
        return rng.uniform(lo, hi, k)

    # the squeeze: ignition slices, then strands of chains each caused by the strand's last trade
    n_ign, n_chain = 20, 1500
    t = 300.0 + np.arange(n_ign) * 0.05
    r = b.add(t, "ignite", "igniter", side=1, notional=50_000.0)
    r = b.add(t := t + 0.001, "order", "binance_spot", r, 1, notional=50_000.0)
    last_trade = b.add(t := t + 0.001, "trade", "binance_spot", r, 1, price(t), 1.6, 50_000.0)
    perp = np.where(np.arange(n_chain) % 3, "binance_perp", "bybit_perp").astype(object)
    mm = np.where(np.arange(n_chain) % 2, "mm_a", "mm_b").astype(object)
    spot = pick(["binance_spot", "coinbase_spot"], n_chain)
    side = np.where(rng.random(n_chain) < 0.1, 1, -1)
    notional = rng.lognormal(np.log(50_000.0), 1.0, n_chain)
    start = 301.0 + np.arange(n_chain) * 0.02
    for strand in range(0, n_chain, n_ign):
        s = slice(strand, strand + n_ign)
        k = n_ign
        t = start[s]
        r = b.add(t, "index", "index", last_trade, price=price(t))
        mark_price = price(t := t + lag(k), 3e-4)
        r = b.add(t, "mark", perp[s], r, price=mark_price)
        r = b.add(
            t := t + lag(k), "liquidation", perp[s], r, side[s], mark_price, notional[s] / mark_price, notional[s]
        )
        trade = b.add(
            t := t + lag(k), "trade", perp[s], r, -side[s], price(t, 5e-4), notional[s] / mark_price, notional[s]
        )
        fill = b.add(
            t := t + lag(k),
            "fill",
            perp[s],
            trade,
            side[s],
            price(t, 5e-4),
            notional[s] / mark_price / 2,
            notional[s] / 2,
        )
        b.add(
            t + 0.001,
            "fill",
            "liquidity",
            trade,
            side[s],
            price(t, 5e-4),
            notional[s] / mark_price / 2,
            notional[s] / 2,
        )
        r = b.add(t := t + lag(k), "hedge", mm[s], fill, -side[s], qty=notional[s] / mark_price)
        b.add(t + lag(k), "quote", mm[s], fill, price=price(t))
        r = b.add(t := t + lag(k), "order", spot[s], r, -side[s], qty=notional[s] / mark_price)
        last_trade = b.add(
            t := t + lag(k), "trade", spot[s], r, -side[s], price(t), notional[s] / mark_price, notional[s]
        )
    # background: noise flow → order → trade, index → mark, quotes
    venues = ["binance_spot", "coinbase_spot", "binance_perp", "bybit_perp"]
    k = 3000
    t = np.sort(rng.uniform(0.0, 600.0, k))
    s = rng.choice([-1, 1], k)
    q = rng.lognormal(np.log(5_000.0), 1.0, k)
    v = pick(venues, k)
    r = b.add(t, "noise", "noise", side=s, notional=q)
    r = b.add(t := t + lag(k), "order", v, r, s, notional=q)
    b.add(t := t + lag(k, 0.001, 0.005), "trade", v, r, s, price(t), q / price(t), q)
    k = 5000
    t = np.sort(rng.uniform(0.0, 600.0, k))
    r = b.add(t, "index", "index", price=price(t))
    b.add(t := t + lag(k), "mark", pick(venues[2:], k), r, price=price(t, 3e-4))
    k = 50_000 - b.n
    t = np.sort(rng.uniform(0.0, 600.0, k))
    b.add(t, "quote", pick(["mm_a", "mm_b"], k), price=price(t))
    return b.table()


EMPTY = Trace().table()


@pytest.fixture(scope="module")
def dense() -> TraceTable:
    return dense_trace()


def _png_shape(path: Path) -> tuple[int, int]:
    assert path.is_file() and path.stat().st_size > 0
    return imread(path).shape[:2]


def test_dense_trace_is_well_formed(dense):
    assert len(dense) == 50_000
    has_cause = dense.cause >= 0
    assert (dense.cause[has_cause] < dense.id[has_cause]).all()
    assert (dense.kind == "liquidation").sum() == 1500


PLOTS = [(plot_prices, PRICES_PX), (plot_timeline, TIMELINE_PX)]


@pytest.mark.parametrize(("plot", "shape"), PLOTS)
def test_chain_plot_is_a_deterministic_png_of_expected_size(tmp_path, plot, shape):
    a = plot(chain_trace(), CHAIN_NODES, tmp_path / "sub" / "a.png", "chain")
    b = plot(chain_trace(), CHAIN_NODES, tmp_path / "sub" / "b.png", "chain")
    assert a == tmp_path / "sub" / "a.png"
    assert _png_shape(a) == shape
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("trace", ["dense", "empty"])
@pytest.mark.parametrize(("plot", "shape"), PLOTS)
def test_plot_writes_png_of_expected_size(tmp_path, dense, trace, plot, shape):
    table, nodes = {"dense": (dense, DENSE_NODES), "empty": (EMPTY, CHAIN_NODES)}[trace]
    assert _png_shape(plot(table, nodes, tmp_path / f"{trace}.png", f"{trace} trace")) == shape


@pytest.mark.parametrize("figure", [prices_figure, timeline_figure])
def test_empty_trace_says_no_events(figure):
    fig = figure(EMPTY, CHAIN_NODES, "empty")
    assert "no events" in [t.get_text() for t in fig.findobj(Text)]


def _segments(ax) -> list:
    return [seg for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments()]


def test_timeline_bundles_cause_lines_and_says_so(dense):
    fig = timeline_figure(dense, DENSE_NODES, "dense", max_arrows=500)
    prices, lanes, cumulative = fig.axes[:3]
    bundles_drawn = len(_segments(lanes))
    assert 100 < bundles_drawn <= 501  # each of the two colours gets its share of the budget, rounded
    assert f"in {bundles_drawn:,} bundles" in prices.get_title()
    widths = np.concatenate([c.get_linewidths() for c in lanes.collections if isinstance(c, LineCollection)])
    assert widths.max() > widths.min()  # wider where more causes share a bundle
    points = sum(len(c.get_offsets()) for c in lanes.collections if not isinstance(c, LineCollection))
    assert points < 0.5 * len(dense)  # markers are aggregated per sub-row and time bin too
    for ax in (prices, lanes, cumulative):
        lo, hi = ax.get_xlim()
        assert 290 < lo < 300 and 330 < hi < 340  # zoomed on ignition → last liquidation


def test_bundles_add_up_and_coarsen_to_the_budget():
    t0 = np.array([0.0, 0.001, 5.0, 5.0])
    t1 = t0 + 0.002
    y0, y1 = np.array([0.0, 0.0, 0.0, 2.0]), np.array([1.0, 1.0, 1.0, 1.0])
    segments, counts = bundles(t0, y0, t1, y1, 0.0, 10.0, budget=10)
    assert sorted(counts.tolist()) == [1, 1, 2]
    assert segments[counts == 2].tolist() == [[[0.0005, 0.0], [0.0025, 1.0]]]  # at the bundle's mean times
    segments, counts = bundles(t0, y0, t1, y1, 0.0, 10.0, budget=2)
    assert sorted(counts.tolist()) == [1, 3]  # one time bin left: one bundle per pair of sub-rows


def test_timeline_draws_every_cross_node_cause_of_the_chain_with_prices_and_waves():
    prices, lanes, cumulative = timeline_figure(chain_trace(), CHAIN_NODES, "chain").axes[:3]
    assert len(_segments(lanes)) == 5  # ignite→order, trade→index, index→mark, fill→hedge, hedge→order
    assert {line.get_label() for line in prices.get_lines()} >= {
        "binance_spot last (spot)",
        "index (index)",
        "binance_perp mark",
    }
    assert cumulative.get_lines()[0].get_ydata()[-1] == 150_600.0
    assert "w1" in [t.get_text() for t in cumulative.texts]


def test_liquidation_chains_are_ancestors_and_descendants():
    #        0    1    2    3    4    5    6
    cause = np.array([-1, 0, 1, -1, 3, 2, 5])
    is_liq = np.array([False, False, True, False, False, False, False])
    chain = _liquidation_chains(cause, is_liq)
    assert chain.tolist() == [True, True, True, False, False, True, True]
