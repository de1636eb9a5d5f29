"""Cascade analysis: cause tree, waves, per-link delays and critical paths equal known answers."""

from __future__ import annotations

import numpy as np
import pytest
from cascade_world import handmade_trace, write_small_run

from sim.analysis import causes as analysis
from sim.analysis.metrics import summarize
from sim.analysis.runfolder import open_run
from sim.analysis.waves import Channels
from tests.worlds import LATENCY, LINKS


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small world's run folder, read back."""
    return open_run(write_small_run(tmp_path_factory.mktemp("analysis") / "small"))


# ----------------------------------------------------------------------------- hand-built trace


def test_cause_tree_has_an_edge_per_cause_and_the_hop_delays():
    table = handmade_trace()
    tree = analysis.cause_tree(table)
    assert tree.number_of_nodes() == 16
    assert set(tree.edges) == {(int(table.cause[i]), i) for i in range(16) if table.cause[i] >= 0}
    assert [n for n in tree if tree.in_degree(n) == 0] == [0, 15]
    assert tree.edges[8, 9]["delay"] == pytest.approx(0.150)
    assert tree.nodes[14] == {"t": 2.030, "kind": "liquidation", "node": "perp", "wave": 2}


def test_generations_count_liquidations_on_the_chain():
    assert analysis.generations(handmade_trace()).tolist() == [0] * 5 + [1] * 8 + [2, 2, 0]


def test_waves_with_their_forced_buying_and_amplification():
    first, second = analysis.waves(handmade_trace())
    assert (first.wave, first.count, first.first_id, first.last_id) == (1, 1, 5, 5)
    assert (first.start_s, first.end_s, first.notional, first.max_mark) == (1.03, 1.03, 1050.0, 10.5)
    # the liquidation's perp buy and the hedge's spot buy
    assert first.forced == Channels(perp_book=1060.0, spot_hedges=1100.0)
    assert (first.amplification, first.forced_share, first.batches) == (pytest.approx(21.6), 0.0, 1)
    assert (second.wave, second.count, second.first_id, second.last_id, second.notional) == (2, 2, 13, 14, 1100.0)
    # its move (index 11, no contributors: its cause, the hedge order) is wave 1's forced flow
    assert (second.forced, second.amplification, second.forced_share) == (Channels(), 0.0, 1.0)


def test_edge_delays_and_carried_notional_per_link_in_order_of_first_hop():
    stats = analysis.edge_delays(handmade_trace())
    assert [(e.src, e.dst, e.count) for e in stats] == [
        ("whale", "spot", 1),
        ("spot", "index", 2),
        ("index", "perp", 2),
        ("perp", "mm", 1),
        ("mm", "spot", 1),
    ]
    by_link = {(e.src, e.dst): e for e in stats}
    index = by_link["spot", "index"]
    assert (index.mean, index.p50) == pytest.approx((0.8965, 0.8965))
    assert index.p99 == pytest.approx(0.813 + 0.99 * (0.98 - 0.813))
    for link, delay in [
        (("whale", "spot"), 0.020),
        (("index", "perp"), 0.030),
        (("perp", "mm"), 0.007),
        (("mm", "spot"), 0.150),
    ]:
        e = by_link[link]
        assert (e.mean, e.p50, e.p99) == pytest.approx((delay, delay, delay))
    # the ignition order; the hedge: its quantity at the fill's price; the hedge order: at its trade's price
    assert [e.notional for e in stats] == pytest.approx([100.0, 0.0, 0.0, 1060.0, 1100.0])


def test_critical_path_walks_from_the_ignition_with_hop_delays():
    hops = analysis.critical_path(handmade_trace(), 14)
    assert [h.id for h in hops] == [0, 1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14]
    assert [h.node for h in hops] == [
        "whale",
        "spot",
        "index",
        "perp",
        "perp",
        "perp",
        "perp",
        "mm",
        "spot",
        "index",
        "perp",
        "perp",
    ]
    assert hops[0].delay is None
    assert [h.delay for h in hops[1:]] == pytest.approx([0.02, 0.98, 0.03, 0, 0, 0, 0.007, 0.15, 0.813, 0.03, 0])


def test_chain_rejects_an_unknown_record():
    with pytest.raises(IndexError, match="no record 16"):
        analysis.chain(handmade_trace(), 16)


# ----------------------------------------------------------------------------- a small world's run folder


def test_hop_delays_over_constant_links_equal_their_latencies(small):
    stats = {(e.src, e.dst): e for e in analysis.edge_delays(small.trace)}
    for lid in ("whale", "index-perp", "perp-mm", "hedge"):
        src, dst, _ = LINKS[lid]
        e = stats[src, dst]
        assert e.count > 0
        assert (e.mean, e.p50, e.p99) == pytest.approx((LATENCY[lid],) * 3, abs=1e-9), lid
    # the index publishes on its clock: at least the market-data latency after the source order
    assert stats["spot", "index"].p50 >= LATENCY["spot-index"] - 1e-9
    assert stats["whale", "spot"].notional == pytest.approx(200_000)


def test_critical_path_of_the_last_liquidation_crosses_the_expected_nodes(small):
    table = small.trace
    last = int(np.flatnonzero(table.kind == "liquidation")[-1])
    hops = analysis.critical_path(table, last)
    nodes = [h.node for i, h in enumerate(hops) if i == 0 or h.node != hops[i - 1].node]
    wave = int(analysis.generations(table)[last])
    assert wave == small.summary["waves"] >= 2
    loops = (len(nodes) - 4) // 4  # liquidation -> hedge -> spot -> index -> mark: at least one a wave
    assert nodes == ["whale", "spot", "index", "perp"] + ["mm", "spot", "index", "perp"] * loops
    assert loops >= wave - 1
    assert hops[0].kind == "ignite" and hops[-1].kind == "liquidation"
    cross = [h.delay for i, h in enumerate(hops[1:], 1) if (hops[i - 1].node, h.node) == ("mm", "spot")]
    assert cross == pytest.approx([LATENCY["hedge"]] * loops)


def test_waves_agree_with_the_summary(small):
    waves = analysis.waves(small.trace)
    summary = summarize(small.trace, small.nodes)
    assert len(waves) == summary["waves"] == small.summary["waves"]
    assert sum(w.count for w in waves) == summary["liquidations"]
    assert sum(w.amplification for w in waves) == pytest.approx(summary["amplification"])
    assert sum(w.forced.spot_hedges for w in waves) == pytest.approx(summary["forced_flow"]["spot_hedges"])
