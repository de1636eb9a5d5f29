"""Experiment files: runs/rocket.toml loads to typed values; overrides; a catalogue of broken files.

Every broken experiment is the rocket experiment with one thing broken, and each must fail
with one exact line naming the dotted key and the problem. Checks of the venue graph live
in sim.engine.config.topology (topology.graph.build_graph), the rest in sim.core.config.from_dict.
"""

import copy
import math
import shutil
from pathlib import Path

import pytest

import sim.study.experiments
from sim.core.config import Latency, read_toml
from sim.core.errors import ConfigError
from sim.engine.config import from_dict, topology
from sim.study.experiments import load_experiment
from tests.mutations import both, drop, put

REPO = Path(__file__).resolve().parents[3]
ROCKET = REPO / "runs" / "rocket.toml"


def rocket_raw() -> dict:
    return read_toml(ROCKET)


# ----------------------------------------------------------------------------- typed values


def test_rocket_loads_with_typed_values():
    config = load_experiment("rocket")

    assert config.experiment.name == "rocket"
    assert config.experiment.seed == 7
    assert config.experiment.duration == 180.0  # "3min"
    assert (config.experiment.asset, config.experiment.quote) == ("RKT", "USDT")

    assert config.link["whale-spot"].latency == Latency(model="constant", value=0.02)
    assert config.link["hedge"].latency == Latency(model="constant", value=0.15)
    assert config.link["index-perp"].latency == Latency(model="constant", value=0.03)
    assert config.link["spot-index"].latency == Latency(model="constant", value=0.05)
    assert config.link["lp-spot"].latency.value == 0.005
    assert config.link["retail-spot"].latency == Latency(model="uniform", low=0.02, high=0.08)
    assert (config.link["hedge"].src, config.link["hedge"].dst, config.link["hedge"].kind) == ("mm", "spot", "hedge")

    perp = config.perp["perp"]
    assert perp.index == "index"
    assert perp.mmr == 0.01  # "1%"
    assert perp.style == "binance"
    assert (perp.mark, perp.adl, perp.adl_price, perp.funding_interval) == ("binance", "binance", "bankruptcy", 28800.0)
    assert perp.insurance_fund == 250000.0
    assert type(perp.insurance_fund) is float  # written as the integer 250_000
    assert perp.engine_interval == 0.0
    assert perp.funding_interval == 28800.0  # default 8h

    shorts = perp.populations["shorts"]
    assert (shorts.side, shorts.owner, shorts.count) == ("short", "shorts", 1500)
    assert shorts.notional == 10_000_000.0
    assert shorts.quantity is None
    assert shorts.leverage == 10.0
    assert (shorts.liq_price.low, shorts.liq_price.high, shorts.liq_price.dist) == (11.0, 15.0, "even")
    assert (shorts.counterparty.owner, shorts.counterparty.leverage, shorts.counterparty.count) == ("longs", 2.0, 200)

    book = config.spot["spot"].book
    assert book.mid == 10.0
    assert (book.asks.range, book.asks.shape, book.asks.extent, book.asks.step) == (0.1, "linear", 0.9, 0.002)
    assert (book.bids.notional, book.bids.extent) == (100_000.0, 0.5)

    assert config.index["index"].sources == {"spot": 1.0}
    assert config.index["index"].interval == 1.0

    mm = config.market_maker["mm"]
    assert (mm.perp, mm.hedge, mm.reference) == ("perp", {"spot": 1.0}, "spot")
    assert mm.half_spread == 0.0005  # "0.05%"
    assert mm.refresh == 1.0
    assert mm.inventory_limit is None  # default: no limit

    assert config.liquidity["lp"].half_spread == 0.003  # "0.3%"
    assert config.liquidity["lp"].refresh == 2.0
    whale = config.igniter["whale"]
    assert (whale.venue, whale.side, whale.notional, whale.start, whale.duration, whale.slices) == (
        "spot",
        "buy",
        200_000.0,
        10.0,
        20.0,
        10,
    )
    assert config.noise["retail"].rate == 1.0


