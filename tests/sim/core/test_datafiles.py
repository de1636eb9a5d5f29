"""CSV inputs: liquidation maps and depth profiles are read exactly, bad files fail with one
exact line, paths resolve from the experiment file, and a CSV-driven run is byte-identical
to the synthetic config its CSVs were written from."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.core.config import read_toml
from sim.core.datafiles import liquidation_levels, profile_ladders
from sim.core.errors import ConfigError
from sim.core.tomlwrite import dumps
from sim.core.trace import write_csv
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.market.depth import ladder
from sim.market.sides import BUY, SELL
from tests.worlds import small_raw

REPO = Path(__file__).resolve().parents[3]


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


# ----------------------------------------------------------------------------- liquidation maps


def test_a_map_gives_one_side_sorted_by_price(tmp_path):
    text = "# a heat map\n\nnotional,price,side\n2000,11.5,short\n1000,9.0,long\n3000,12.0,short\n500,11.0,short\n"
    path = write(tmp_path / "map.csv", text)
    prices, notionals = liquidation_levels(path, "k", "short")
    assert prices.tolist() == [11.0, 11.5, 12.0]
    assert notionals.tolist() == [500.0, 2000.0, 3000.0]
    assert liquidation_levels(path, "k", "long")[0].tolist() == [9.0]


def test_the_shipped_map_has_both_sides():
    path = "runs/data/crash_liquidations.csv"
    longs, shorts = liquidation_levels(path, "k", "long"), liquidation_levels(path, "k", "short")
    assert len(longs[0]) == 19 and longs[0].max() < 20.0 < shorts[0].min()


BAD_MAPS = [
    ("", "k: {f}: empty file (expected a header: price,side,notional)"),
    ("# only a comment\n", "k: {f}: empty file (expected a header: price,side,notional)"),
    ("price,side,notionl\n", "k: {f}, line 1: unknown column 'notionl' (expected price, side, notional)"),
    ("price,side\n", "k: {f}, line 1: missing column 'notional'"),
    ("price,side,notional\n10,long\n", "k: {f}, line 2: expected 3 values, got 2"),
    ("price,side,notional\n10,long,1000\nten,long,1000\n", "k: {f}, line 3: price must be a number, got 'ten'"),
    ("price,side,notional\n10,long,nan\n", "k: {f}, line 2: notional must be a number, got 'nan'"),
    ("price,side,notional\n10,long,-5\n", "k: {f}, line 2: notional must be > 0, got -5"),
    ("price,side,notional\n0,long,5\n", "k: {f}, line 2: price must be > 0, got 0"),
    ("price,side,notional\n\n10,Long,5\n", "k: {f}, line 3: side must be 'long' or 'short', got 'Long'"),
    ("price,side,notional\n10,short,5\n", "k: {f}: no 'long' rows"),
]


@pytest.mark.parametrize(("text", "message"), BAD_MAPS)
def test_a_bad_map_fails_with_one_exact_line(tmp_path, text, message):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(ConfigError) as err:
        liquidation_levels(path, "k", "long")
    assert str(err.value) == message.format(f=path)


def test_a_missing_file_is_named():
    with pytest.raises(ConfigError) as err:
        liquidation_levels("runs/data/nope.csv", "perp.p.populations.x.map", "long")
    assert str(err.value) == "perp.p.populations.x.map: runs/data/nope.csv: no such file"


# ----------------------------------------------------------------------------- depth profiles


def test_a_profile_becomes_levels_on_the_tick_grid(tmp_path):
    path = write(tmp_path / "depth.csv", "distance,bid,ask\n0.001,5,7\n0.0125,0,3\n0.5,2,0\n")
    ladders = profile_ladders(path, "k", 20.0, 0.01)
    assert ladders.asks == [(20.02, 7.0), (20.25, 3.0)]  # 20 × 1.0125 = 20.25, on the grid
    assert ladders.bids == [(19.98, 5.0), (10.0, 2.0)]  # best first; a 0 size is no level


BAD_PROFILES = [
    ("distance,bid\n", "k: {f}, line 1: missing column 'ask'"),
    ("distance,bid,ask\n0.01,5,-1\n", "k: {f}, line 2: ask must be >= 0, got -1"),
    ("distance,bid,ask\n0,5,1\n", "k: {f}, line 2: distance must be > 0, got 0"),
    ("distance,bid,ask\n1.5,5,1\n", "k: {f}, line 2: distance must be < 1 (a fraction of mid), got 1.5"),
    ("distance,bid,ask\n0.02,5,1\n0.01,5,1\n", "k: {f}, line 3: distances must increase, got 0.01 after 0.02"),
    ("distance,bid,ask\n0.0001,5,1\n", "k: {f}, line 2: distance 0.0001 rounds to mid's tick (tick 0.01)"),
    ("distance,bid,ask\n0.01,0,0\n", "k: {f}: no liquidity (every bid and ask size is 0)"),
]


@pytest.mark.parametrize(("text", "message"), BAD_PROFILES)
def test_a_bad_profile_fails_with_one_exact_line(tmp_path, text, message):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(ConfigError) as err:
        profile_ladders(path, "k", 20.0, 0.01)
    assert str(err.value) == message.format(f=path)


# ----------------------------------------------------------------------------- in configs


def test_a_population_takes_a_map_or_a_size_not_both(tmp_path):
    raw = small_raw()
    pop = raw["perp"]["perp"]["populations"]["shorts"]
    pop["map"] = write(tmp_path / "map.csv", "price,side,notional\n11,short,1000\n")
    with pytest.raises(ConfigError) as err:
        from_dict(raw)
    assert str(err.value) == "perp.perp.populations.shorts.notional: not with map (the map gives sizes and prices)"
    del pop["notional"], pop["liq_price"]
    from_dict(raw)


def test_a_book_takes_a_profile_or_asks_and_bids_not_both(tmp_path):
    raw = small_raw()
    raw["spot"]["spot"]["book"]["profile"] = write(tmp_path / "d.csv", "distance,bid,ask\n0.01,5,5\n")
    with pytest.raises(ConfigError) as err:
        from_dict(raw)
    assert str(err.value) == "spot.spot.book.profile: give either profile or asks/bids"


def test_a_bad_file_in_an_experiment_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "map.csv", "price,side,notional\n11,short,1000\n12,short,zero\n")
    raw = small_raw()
    pop = raw["perp"]["perp"]["populations"]["shorts"]
    del pop["notional"], pop["liq_price"]
    pop["map"] = "data/map.csv"
    write(tmp_path / "exp.toml", dumps(raw))
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "exp.toml"), "--out", str(out), "--no-plots"]) == 2
    assert capsys.readouterr().err == (
        f"perpsim: error: perp.perp.populations.shorts.map: {tmp_path / 'data' / 'map.csv'}, line 3: "
        "notional must be a number, got 'zero'\n"
    )
    assert not out.exists()


def test_paths_are_read_relative_to_the_experiment_file(tmp_path):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "d.csv", "distance,bid,ask\n0.01,5,5\n")
    write(tmp_path / "exp.toml", '[spot.s.book]\nmid = 10.0\nprofile = "data/d.csv"\n')
    assert read_toml(tmp_path / "exp.toml")["spot"]["s"]["book"]["profile"] == str(tmp_path / "data" / "d.csv")


def test_paths_inside_the_repository_are_kept_relative_to_it():
    raw = read_toml(REPO / "runs" / "crash.toml")
    assert raw["spot"]["spot"]["book"]["profile"] == "runs/data/crash_depth.csv"


# ----------------------------------------------------------------------------- a CSV run = its synthetic twin


def csv_twin(raw: dict, folder: Path) -> dict:
    """``raw`` with its population and book replaced by CSV files holding the same levels."""
    twin = copy.deepcopy(raw)
    pop = twin["perp"]["perp"]["populations"]["shorts"]
    n, total, dist = pop["count"], pop.pop("notional"), pop.pop("liq_price")
    rows = "".join(f"{p!r},short,{total / n!r}\n" for p in np.linspace(dist["low"], dist["high"], n).tolist())
    pop.update(map=write(folder / "map.csv", f"price,side,notional\n{rows}"), count=1)
    cfg = from_dict(raw).spot["spot"]
    book = twin["spot"]["spot"]["book"]
    del book["asks"], book["bids"]
    sides = {side: ladder(d, cfg.book.mid, cfg.tick, side) for side, d in ((SELL, cfg.book.asks), (BUY, cfg.book.bids))}
    assert len(sides[SELL]) == len(sides[BUY])  # one row per distance on both sides
    rows = "".join(
        f"{abs(a - cfg.book.mid) / cfg.book.mid!r},{bq!r},{aq!r}\n"
        for (a, aq), (_, bq) in zip(sides[SELL], sides[BUY], strict=True)
    )
    book["profile"] = write(folder / "depth.csv", f"distance,bid,ask\n{rows}")
    return twin


def test_a_csv_driven_run_is_byte_identical_to_its_synthetic_config(tmp_path):
    raw = small_raw()
    book = raw["spot"]["spot"]["book"]
    book["bids"] = {**book["asks"], "notional": 120_000}  # same distances on both sides
    synthetic = World(from_dict(raw)).run()
    from_csv = World(from_dict(csv_twin(raw, tmp_path))).run()
    assert synthetic.summary["liquidations"] > 0
    write_csv(synthetic.trace, tmp_path / "a.csv")
    write_csv(from_csv.trace, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
