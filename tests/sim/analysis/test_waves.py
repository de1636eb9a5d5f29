"""Waves that follow what moved the price (sim/analysis/waves.py): scenario tests on the trace, and the
contributors of every aggregate record (sim/market/attribution.py, sim/core/contributors.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from cascade_world import small_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import api
from sim.analysis import causes as analysis
from sim.analysis.runfolder import open_run
from sim.analysis.waves import FORCED_ROOTS, WAVE_STEP, Channels, cascade, channel_masks, channels
from sim.core.trace import Kind, Trace
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.study.output import write_run

TWO_SPOT = Path(__file__).with_name("rocket_two_spot.toml")
AGGREGATES = ("index", "oracle")


def small_run(overrides: list[str] = (), whale_slices: int = 5):
    raw = small_raw()
    if whale_slices == 1:
        raw["igniter"]["whale"].update(slices=1, duration="0s")
    return World(from_dict(raw, list(overrides))).run()


def batches(table) -> list[int]:
    """The records that set off liquidations (marks), in order."""
    liq = np.flatnonzero(table.kind == "liquidation")
    return list(dict.fromkeys(table.cause[liq].tolist()))


def index_step(table, mark: int) -> float:
    """How far the index publication behind ``mark`` rose above the previous one, as a fraction."""
    rid = int(table.cause[mark])
    earlier = np.flatnonzero((table.kind == "index") & (table.node == table.node[rid]) & (table.id < rid))
    return float(table.price[rid] / table.price[earlier[-1]] - 1) if len(earlier) else 0.0


def visible_steps(table, rise: float) -> list[int]:
    """The batches whose index publication rose at least ``rise`` over the previous one."""
    return [m for m in batches(table) if index_step(table, m) >= rise]


def check_contributors(table) -> None:
    """Every aggregate record has contributors: earlier records, positive shares summing to 1,
    its cause among them; no other record has any."""
    rows = defaultdict(list)
    c = table.contributors
    for r, k, s in zip(c.record.tolist(), c.contributor.tolist(), c.share.tolist(), strict=True):
        rows[r].append((k, s))
    aggregates = np.flatnonzero(np.isin(table.kind, AGGREGATES)).tolist()
    assert sorted(rows) == aggregates
    for rid in aggregates:
        assert sum(s for _, s in rows[rid]) == pytest.approx(1.0, abs=1e-12), rid
        assert all(0 <= k < rid and s > 0 for k, s in rows[rid]), rid
        assert table.cause[rid] in {k for k, _ in rows[rid]}, rid


# ----------------------------------------------------------------------------- forced flow on a hand-built trace


def test_forced_flow_follows_order_flow_hops_into_its_channels():
    """A squeeze: one short's liquidation closes part on the book, part by ADL, and the fund takes
    over the rest and unwinds it; the market maker hedges its fill; a profit-taker reacts."""
    tr = Trace()
    tr.record(0.0, Kind.IGNITE, "whale", side=1, notional=100.0)  # 0
    tr.record(1.0, Kind.LIQUIDATION, "perp", -1, "shorts", -1, 10.0, 100.0, 1000.0)  # 1
    tr.record(1.0, Kind.TRADE, "perp", 1, "shorts", 1, 10.1, 30.0, 303.0)  # 2: the close on the book
    tr.record(1.0, Kind.FILL, "perp", 2, "mm", -1, 10.1, 30.0, 303.0)  # 3
    tr.record(1.0, Kind.ADL, "perp", 1, "longs", 1, 10.0, 20.0, 200.0)  # 4: the counterparty's side
    tr.record(1.0, Kind.TAKEOVER, "perp", 1, "perp:insurance", -1, 10.0, 50.0, 500.0)  # 5: the short taken over
    tr.record(1.1, Kind.HEDGE, "mm", 3, "mm", 1, qty=30.0)  # 6
    tr.record(1.2, Kind.ORDER, "spot", 6, "mm", 1, qty=30.0)  # 7
    tr.record(1.2, Kind.TRADE, "spot", 7, "mm", 1, 10.2, 30.0, 306.0)  # 8
    tr.record(1.3, Kind.ORDER, "spot", 7, "takers", -1, qty=5.0)  # 9: a reaction to the price 7 set
    tr.record(1.3, Kind.TRADE, "spot", 9, "takers", -1, 10.1, 5.0, 50.5)  # 10
    tr.record(2.0, Kind.UNWIND, "fund", 5, "perp:insurance", 1, 10.3, 50.0, 515.0)  # 11: the fund's unwind
    tr.record(2.005, Kind.ORDER, "perp", 11, "perp:insurance", 1, qty=50.0)  # 12: its order, over its link
    tr.record(2.005, Kind.TRADE, "perp", 12, "perp:insurance", 1, 10.3, 50.0, 515.0)  # 13
    table = tr.table()
    c = cascade(table)
    assert np.flatnonzero(c.forced).tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13]
    hedges, unwinds = ["spot_hedges"] * 3, ["unwinds"] * 3
    assert c.channel.tolist() == ["", *["perp_book"] * 3, "off_book", "unwinds", *hedges, "", "", *unwinds]
    assert channels(table, channel_masks(table, c)) == Channels(
        perp_book=303.0, off_book=700.0, spot_hedges=306.0, unwinds=515.0
    )
    assert c.wave.tolist() == [0] + [1] * 13


# ----------------------------------------------------------------------------- the properties the issue asks for


def test_one_wave_per_visible_step_when_hedges_miss_the_next_index_publication():
    """A one-slice whale, hedges 1.2 s after their fills: each step's hedges reach the index
    two publications later, so the index steps every 2 s, and each step is a wave."""
    t = small_run(["link.hedge.latency=1.2s"], whale_slices=1).trace
    waves = analysis.waves(t)
    steps = visible_steps(t, rise=WAVE_STEP)
    assert len(waves) >= 4
    assert [w.start_s for w in waves] == pytest.approx([float(t.t[m]) for m in steps])
    assert np.diff([w.start_s for w in waves]) == pytest.approx(2.0)  # every other publication
    assert len(batches(t)) > len(waves)  # the smaller moves in between stay in their wave
    assert [w.forced_share for w in waves] == pytest.approx([0.0] + [1.0] * (len(waves) - 1))


def test_the_same_steps_give_the_same_waves_whatever_the_seed():
    """Hedge latencies drawn from 1.1-1.8 s: every seed lands its hedges at other times within
    the same index interval, so the price path has the same steps, and the waves agree."""
    counts, hedges = set(), set()
    for seed in (1, 2, 3):
        t = small_run(
            [f"experiment.seed={seed}", 'link.hedge.latency={model="uniform", low="1.1s", high="1.8s"}'], 1
        ).trace
        counts.add((len(analysis.waves(t)), len(visible_steps(t, rise=WAVE_STEP))))
        hedges.add(tuple(t.t[(t.kind == "order") & (t.account == "mm")].round(6).tolist()))
    assert len(hedges) == 3  # the seed moved the hedges
    ((waves, steps),) = counts
    assert waves == steps >= 4


def test_a_wave_starts_only_on_a_rise_of_at_least_the_wave_step():
    t = small_run(["link.hedge.latency=1.2s"], whale_slices=1).trace
    rises = sorted(index_step(t, m) for m in batches(t)[1:])
    assert len(analysis.waves(t, step=0.0)) >= len(analysis.waves(t)) > 1
    assert len(analysis.waves(t, step=rises[-1] + 1e-6)) == 1  # above every rise: the ignition's wave only
    between = (rises[-2] + rises[-1]) / 2  # only the largest rise can start a wave
    assert len(analysis.waves(t, step=between)) == 2


def test_one_wave_when_the_market_maker_does_not_hedge():
    run = api.run(api.load("rocket", seed=3, overrides=["market_maker.mm.hedge_ratio=0"]))
    t = run.trace
    assert len(batches(t)) >= 3 and (t.kind == "hedge").sum() == 0
    assert run.summary["waves"] == len(analysis.waves(t)) == 1
    assert run.summary["forced_flow"]["spot_hedges"] == 0


def test_the_two_spot_rocket_reports_its_steps_as_waves():
    """Index 0.7/0.3 over two venues, hedges after 400 ms, a $400k whale: every large step of
    the index starts a wave, driven by the hedges of the wave before. (Under Binance's rules the
    squeeze grinds: two steps of 3% or more, then many small ones.)"""
    t = api.run(api.load(str(TWO_SPOT))).trace
    c = cascade(t)
    waves = analysis.waves(t)
    liq = np.flatnonzero(t.kind == "liquidation")
    first_of = {int(t.cause[i]): int(c.wave[i]) for i in liq[::-1]}
    steps = visible_steps(t, rise=0.03)
    assert len(steps) >= 2 and len(waves) >= len(steps)
    assert len({first_of[m] for m in steps}) == len(steps)  # each in a wave of its own
    assert all(w.forced_share >= 0.5 for w in waves[1:])
    hedges = (t.kind == "order") & (t.account == "mm")
    assert set(t.node[hedges]) == {"spot", "spot2"}


def test_every_index_publication_has_contributors_summing_to_one():
    for run in (api.run(api.load(str(TWO_SPOT))), api.run(api.load("contagion"))):
        check_contributors(run.trace)


def test_contributors_go_through_the_run_folder(tmp_path):
    run = small_run()
    folder = open_run(write_run(run, tmp_path / "small"))
    for column in ("record", "contributor", "share"):
        assert getattr(folder.trace.contributors, column).tolist() == getattr(run.trace.contributors, column).tolist()
    assert folder.summary["waves"] == len(analysis.waves(folder.trace)) == run.summary["waves"]
    again = write_run(small_run(), tmp_path / "again")
    assert (again / "contributors.csv").read_bytes() == (tmp_path / "small" / "contributors.csv").read_bytes()


# ----------------------------------------------------------------------------- random small worlds


def parents(table, rows: dict[int, list[int]], rid: int) -> list[int]:
    return rows.get(rid) or ([int(table.cause[rid])] if table.cause[rid] >= 0 else [])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hedge_ms=st.integers(0, 50).map(lambda k: 50 * k),
    interval=st.sampled_from(["500ms", "1s", "2s"]),
    whale=st.integers(150, 320).map(lambda k: 1_000 * k),
    hedge_ratio=st.sampled_from([0.0, 0.5, 1.0]),
    slices=st.sampled_from([1, 5]),
    seed=st.integers(0, 1_000),
)
def test_waves_are_ordered_in_time_and_each_descends_from_forced_flow_of_the_wave_before(
    hedge_ms, interval, whale, hedge_ratio, slices, seed
):
    overrides = [
        f"link.hedge.latency={hedge_ms}ms",
        f"index.index.interval={interval}",
        f"igniter.whale.notional={whale}",
        f"market_maker.mm.hedge_ratio={hedge_ratio}",
        f"experiment.seed={seed}",
    ]
    t = small_run(overrides, slices).trace
    check_contributors(t)
    c = cascade(t)
    waves = analysis.waves(t)
    liq = np.flatnonzero(t.kind == "liquidation")
    assert [w.wave for w in waves] == list(range(1, len(waves) + 1))
    assert np.all(np.diff(c.wave[liq]) >= 0) and np.all(np.diff(t.t[liq]) >= 0)  # ordered in time
    assert all(a.end_s <= b.start_s for a, b in zip(waves, waves[1:], strict=False))
    rows = defaultdict(list)
    for r, k in zip(t.contributors.record.tolist(), t.contributors.contributor.tolist(), strict=True):
        rows[r].append(k)
    for w in waves[1:]:
        seen, todo, found = set(), [w.first_id], False
        while todo and not found:  # the first liquidation's ancestors, over every contributor
            rid = todo.pop()
            for p in parents(t, rows, rid):
                found |= bool(c.forced[p]) and c.wave[p] == w.wave - 1 and t.kind[p] not in FORCED_ROOTS
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        assert found, (w.wave, overrides)