def test_rocket_graph_builds_with_every_node_and_link():
    graph = topology(load_experiment("rocket"))
    assert dict(graph.nodes(data="kind")) == {
        "spot": "spot",
        "index": "index",
        "perp": "perp",
        "mm": "market_maker",
        "lp": "liquidity",
        "whale": "igniter",
        "retail": "noise",
        "takers": "profit_taker",
        "fund": "unwinder",
    }
    assert graph.edges["fund", "perp"]["kind"] == "order"
    assert graph.edges["perp", "fund"]["kind"] == "fill"
    assert graph.edges["mm", "spot"]["id"] == "hedge"
    assert graph.edges["mm", "spot"]["kind"] == "hedge"
    assert graph.edges["index", "perp"]["latency"].value == 0.03


def test_units_in_a_file_and_plain_numbers_give_the_same_config():
    raw = rocket_raw()
    raw["experiment"]["duration"] = 180
    raw["perp"]["perp"]["mmr"] = 0.01
    raw["link"]["hedge"]["latency"] = 0.15
    raw["link"]["retail-spot"]["latency"] = {"model": "uniform", "low": 0.02, "high": 0.08}
    assert from_dict(raw) == load_experiment("rocket")


# ----------------------------------------------------------------------------- overrides


def test_override_sets_a_latency_with_units():
    config = from_dict(rocket_raw(), ["link.hedge.latency=300ms"])
    assert config.link["hedge"].latency == Latency(model="constant", value=0.3)


def test_override_values_are_read_as_toml_then_as_plain_strings():
    config = from_dict(
        rocket_raw(),
        [
            "experiment.seed=11",
            "perp.perp.mmr=2%",
            'perp.perp.mark="hyperliquid"',
            "spot.spot.throughput=50",
            'link.hedge.latency={ model = "uniform", low = "10ms", high = "20ms" }',
        ],
    )
    assert config.experiment.seed == 11
    assert config.perp["perp"].mmr == 0.02
    assert config.perp["perp"].mark == "hyperliquid"
    assert config.spot["spot"].throughput == 50.0
    assert config.link["hedge"].latency == Latency(model="uniform", low=0.01, high=0.02)


def test_override_can_add_a_key_to_an_existing_table():
    config = from_dict(rocket_raw(), ["market_maker.mm.inventory_limit=1e6"])
    assert config.market_maker["mm"].inventory_limit == 1_000_000.0


def test_later_override_wins():
    config = from_dict(rocket_raw(), ["link.hedge.latency=300ms", "link.hedge.latency=1s"])
    assert config.link["hedge"].latency.value == 1.0


def test_load_experiment_seed_replaces_experiment_seed():
    assert load_experiment("rocket", seed=3).experiment.seed == 3
    assert load_experiment("rocket", seed=3, overrides=["experiment.seed=5"]).experiment.seed == 3


def test_load_experiment_by_path(tmp_path):
    path = tmp_path / "copy.toml"
    shutil.copy(ROCKET, path)
    assert load_experiment(str(path)) == load_experiment("rocket")


def test_from_dict_leaves_the_raw_mapping_unchanged():
    raw = rocket_raw()
    before = copy.deepcopy(raw)
    from_dict(raw, ["link.hedge.latency=300ms"])
    assert raw == before


# ----------------------------------------------------------------------------- malformed experiments

