"""Scenario tests on a small world: timings equal sums of latencies, waves, money, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.causes import generations, waves
from sim.core.trace import write_csv
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.market.assets import QUOTE
from tests.worlds import LATENCY


def run_world(raw: dict, overrides: list[str] = ()):
    world = World(from_dict(raw, list(overrides)))
    return world, world.run()


def causes_of(table, kind: str, cause_kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Ids of ``kind`` records whose cause is a ``cause_kind`` record, and those causes."""
    rec = np.flatnonzero(table.kind == kind)
    rec = rec[table.cause[rec] >= 0]
    rec = rec[table.kind[table.cause[rec]] == cause_kind]
    return rec, table.cause[rec]


def test_the_small_world_cascades(small_raw):
    _, result = run_world(small_raw)
    s = result.summary
    assert s["liquidations"] >= 30
    assert s["waves"] >= 2
    assert s["peak_price"]["spot"] > 11.0


def test_hedge_orders_arrive_after_fill_plus_fill_and_hedge_link_latency(small_raw):
    _, result = run_world(small_raw)
    t = result.trace
    hedges, fills = causes_of(t, "hedge", "fill")
    assert len(hedges) > 10
    np.testing.assert_allclose(t.t[hedges] - t.t[fills], LATENCY["perp-mm"], atol=1e-9)
    orders, hedge_ids = causes_of(t, "order", "hedge")
    assert len(orders) == len(hedges)
    assert (t.node[orders] == "spot").all()
    np.testing.assert_allclose(t.t[orders] - t.t[hedge_ids], LATENCY["hedge"], atol=1e-9)


def test_mark_updates_arrive_index_link_latency_after_the_index(small_raw):
    _, result = run_world(small_raw)
    t = result.trace
    marks, indexes = causes_of(t, "mark", "index")
    assert len(marks) == len(np.flatnonzero(t.kind == "mark")) > 50
    np.testing.assert_allclose(t.t[marks] - t.t[indexes], LATENCY["index-perp"], atol=1e-9)
    # the index publishes on its 1 s clock
    np.testing.assert_allclose(t.t[indexes] % 1.0 - np.round(t.t[indexes] % 1.0), 0.0, atol=1e-9)


def test_ignition_orders_reach_spot_after_the_order_link_latency(small_raw):
    _, result = run_world(small_raw)
    t = result.trace
    orders, ignites = causes_of(t, "order", "ignite")
    assert len(orders) == 5
    np.testing.assert_allclose(t.t[orders] - t.t[ignites], LATENCY["whale"], atol=1e-9)
    np.testing.assert_allclose(t.t[ignites], [5.0, 6.0, 7.0, 8.0, 9.0], atol=1e-9)


def test_liquidations_happen_at_the_mark_update_that_crossed_them(small_raw):
    _, result = run_world(small_raw)
    t = result.trace
    liqs, marks = causes_of(t, "liquidation", "mark")
    assert len(liqs) == (t.kind == "liquidation").sum()
    np.testing.assert_allclose(t.t[liqs], t.t[marks], atol=0)
    # a short is liquidated only when the mark reached its liquidation price
    assert (t.price[liqs] == t.price[marks]).all()


def test_waves_are_in_order_and_each_wave_descends_from_the_previous(small_raw):
    _, result = run_world(small_raw)
    t = result.trace
    rows = waves(t)
    assert [w.wave for w in rows] == list(range(1, len(rows) + 1))
    starts = [w.start_s for w in rows]
    assert starts == sorted(starts)
    gen = generations(t)
    for w in rows[1:]:
        rid = w.first_id
        chain = []
        r = int(t.cause[rid])
        while r >= 0:
            chain.append(t.kind[r])
            r = int(t.cause[r])
        # liquidation <- mark <- index <- order(spot) <- hedge <- fill <- trade(perp) <- liquidation
        assert chain[:7] == ["mark", "index", "order", "hedge", "fill", "trade", "liquidation"]
        assert gen[rid] == w.wave and gen[t.cause[t.cause[rid]]] == w.wave - 1


def test_the_perp_books_balance_and_only_the_bad_debt_goes_negative(small_raw):
    world, result = run_world(small_raw)
    perp = world.by_section["perp"]["perp"]
    pos = perp.positions
    # the venue's margin account holds exactly the margins of its position records
    assert result.ledger.balance(perp.margin_account, QUOTE) == pytest.approx(float(pos.margin.sum()), rel=1e-9)
    # the settlement account holds the open positions' total unrealised PnL (mark-independent)
    open_ = pos.qty > 0
    expected = -float((pos.side[open_] * pos.qty[open_] * pos.entry[open_]).sum())
    assert result.ledger.balance(perp.settlement, QUOTE) == pytest.approx(expected, abs=1e-6 * 2e6)
    # no negative balance except the recorded bad debt
    bad_debt = result.ledger.balance(perp.bad_debt_account, QUOTE)
    assert -bad_debt == pytest.approx(result.summary["bad_debt"], abs=1e-6)
    quote, asset = result.ledger.balances
    for name, cash, tokens in zip(result.ledger.names, quote, asset, strict=True):
        if name != "perp:bad_debt":
            assert min(cash, tokens) >= -1e-6, name


def test_same_seed_gives_a_byte_identical_trace(small_raw, tmp_path):
    small_raw["noise"] = {"retail": {"venue": "spot", "rate": 2.0, "notional": 500}}
    small_raw["link"]["retail"] = {
        "src": "retail",
        "dst": "spot",
        "kind": "order",
        "latency": {"model": "uniform", "low": "10ms", "high": "90ms"},
    }
    paths = []
    for i, seed in enumerate((5, 5, 6)):
        _, result = run_world(small_raw, [f"experiment.seed={seed}"])
        paths.append(tmp_path / f"events{i}.csv")
        write_csv(result.trace, paths[-1])
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_a_finite_throughput_queues_a_burst(small_raw):
    small_raw["perp"]["perp"]["throughput"] = 20.0  # 50 ms per job
    world, result = run_world(small_raw)
    engine = result.summary["engine"]["perp"]
    assert engine["max_queue"] > 5
    assert engine["max_wait_s"] >= 0.05 * (engine["max_queue"] - 1) - 1e-9  # the queue includes the job in service
    t = result.trace
    trades, liqs = causes_of(t, "trade", "liquidation")
    assert (t.t[trades] - t.t[liqs] >= 0.05 - 1e-9).all()
