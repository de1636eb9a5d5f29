"""runs/crash.toml: a long-side crash with a saturated liquidation engine, an insurance fund
that runs out, auto-deleveraging of profitable shorts under both ranking formulas, and a
wrapped token's perp whose index reads only its own thin book."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from processes.perp_venue import PerpVenue
from sim.core.datafiles import profile_ladders
from sim.engine.world import World
from sim.market.sides import BUY, SELL
from sim.study.arms import arm_configs
from sim.study.experiments import raw_experiment


@pytest.fixture(scope="module")
def arms():
    """Each arm's world after its run, with every ADL close checked as it happens."""
    closed: list[tuple[str, float]] = []  # (venue, upnl at the mark) of every position ADL closed
    original = PerpVenue._auto_deleverage

    def spy(venue: PerpVenue, pid: int, qty: float, price: float, cause: int) -> float:
        book = venue.positions
        before, sides = book.qty.copy(), book.side.copy()
        side = -int(book.side[pid])
        upnl = side * before * (venue.mark - book.entry)
        notional = original(venue, pid, qty, price, cause)
        after = venue.positions.qty
        touched = np.flatnonzero(after[: len(before)] < before - 1e-12)
        closed.extend((venue.name, float(upnl[i])) for i in touched if i != pid)
        assert (sides[touched[touched != pid]] == side).all()  # a closed one is flat now: its side before
        return notional

    worlds = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(PerpVenue, "_auto_deleverage", spy)
        for name, config in arm_configs(raw_experiment("crash")).items():
            world = World(config)
            worlds[name] = (world, world.run())
    return worlds, closed


def test_the_arms_differ_only_in_the_adl_ranking(arms):
    worlds, _ = arms
    perps = {
        name: (world.config.perp["perp"].adl, world.config.perp["perp_w"].adl) for name, (world, _) in worlds.items()
    }
    assert perps == {"binance": ("binance", "binance"), "hyperliquid": ("hyperliquid", "hyperliquid")}


def test_the_csv_files_give_the_opening_book_and_the_positions(arms):
    fresh = World(arm_configs(raw_experiment("crash"))["binance"])
    fresh.by_section["spot"]["spot"].open()
    book, ladders = (
        fresh.by_section["spot"]["spot"].book,
        profile_ladders("runs/data/crash_depth.csv", "k", 20.0, 0.001),
    )
    for side, levels in ((BUY, ladders.bids), (SELL, ladders.asks)):
        assert book.depth_notional(side, 1.0) == pytest.approx(sum(p * q for p, q in levels))
    world, _ = arms[0]["binance"]
    names = world.ledger.names
    owners = Counter(names[o] for o in world.by_section["perp"]["perp"].positions.owner.tolist())
    assert owners["longs"] == 19 * 20 and owners["late_shorts"] == 8 * 10  # the map's levels × count


def test_liquidations_queue_behind_a_saturated_engine(arms):
    s = arms[0]["binance"][1].summary
    engine, perp = s["engine"]["perp"], s["perp_venues"]["perp"]
    assert engine["max_queue"] > 30
    assert engine["max_wait_s"] == pytest.approx(perp["max_liquidation_wait_s"])
    assert engine["max_wait_s"] > 1.0
    assert perp["engine_lag_s"] > 10.0
    assert s["perp_venues"]["perp_w"]["engine_lag_s"] == 0.0  # an engine with no throughput limit


def test_the_fund_runs_out_and_adl_closes_only_profitable_shorts(arms):
    worlds, closed = arms
    for _, result in worlds.values():
        perp = result.summary["perp_venues"]["perp"]
        assert perp["insurance_fund_change"] == pytest.approx(-50_000)
        assert perp["adl_count"] > 0 and perp["adl_notional"] > 0
        adl = result.trace.kind == "adl"
        assert (result.trace.side[adl] == -1).all()  # shorts, the profitable side of a long crash
    assert closed and all(upnl > 0 for _, upnl in closed)


def test_the_two_rankings_deleverage_different_shorts(arms):
    victims = {name: result.summary["perp_venues"]["perp"]["adl_by_account"] for name, (_, result) in arms[0].items()}
    assert list(victims["binance"])[0] == "early_shorts"  # large profits rank first by PnL% x leverage
    assert list(victims["hyperliquid"])[0] == "late_shorts"  # thin equity ranks first by price ratio x leverage
    # the same notional is deleveraged, mostly from the first-ranked population
    assert sum(victims["binance"].values()) == pytest.approx(sum(victims["hyperliquid"].values()))
    assert victims["hyperliquid"]["late_shorts"] > 0.9 * sum(victims["hyperliquid"].values())


def test_no_balance_goes_negative(arms):
    for _, result in arms[0].values():
        quote, asset = result.ledger.balances
        for name, cash, tokens in zip(result.ledger.names, quote, asset, strict=True):
            if name.endswith(":bad_debt") or name.endswith(":settlement"):  # bad debt; open positions' PnL
                continue
            assert cash >= -1e-6 and tokens >= -1e-9, name


def test_the_wrapped_token_depegs_and_takes_its_perp_longs_with_it(arms):
    s = arms[0]["binance"][1].summary
    low = s["min_price"]
    assert low["wrapped"] < 0.7 * low["spot"]
    assert s["perp_venues"]["perp_w"]["liquidations"] == 200  # every longs_w position (liq 9.5-13)


def test_priced_from_the_main_book_the_wrapped_perp_longs_survive():
    raw = raw_experiment("crash")
    raw["index"]["index_w"]["sources"] = {"spot": 1.0}
    raw["link"]["wrapped-index_w"]["src"] = "spot"
    config = arm_configs(raw)["binance"]
    assert World(config).run().summary["perp_venues"]["perp_w"]["liquidations"] == 0