# (case id, mutation of the rocket raw dict, exact str(ConfigError)) — raised by from_dict.
LOAD_ERRORS = [
    (
        "unknown-key-did-you-mean",
        put("perp.perp.liquidaton_fee", 0.01),
        "perp.perp.liquidaton_fee: unknown key (did you mean 'liquidation_fee'?)",
    ),
    ("unknown-key-nothing-close", put("perp.perp.colour", "red"), "perp.perp.colour: unknown key"),
    (
        "unknown-key-in-latency-table",
        put("link.hedge.latency", {"model": "constant", "valeu": "1ms"}),
        "link.hedge.latency.valeu: unknown key (did you mean 'value'?)",
    ),
    ("unknown-top-level-section", put("venues", {"chainlink": {}}), "venues: unknown key"),
    ("unknown-top-level-section-did-you-mean", put("spots", {}), "spots: unknown key (did you mean 'spot'?)"),
    (
        "string-for-number",
        put("perp.perp.insurance_fund", "lots"),
        "perp.perp.insurance_fund: expected a number, got 'lots'",
    ),
    ("number-for-string", put("perp.perp.index", 3), "perp.perp.index: expected a string, got 3"),
    ("list-for-table", put("market_maker.mm.hedge", ["spot"]), "market_maker.mm.hedge: expected a table, got ['spot']"),
    ("list-for-book", put("spot.spot.book", [1]), "spot.spot.book: expected a table, got [1]"),
    ("bool-for-number", put("perp.perp.tick", True), "perp.perp.tick: expected a number, got True"),
    ("string-for-integer", put("experiment.seed", "7"), "experiment.seed: expected an integer, got '7'"),
    ("infinite-number", put("perp.perp.tick", math.inf), "perp.perp.tick: expected a finite number, got inf"),
    (
        "wrong-unit",
        put("link.hedge.latency", "5 parsecs"),
        "link.hedge.latency: expected a duration like '250ms', '3s', '8h', got '5 parsecs'",
    ),
    (
        "negative-latency-in-a-table",
        put("link.hedge.latency", {"model": "constant", "value": "-5ms"}),
        "link.hedge.latency: latency must be >= 0, got -0.005",
    ),
    (
        "negative-uniform-low",
        put("link.retail-spot.latency", {"model": "uniform", "low": "-1ms", "high": "5ms"}),
        "link.retail-spot.latency.low: latency must be >= 0, got -0.001",
    ),
    ("nan-latency", put("link.hedge.latency", math.nan), "link.hedge.latency: expected a finite duration, got nan"),
    (
        "unknown-latency-model",
        put("link.hedge.latency", {"model": "gaussian"}),
        "link.hedge.latency.model: expected one of 'constant', 'uniform', 'lognormal', 'empirical', got 'gaussian'",
    ),
    (
        "empirical-without-samples",
        put("link.hedge.latency", {"model": "empirical"}),
        "link.hedge.latency.samples: needs at least one sample",
    ),
    (
        "liquidation-fee-out-of-range",
        put("perp.perp.liquidation_fee", 0.9),
        "perp.perp.liquidation_fee: must be in [0, 50%), got 0.9",
    ),
    (
        "negative-liquidation-fee",
        put("perp.perp.liquidation_fee", "-1%"),
        "perp.perp.liquidation_fee: must be in [0, 50%), got -0.01",
    ),
    (
        "nan-fraction",
        put("perp.perp.liquidation_fee", math.nan),
        "perp.perp.liquidation_fee: expected a finite fraction, got nan",
    ),
    ("mmr-above-one", put("perp.perp.mmr", 1.5), "perp.perp.mmr: must be in (0, 1), got 1.5"),
    ("mmr-above-one-in-percent", put("perp.perp.mmr", "150%"), "perp.perp.mmr: must be in (0, 1), got 1.5"),
    (
        "tier-mmr-out-of-range",
        put("perp.perp.tiers", [[1_000_000, 2, 20]]),
        "perp.perp.tiers[0]: mmr must be in (0, 1), got 2.0",
    ),
    (
        "choice-did-you-mean",
        put("perp.perp.mark", "binanse"),
        "perp.perp.mark: expected one of 'auto', 'binance', 'hyperliquid', got 'binanse' (did you mean 'binance'?)",
    ),
    (
        "link-kind-did-you-mean",
        put("link.hedge.kind", "hegde"),
        "link.hedge.kind: expected one of 'order', 'fill', 'hedge', 'md', 'index', 'oracle', got 'hegde' "
        "(did you mean 'hedge'?)",
    ),
    ("missing-required-key", drop("experiment.name"), "experiment.name: missing required key"),
    ("missing-experiment-section", drop("experiment"), "experiment: missing required key"),
    ("negative-duration", put("experiment.duration", "-3min"), "experiment.duration: must be > 0, got -180.0"),
    (
        "perp-index-unknown",
        put("perp.perp.index", "indx"),
        "perp.perp.index: 'indx' is not an index id (did you mean 'index'?)",
    ),
    ("perp-index-is-a-spot-venue", put("perp.perp.index", "spot"), "perp.perp.index: 'spot' is not an index id"),
    (
        "index-source-not-a-venue",
        put("index.index.sources", {"mm": 1.0}),
        "index.index.sources.mm: 'mm' is not a spot id",
    ),
    (
        "index-source-typo",
        put("index.index.sources", {"spto": 1.0}),
        "index.index.sources.spto: 'spto' is not a spot id (did you mean 'spot'?)",
    ),
    ("empty-index-sources", put("index.index.sources", {}), "index.index.sources: an index needs at least one source"),
    (
        "negative-index-weight",
        put("index.index.sources", {"spot": -1.0}),
        "index.index.sources.spot: must be > 0, got -1.0",
    ),
    (
        "market-maker-hedges-on-a-perp",
        put("market_maker.mm.hedge", {"perp": 1.0}),
        "market_maker.mm.hedge.perp: 'perp' is not a spot id",
    ),
    (
        "market-maker-reference-is-a-perp",
        put("market_maker.mm.reference", "perp"),
        "market_maker.mm.reference: 'perp' is not a spot id",
    ),
    ("liquidity-on-a-perp", put("liquidity.lp.venue", "perp"), "liquidity.lp.venue: 'perp' is not a spot id"),
    (
        "dangling-link-dst",
        put("link.hedge.dst", "spot2"),
        "link.hedge.dst: unknown node 'spot2' (did you mean 'spot'?)",
    ),
    ("dangling-link-src", put("link.hedge.src", "nobody"), "link.hedge.src: unknown node 'nobody'"),
    (
        "duplicate-id-across-sections",
        put("noise.spot", {"venue": "spot"}),
        "noise.spot: duplicate id (already used in spot)",
    ),
    (
        "duplicate-id-participant",
        put("igniter.mm", {"venue": "spot", "notional": 1000}),
        "igniter.mm: duplicate id (already used in market_maker)",
    ),
    (
        "population-quantity-and-notional",
        put("perp.perp.populations.shorts.quantity", 300_000),
        "perp.perp.populations.shorts: give exactly one of quantity or notional",
    ),
    (
        "population-neither-quantity-nor-notional",
        drop("perp.perp.populations.shorts.notional"),
        "perp.perp.populations.shorts: give exactly one of quantity or notional",
    ),
    (
        "population-leverage-and-entry-price",
        put("perp.perp.populations.shorts.entry_price", 10.0),
        "perp.perp.populations.shorts: give exactly one of leverage or entry_price",
    ),
    (
        "population-count-zero",
        put("perp.perp.populations.shorts.count", 0),
        "perp.perp.populations.shorts.count: must be >= 1, got 0",
    ),
    (
        "population-count-absurd",
        put("perp.perp.populations.shorts.count", 10**9),
        "perp.perp.populations.shorts.count: absurdly large: 1000000000 (must be <= 10,000,000)",
    ),
    (
        "population-quantity-absurd",
        both(drop("perp.perp.populations.shorts.notional"), put("perp.perp.populations.shorts.quantity", 1e30)),
        "perp.perp.populations.shorts.quantity: absurdly large: 1e+30 (must be < 1e13)",
    ),
    (
        "population-without-liq-price",
        drop("perp.perp.populations.shorts.liq_price"),
        "perp.perp.populations.shorts.liq_price: missing required key",
    ),
    (
        "igniter-notional-absurd",
        put("igniter.whale.notional", 1e30),
        "igniter.whale.notional: absurdly large: 1e+30 (must be < 1e13)",
    ),
    ("spot-without-book", drop("spot.spot.book"), "spot.spot.book: a spot venue needs an initial book"),
    (
        "depth-extent-below-range",
        put("spot.spot.book.asks", {"notional": 1000, "range": "10%", "extent": "5%"}),
        "spot.spot.book.asks.extent: must be in [range, 1) with range=0.1, got 0.05",
    ),
    (  # the mechanics' rule (sim.market.depth.DepthProfile), checked when the file is loaded
        "depth-step-beyond-range",
        put("spot.spot.book.asks", {"notional": 1000, "range": "1%", "extent": "5%", "step": "2%"}),
        "spot.spot.book.asks.step: must be <= range=0.01, got 0.02",
    ),
    (
        "depth-notional-absurd",
        put("spot.spot.book.asks", {"notional": 1e14}),
        "spot.spot.book.asks.notional: absurdly large: 100000000000000.0 (must be < 1e13)",
    ),
    (
        "market-maker-capital-below-margin",
        put("market_maker.mm.capital", 1.0),
        "market_maker.mm.capital: must be >= margin",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in LOAD_ERRORS], ids=[c[0] for c in LOAD_ERRORS])
