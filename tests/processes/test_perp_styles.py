"""The three venue styles in running worlds: what each waterfall leaves in the trace."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.core.errors import ConfigError
from sim.core.trace import NO_ID, Kind
from sim.engine.world import World
from sim.study.arms import arm_configs
from sim.study.experiments import raw_experiment


def _crash(*overrides: str):
    return api.run(arm_configs(raw_experiment("crash"), list(overrides))["binance"])


@pytest.fixture(scope="module")
def hyperliquid_crash():
    return _crash(
        "perp.perp.style=hyperliquid", "perp.perp.vault_capital=20000", "perp.perp.insurance_fund=0",
        "index.index.method=median", "perp.perp.liquidation_slippage=2%",
    )  # fmt: skip


def test_a_hyperliquid_crash_goes_book_then_backstop_then_adl(hyperliquid_crash):
    t = hyperliquid_crash.trace
    on = t.node == "perp"
    liq = on & (t.kind == "liquidation")
    book = np.flatnonzero((t.kind == "trade") & (t.cause >= 0))
    book = book[liq[t.cause[book]]]
    backstop, adl = np.flatnonzero(on & (t.kind == "backstop")), np.flatnonzero(on & (t.kind == "adl"))
    assert len(book) and len(backstop) and len(adl)
    assert t.t[book].min() < t.t[backstop].min() < t.t[adl].min()
    assert set(t.account[backstop]) == {"perp:vault"}
    # a backstopped position moves at the venue's mark when its liquidation runs (the engine lags)
    marks = np.flatnonzero(on & (t.kind == "mark"))
    latest = marks[np.searchsorted(marks, backstop) - 1]
    assert np.allclose(t.price[backstop], t.price[latest])


def test_the_vault_unwinds_what_it_took_through_its_links(hyperliquid_crash):
    t = hyperliquid_crash.trace
    orders = np.flatnonzero((t.kind == "order") & (t.account == "perp:vault"))
    assert len(orders)
    unwinds = t.cause[orders]
    assert set(t.kind[unwinds]) == {"unwind"} and set(t.kind[t.cause[unwinds]]) == {"backstop"}
    assert (t.t[orders] > t.t[t.cause[unwinds]]).all()


def test_every_style_runs_the_crash():
    for style in ("binance", "hyperliquid", "dydx"):
        median = ["index.index.method=median"] if style == "hyperliquid" else []
        result = _crash(f"perp.perp.style={style}", "experiment.duration=40s", *median)
        assert result.summary["liquidations"] > 0


def test_before_its_first_index_a_venue_has_no_mark_and_liquidates_nothing():
    world = World(api.load("rocket"))
    world._open()
    perp = world.by_section["perp"]["perp"]
    assert (perp.index, perp.mark, perp.last) == (None, None, None)
    before = len(world.trace)
    perp.check_liquidations(cause=4242)
    assert len(world.trace) == before
    world.env.run(until=2.0)  # the first index publication has arrived
    assert perp.mark is not None and perp.index is not None


def test_a_liquidation_caused_by_funding_names_the_payment():
    world = World(api.load("rocket"))
    world._open()
    perp = world.by_section["perp"]["perp"]
    perp.mark = 11.5  # crosses the shorts liquidating up to $11.5
    before = len(world.trace)
    perp.check_liquidations(cause=4242)
    table = world.trace.table()
    rows = np.arange(before, len(table))
    rows = rows[table.kind[rows] == "liquidation"]
    assert len(rows) > 10
    assert set(table.cause[rows]) == {4242}


def test_a_liquidation_record_names_its_position_and_its_bankruptcy_price_in_their_columns():
    world = World(api.load("rocket"))
    world._open()
    perp = world.by_section["perp"]["perp"]
    positions, names = perp.positions, world.ledger.names
    crossed = {int(pid) for side in (-1, 1) for pid in positions.liquidatable(side, 11.5)}
    owner, bankruptcy = positions.owner.copy(), positions.bankruptcy_price.copy()  # before any is liquidated
    perp.mark = 11.5
    before = len(world.trace)
    perp.check_liquidations(cause=4242)
    table = world.trace.table()
    rows = np.arange(before, len(table))
    rows = rows[table.kind[rows] == Kind.LIQUIDATION]
    pids = table.pid[rows].tolist()
    assert len(pids) > 10 and sorted(pids) == sorted(crossed)  # each crossed position once
    assert table.account[rows].tolist() == [names[int(owner[pid])] for pid in pids]
    assert table.bankruptcy[rows].tolist() == bankruptcy[pids].tolist()
    assert (table.pid[table.kind != Kind.LIQUIDATION] == NO_ID).all()
    assert (table.info[rows] == "").all()


@pytest.mark.parametrize(
    ("override", "key", "words"),
    [
        ("perp.perp.populations.shorts.leverage=25", "perp.perp.populations.shorts.leverage", "maximum 20x"),
        ("perp.perp.populations.shorts.liq_price.low=9", "perp.perp.populations.shorts.liq_price", "opening mark"),
        (
            "perp.perp.populations.shorts.counterparty.leverage=10",
            "perp.perp.populations.shorts.counterparty.leverage",
            "opening mark",
        ),
    ],
)
def test_impossible_populations_are_refused_naming_the_key(override, key, words):
    with pytest.raises(ConfigError) as exc:
        api.run(api.load("rocket", overrides=[override]))
    assert exc.value.key == key
    assert words in str(exc.value)


def test_the_rocket_under_each_style_leaves_its_own_waterfall():
    results = {name: api.run(config) for name, config in arm_configs(raw_experiment("rocket_styles")).items()}
    binance, hyperliquid, dydx = (results[s].summary for s in ("binance", "hyperliquid", "dydx"))
    assert binance["takeover_notional"] > 0 and binance["backstop_notional"] == 0
    assert hyperliquid["backstop_notional"] > 0 and hyperliquid["takeover_notional"] == 0
    assert binance["unwind_notional"] > 0 and hyperliquid["unwind_notional"] > 0
    assert binance["bad_debt"] == 0 == dydx["bad_debt"]
    assert dydx["liquidation_attempts"] > dydx["liquidations"]  # solvent remainders are retried
    assert dydx["adl_count"] > 0 and dydx["unwind_notional"] == 0  # the dYdX fund takes nothing over


@pytest.mark.parametrize("style", ["hyperliquid", "dydx"])
def test_contagion_runs_under_every_style(style):
    overrides = [f"perp.{p}.style={style}" for p in ("perp_a", "perp_b")]
    overrides += [f"perp.{p}.vault_capital=200000" for p in ("perp_a", "perp_b")]
    if style == "hyperliquid":  # Hyperliquid's oracle is a weighted median (else a warning)
        overrides += ["index.index_a.method=median"]
    result = api.run(api.load("contagion", overrides=[*overrides, "experiment.duration=60s"]))
    assert result.summary["liquidations"] > 0


def test_a_hyperliquid_perp_on_a_mean_index_is_warned_about():
    from sim.engine.notices import notices

    mean = api.load("rocket", overrides=["perp.perp.style=hyperliquid"])
    assert notices(mean) == [
        "index.index.method: perp.perp is hyperliquid-style but its index is a weighted mean "
        '(Hyperliquid\'s oracle is a weighted median: method = "median")'
    ]
    assert notices(api.load("rocket", overrides=["perp.perp.style=hyperliquid", "index.index.method=median"])) == []
    assert notices(api.load("rocket")) == []
