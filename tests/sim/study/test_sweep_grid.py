"""Grid axes: units, ranges, lists, crossing and zipping, and seeds that depend only on the point."""

from __future__ import annotations

import pytest

from sim.core.errors import ConfigError
from sim.study.grid import DURATION, FRACTION, Point, parse_axis, points, unit_of
from sim.study.sweep import run_seed


def test_a_duration_range_with_units_includes_both_ends_exactly():
    axis = parse_axis("link.hedge.latency=0ms:500ms:25ms")
    assert axis.unit == DURATION
    assert len(axis.values) == 21
    assert axis.values[:3] == (0.0, 0.025, 0.05)
    assert axis.values[-1] == 0.5
    assert 0.3 in axis.values  # no 0.30000000000000004


def test_a_range_stops_at_the_last_step_below_hi():
    assert parse_axis("link.hedge.latency=0s:1s:300ms").values == (0.0, 0.3, 0.6, 0.9)


def test_lists_take_each_fields_unit():
    assert parse_axis("perp.perp.mmr=1%,50bp,0.02").values == (0.01, 0.005, 0.02)
    assert parse_axis("index.index.interval=250ms,1s,2").values == (0.25, 1.0, 2.0)
    assert parse_axis("link.hedge.latency.median=40ms").values == (0.04,)


def test_fields_without_unit_read_toml_values():
    assert parse_axis("perp.perp.populations.shorts.count=100:1000:300").values == (100, 400, 700, 1000)
    assert parse_axis("perp.perp.mark=binance,hyperliquid").values == ("binance", "hyperliquid")
    assert parse_axis("market_maker.mm.hedge_ratio=0.5,1").values == (0.5, 1)


def test_units_come_from_the_schema():
    assert unit_of("link.hedge.latency") == DURATION
    assert unit_of("perp.perp.liquidation_fee") == FRACTION
    assert unit_of("profit_taker.takers.ramp") == DURATION
    assert unit_of("experiment.seed") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("link.hedge.latency=5 parsecs", "link.hedge.latency: expected a duration"),
        ("link.hedge.latency=0s:1s:0s", "link.hedge.latency: the step of '0s:1s:0s' must be > 0"),
        ("link.hedge.latency=2s:1s:1s", "link.hedge.latency: the range '2s:1s:1s' ends below its start"),
        ("link.hedge.latency=0s:1s", "link.hedge.latency: a range must look like lo:hi:step"),
        ("perp.perp.mmr=1%,1%", "perp.perp.mmr: repeated values"),
        ("no-equals-sign", "a grid axis must look like"),
        ("link.hedge.latncy=0ms:1s:100ms", "link.hedge.latncy: unknown key (did you mean 'latency'?)"),
        ("perp.perp.mmrr=1%,2%", "perp.perp.mmrr: unknown key (did you mean 'mmr'?)"),
    ],
)
def test_bad_axes_name_the_key(text, message):
    with pytest.raises(ConfigError) as exc:
        parse_axis(text)
    assert message in str(exc.value)


def test_the_grid_is_the_cartesian_product_and_zip_pairs_lists():
    a = parse_axis("link.hedge.latency=0s,1s,2s")
    b = parse_axis("perp.perp.mmr=1%,2%,3%")
    crossed = points([a, b])
    assert len(crossed) == 9
    assert crossed[1].values == {"link.hedge.latency": 0.0, "perp.perp.mmr": 0.02}
    zipped = points([a, b], zipped=True)
    assert [p.values["perp.perp.mmr"] for p in zipped] == [0.01, 0.02, 0.03]
    assert [p.values["link.hedge.latency"] for p in zipped] == [0.0, 1.0, 2.0]


def test_zip_needs_equal_lengths():
    with pytest.raises(ConfigError, match="zipped axes need the same number of values"):
        points([parse_axis("link.hedge.latency=0s,1s"), parse_axis("perp.perp.mmr=1%")], zipped=True)


def test_a_runs_seed_depends_on_the_sweep_seed_point_and_replicate_only():
    one = points([parse_axis("link.hedge.latency=0s,1s"), parse_axis("perp.perp.mmr=1%,2%")])[3]
    other = points([parse_axis("perp.perp.mmr=2%"), parse_axis("link.hedge.latency=500ms,1s")])[1]
    assert one.values == other.values and one.index != other.index
    assert run_seed(7, one, 0) == run_seed(7, other, 0)
    assert len({run_seed(7, one, r) for r in range(5)}) == 5
    assert run_seed(7, one, 0) != run_seed(8, one, 0)
    assert run_seed(7, one, 0) != run_seed(7, Point(3, {"link.hedge.latency": 0.0, "perp.perp.mmr": 0.02}), 0)