def test_malformed_experiment_is_rejected_with_one_exact_line(mutate, message):
    raw = rocket_raw()
    mutate(raw)
    with pytest.raises(ConfigError) as exc:
        from_dict(raw)
    assert str(exc.value) == message
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("latency", ["-5ms", -0.005])
def test_negative_bare_latency_is_rejected(latency):
    raw = rocket_raw()
    raw["link"]["hedge"]["latency"] = latency
    with pytest.raises(ConfigError) as exc:
        from_dict(raw)
    assert str(exc.value) == "link.hedge.latency: latency must be >= 0, got -0.005"


def test_absurd_population_notional_names_the_notional_key():
    raw = rocket_raw()
    raw["perp"]["perp"]["populations"]["shorts"]["notional"] = 1e30
    with pytest.raises(ConfigError) as exc:
        from_dict(raw)
    assert str(exc.value) == "perp.perp.populations.shorts.notional: absurdly large: 1e+30 (must be < 1e13)"


def test_toml_nan_latency_in_a_file_is_rejected(tmp_path):
    path = tmp_path / "nan.toml"
    path.write_text(ROCKET.read_text().replace('latency = "150ms"', "latency = nan"))
    with pytest.raises(ConfigError) as exc:
        load_experiment(str(path))
    assert str(exc.value) == "link.hedge.latency: expected a finite duration, got nan"


# (case id, mutation, exact str(ConfigError)) — the raw dict loads, sim.engine.config.topology rejects it.
GRAPH_ERRORS = [
    ("link-to-itself", put("link.hedge.dst", "mm"), "link.hedge.dst: a link cannot connect 'mm' to itself"),
    (
        "duplicate-link-same-pair",
        put("link.hedge2", {"src": "mm", "dst": "spot", "kind": "hedge", "latency": "1ms"}),
        "link.hedge2: duplicate link mm -> spot (already link.hedge)",
    ),
    (
        "hedge-link-to-a-non-spot-node",
        put("link.hedge.dst", "index"),
        "link.hedge.dst: a hedge link must end at a spot venue, 'index' is an index",
    ),
    (
        "md-link-from-a-non-source-into-an-index",
        put("link.stray", {"src": "mm", "dst": "index", "kind": "md", "latency": "1ms"}),
        "link.stray.src: 'mm' is not a source of index 'index' (add it to sources)",
    ),
    (
        "perp-without-index-link",
        drop("link.index-perp"),
        "perp.perp.index: no link from 'index' to 'perp' "
        '(add a [link.<id>] with src = "index", dst = "perp", kind = "index")',
    ),
    (
        "index-without-source-link",
        drop("link.spot-index"),
        "index.index.sources.spot: no link from 'spot' to 'index' "
        '(add a [link.<id>] with src = "spot", dst = "index", kind = "md")',
    ),
    (
        "market-maker-without-hedge-link",
        drop("link.hedge"),
        "market_maker.mm.hedge.spot: no link from 'mm' to 'spot' "
        '(add a [link.<id>] with src = "mm", dst = "spot", kind = "hedge")',
    ),
    (
        "market-maker-without-reference-link",
        drop("link.spot-mm"),
        "market_maker.mm.reference: no link from 'spot' to 'mm' "
        '(add a [link.<id>] with src = "spot", dst = "mm", kind = "md")',
    ),
    (
        "igniter-without-order-link",
        drop("link.whale-spot"),
        "igniter.whale.venue: no link from 'whale' to 'spot' "
        '(add a [link.<id>] with src = "whale", dst = "spot", kind = "order")',
    ),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in GRAPH_ERRORS], ids=[c[0] for c in GRAPH_ERRORS])
def test_malformed_topology_is_rejected_with_one_exact_line(mutate, message):
    raw = rocket_raw()
    mutate(raw)
    config = from_dict(raw)
    with pytest.raises(ConfigError) as exc:
        topology(config)
    assert str(exc.value) == message


# ----------------------------------------------------------------------------- bad overrides

OVERRIDE_ERRORS = [
    ("no-equals-sign", "link.hedge.latency", "link.hedge.latency: an override must look like dotted.key=value"),
    ("unknown-table", "lnk.hedge.latency=300ms", "lnk: no such table (did you mean 'link'?)"),
    ("unknown-link-id", "link.hegde.latency=300ms", "link.hegde: no such table (did you mean 'hedge'?)"),
    ("unknown-leaf-key", "link.hedge.latncy=300ms", "link.hedge.latncy: unknown key (did you mean 'latency'?)"),
    (
        "empty-path-segment",
        "link..latency=300ms",
        "link..latency: an override key must be a dotted path like link.hedge.latency",
    ),
    ("empty-key", "=300ms", "an override key must be a dotted path like link.hedge.latency"),
    ("through-a-value", "experiment.seed.x=1", "experiment.seed: is a value, not a table"),
    ("wrong-type", "experiment.seed=abc", "experiment.seed: expected an integer, got 'abc'"),
    ("nan-latency", "link.hedge.latency=nan", "link.hedge.latency: expected a finite duration, got nan"),
]


@pytest.mark.parametrize(("override", "message"), [c[1:] for c in OVERRIDE_ERRORS], ids=[c[0] for c in OVERRIDE_ERRORS])
def test_bad_override_is_rejected_with_one_exact_line(override, message):
    with pytest.raises(ConfigError) as exc:
        from_dict(rocket_raw(), [override])
    assert str(exc.value) == message


# ----------------------------------------------------------------------------- files and names


def test_toml_syntax_error_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[experiment\nname = "x"\n')
    with pytest.raises(ConfigError) as exc:
        load_experiment(str(path))
    assert str(exc.value) == (
        f"{path}: TOML syntax error: Expected ']' at the end of a table declaration (at line 1, column 12)"
    )


def test_missing_experiment_file(tmp_path):
    path = tmp_path / "nothere.toml"
    with pytest.raises(ConfigError) as exc:
        load_experiment(str(path))
    assert str(exc.value) == f"{path}: no such experiment file"


def test_read_toml_missing_file(tmp_path):
    with pytest.raises(ConfigError) as exc:
        read_toml(tmp_path / "nothere.toml")
    assert str(exc.value) == f"{tmp_path / 'nothere.toml'}: no such experiment file"


@pytest.fixture
def two_experiments(tmp_path, monkeypatch):
    """Experiment names resolve against a runs/ folder holding only rocket and storm."""
    runs = tmp_path / "runs"
    runs.mkdir()
    shutil.copy(ROCKET, runs / "rocket.toml")
    shutil.copy(ROCKET, runs / "storm.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim.study.experiments, "REPO_RUNS", runs)
    return runs


def test_unknown_experiment_name_with_did_you_mean(two_experiments):
    with pytest.raises(ConfigError) as exc:
        load_experiment("rockit")
    assert str(exc.value) == "unknown experiment 'rockit' (did you mean 'rocket'?; known: rocket, storm)"


def test_unknown_experiment_name_without_close_match(two_experiments):
    with pytest.raises(ConfigError) as exc:
        load_experiment("zzz")
    assert str(exc.value) == "unknown experiment 'zzz' (known: rocket, storm)"


def test_experiment_names_resolve_in_the_local_runs_folder(two_experiments):
    assert load_experiment("storm") == load_experiment("rocket")
