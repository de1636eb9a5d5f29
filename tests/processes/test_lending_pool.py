"""The lending pool, its oracle and liquidators over constant-latency links (MECHANICS.md §6).

A scripted borrower node is added to the topology with links to and from the pool, so its
requests and the pool's LoanUpdates travel with latency like everyone else's.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import simpy

from processes.context import Context
from processes.messages import LoanUpdate, MarketData, PoolRequest
from sim.core.config import Latency
from sim.core.errors import ConfigError
from sim.core.ledger import Ledger
from sim.core.trace import Trace
from sim.engine.config import from_dict, topology
from sim.engine.world import World, component_rng
from sim.market.assets import ASSET, QUOTE
from sim.market.lending import health_factor
from topology.network import Network

YEAR = 365 * 86400.0
LAT = {"spot-oracle": 0.05, "oracle-pool": 2.0, "pool-liq": 0.1, "liq-pool": 0.3, "liq-spot": 0.04, "late-pool": 0.9}
BORROWER_LINK = 0.01
NO_INTEREST = {"base": 0, "slope1": 0, "slope2": 0}

LENDING_WORLD = {
    "experiment": {"name": "lending", "seed": 1, "duration": "300s"},
    "spot": {
        "spot": {
            "tick": 0.0001,
            "book": {
                "mid": 7.5,
                "bids": {"notional": 1_000_000, "range": "10%", "extent": "20%", "step": "0.1%"},
                "asks": {"notional": 1_000_000, "range": "10%", "extent": "20%", "step": "0.1%"},
            },
        }
    },
    "oracle": {"oracle": {"source": "spot", "deviation": "0.5%", "heartbeat": "1h"}},
    "lending": {
        "pool": {
            "oracle": "oracle",
            "quote": {"ltv": "75%", "liquidation_threshold": "80%", "supply": 1_000_000, "rate": NO_INTEREST},
            "token": {
                "ltv": "60%",
                "liquidation_threshold": "70%",
                "liquidation_bonus": "105%",
                "supply": 50_000,
                "supplier": "token_lenders",
                "rate": NO_INTEREST,
            },
        }
    },
    "liquidator": {
        "liq": {"pool": "pool", "venue": "spot", "capital": 100_000},
        "late": {"pool": "pool", "venue": "spot", "capital": 100_000},
    },
    "link": {
        "spot-oracle": {"src": "spot", "dst": "oracle", "kind": "md", "latency": "50ms"},
        "oracle-pool": {"src": "oracle", "dst": "pool", "kind": "oracle", "latency": "2s"},
        "pool-liq": {"src": "pool", "dst": "liq", "kind": "md", "latency": "100ms"},
        "liq-pool": {"src": "liq", "dst": "pool", "kind": "order", "latency": "300ms"},
        "liq-spot": {"src": "liq", "dst": "spot", "kind": "order", "latency": "40ms"},
        "pool-late": {"src": "pool", "dst": "late", "kind": "md", "latency": "100ms"},
        "late-pool": {"src": "late", "dst": "pool", "kind": "order", "latency": "900ms"},
        "late-spot": {"src": "late", "dst": "spot", "kind": "order", "latency": "40ms"},
    },
}


class ScriptedBorrower:
    """A test node: sends PoolRequests at given times, keeps the LoanUpdates it receives."""

    def __init__(self, ctx: Context, name: str = "borrower") -> None:
        self.ctx = ctx
        self.name = name
        self.account = ctx.ledger.account(name)
        self.updates: list[tuple[float, LoanUpdate]] = []

    def receive(self, msg: LoanUpdate) -> None:
        self.updates.append((self.ctx.env.now, msg))

    def at(self, t: float, action: str, asset: int, amount: float) -> None:
        def go():
            yield self.ctx.env.timeout(t - self.ctx.env.now)
            rid = self.ctx.trace.record(self.ctx.env.now, "script", self.name, account=self.name, info=action)
            self.ctx.network.channel(self.name, "pool").send(
                PoolRequest(rid, self.account, action, asset, amount, self.name)
            )

        self.ctx.env.process(go())


class LendingWorld:
    """The nodes of LENDING_WORLD built as World builds them, plus the scripted borrower."""

    def __init__(self, raw: dict) -> None:
        cfg = from_dict(raw)
        self.env = env = simpy.Environment()
        graph = topology(cfg)
        graph.add_node("borrower", kind="borrower")
        link = Latency(value=BORROWER_LINK)
        graph.add_edge("borrower", "pool", id="borrower-pool", kind="order", latency=link)
        graph.add_edge("pool", "borrower", id="pool-borrower", kind="fill", latency=link)
        self.ledger = Ledger()
        self.trace = Trace()

        def rng_for(name: str) -> np.random.Generator:
            return component_rng(cfg.experiment.seed, name)

        network = Network(env, graph, rng_for)
        self.ctx = Context(env, self.trace, self.ledger, network, rng_for)
        self.nodes = {
            name: kind.build(self.ctx, name, c, cfg)
            for kind in cfg.kinds
            for name, c in getattr(cfg, kind.section).items()
        }
        self.borrower = ScriptedBorrower(self.ctx)
        for name, node in {**self.nodes, "borrower": self.borrower}.items():
            network.attach(name, node.receive)
        network.check_attached()
        self.nodes["spot"].open()
        for name, node in self.nodes.items():
            if name != "spot":
                node.start()
        self.pool = self.nodes["pool"]
        self.duration = cfg.experiment.duration

    def price_at(self, t: float, price: float) -> None:
        """Scripted market data from the spot venue straight into the oracle at ``t``."""

        def go():
            yield self.env.timeout(t - self.env.now)
            rid = self.trace.record(self.env.now, "script", "spot", price=price)
            self.nodes["oracle"].receive(MarketData(rid, "spot", price, price, price, price, price, 0.0))

        self.env.process(go())

    def run(self):
        self.env.run(until=self.duration)
        return self.trace.table()


def records(t, kind: str, node: str | None = None) -> np.ndarray:
    sel = t.kind == kind
    if node is not None:
        sel &= t.node == node
    return np.flatnonzero(sel)


def check_pool_money(world: LendingWorld) -> None:
    """Ledger conserved; per asset, reserve = supplied + collateral − borrowed principal + interest repaid."""
    for a in (QUOTE, ASSET):
        assert world.ledger.total(a) == pytest.approx(world.ledger.endowed[a], rel=1e-9, abs=1e-9)
    pool, book = world.pool, world.pool.book
    for a in (QUOTE, ASSET):
        expected = book.supplied[a] + book.collateral_total[a] - book.borrowed[a] + book.interest[a]
        assert world.ledger.balance(pool.account, a) == pytest.approx(expected, rel=1e-12, abs=1e-6)
        assert book.collateral_total[a] == pytest.approx(book.collateral[:, a].sum(), abs=1e-9)
        assert book.borrowed[a] == pytest.approx(book.principal[:, a].sum(), abs=1e-6)


def without_late(raw: dict) -> None:
    """Remove the second liquidator and its links."""
    del raw["liquidator"]["late"]
    for lid in ("pool-late", "late-pool", "late-spot"):
        del raw["link"][lid]


@pytest.fixture
def raw() -> dict:
    return copy.deepcopy(LENDING_WORLD)


def crash_world(raw: dict) -> LendingWorld:
    """Borrow 5,500 USDT on 1,000 RKT at $10, then the oracle's source falls to $7.5."""
    world = LendingWorld(raw)
    world.ledger.endow(world.borrower.account, ASSET, 1_000)
    world.price_at(1.0, 10.0)
    world.borrower.at(4.0, "deposit", ASSET, 1_000)
    world.borrower.at(5.0, "borrow", QUOTE, 5_500)
    world.price_at(100.0, 7.5)
    return world


def test_a_lending_liquidation_against_hand_numbers(raw):
    world = crash_world(raw)
    t = world.run()
    # HF at $7.5: 1000 · 7.5 · 0.70 / 5500 = 0.9545 > 0.95, so the close factor is 50%:
    # repay 2750 USDT, seize 2750 / 7.5 · 1.05 = 385 RKT (bonus 137.5 USDT)
    (liq,) = records(t, "lending_liquidation")
    assert t.account[liq] == "borrower"
    assert t.qty[liq] == pytest.approx(385.0, rel=1e-12)
    assert t.notional[liq] == pytest.approx(2750.0, rel=1e-12)
    assert t.price[liq] == 7.5
    assert "hf 0.9545" in t.info[liq]
    book = world.pool.book
    row = book.rows[world.borrower.account]
    assert book.debt(row).tolist() == pytest.approx([2750.0, 0.0])
    assert book.collateral[row].tolist() == pytest.approx([0.0, 615.0])
    # the borrower hears of it over its link: HF now 615 · 7.5 · 0.7 / 2750 = 1.1741
    when, update = world.borrower.updates[-1]
    assert when == pytest.approx(t.t[liq] + BORROWER_LINK)
    assert update.ok and update.collateral == pytest.approx((0.0, 615.0)) and update.debt == pytest.approx((2750, 0))
    assert update.health_factor == pytest.approx(615 * 7.5 * 0.7 / 2750)
    # the liquidator paid 2750 USDT and sold the 385 RKT on spot
    liq_acct = world.ledger.of("liq")
    (trade,) = [i for i in records(t, "trade", "spot") if t.account[i] == "liq"]
    assert t.qty[trade] == pytest.approx(385.0)
    assert liq_acct.quote == pytest.approx(100_000 - 2750 + t.notional[trade])
    assert liq_acct.asset == pytest.approx(0.0, abs=1e-9)
    assert t.notional[trade] > 2750  # the bonus, less the sale's slippage
    check_pool_money(world)


def test_the_liquidation_travels_the_links_with_their_latencies(raw):
    world = crash_world(raw)
    t = world.run()
    crash = [i for i in records(t, "oracle") if t.t[i] == 100.0]
    (oracle_rec,) = crash
    (request,) = [i for i in records(t, "liquidate", "liq")]
    (liq,) = records(t, "lending_liquidation")
    (sell,) = records(t, "sell", "liq")
    (order,) = [i for i in records(t, "order", "spot") if t.cause[i] == sell]
    assert t.cause[request] == oracle_rec and t.cause[liq] == request and t.cause[sell] == liq
    assert t.qty[request] == pytest.approx(2750.0)  # close factor 50% of the debt
    assert t.qty[sell] == t.qty[order] == pytest.approx(385.0)
    call_at = 100.0 + LAT["oracle-pool"] + LAT["pool-liq"]
    assert t.t[request] == pytest.approx(call_at, abs=1e-9)
    assert t.t[liq] == pytest.approx(call_at + LAT["liq-pool"], abs=1e-9)
    assert t.t[sell] == pytest.approx(call_at + LAT["liq-pool"] + LAT["pool-liq"], abs=1e-9)
    assert t.t[order] == pytest.approx(t.t[sell] + LAT["liq-spot"], abs=1e-9)
    # the slower liquidator's request for the same borrower arrives after: healthy now, refused
    (late,) = records(t, "liquidate", "late")
    (refused,) = records(t, "refused", "pool")
    assert t.cause[refused] == late and t.info[refused] == "liquidate: healthy"
    assert t.t[refused] == pytest.approx(call_at + LAT["late-pool"], abs=1e-9)
    assert world.ledger.of("late").quote == 100_000 and len(records(t, "sell", "late")) == 0
    # the liquidator's sale moved spot by less than the band: no further oracle publication
    assert t.t[records(t, "oracle")].tolist() == pytest.approx([LAT["spot-oracle"], 1.0, 100.0])


def test_a_token_debt_is_repaid_from_inventory_and_bought_back(raw):
    # the forward leg: 10,000 USDT posted, 700 RKT borrowed at $10; the oracle's source rallies to $12
    raw["spot"]["spot"]["book"]["mid"] = 12.0
    raw["liquidator"]["liq"]["tokens"] = 1_000
    without_late(raw)
    world = LendingWorld(raw)
    b = world.borrower
    world.ledger.endow(b.account, QUOTE, 10_000)
    world.price_at(1.0, 10.0)
    b.at(4.0, "deposit", QUOTE, 10_000)
    b.at(5.0, "borrow", ASSET, 700)
    world.price_at(100.0, 12.0)
    t = world.run()
    # HF = 10,000 · 0.8 / (700 · 12) = 0.9524: repay 350 RKT, seize 350 · 12 · 1.05 = 4,410 USDT
    (liq,) = records(t, "lending_liquidation")
    assert t.qty[liq] == pytest.approx(4_410.0) and t.notional[liq] == pytest.approx(350 * 12.0)
    assert "RKT debt, USDT collateral" in t.info[liq]
    (buy,) = records(t, "buy", "liq")
    assert t.cause[buy] == liq and t.qty[buy] == pytest.approx(350.0) and len(records(t, "sell", "liq")) == 0
    (trade,) = [i for i in records(t, "trade", "spot") if t.account[i] == "liq"]
    liq_acct = world.ledger.of("liq")
    assert liq_acct.asset == pytest.approx(1_000.0)  # inventory restored
    assert liq_acct.quote == pytest.approx(100_000 + 4_410 - t.notional[trade])
    _, update = b.updates[-1]
    assert update.debt == pytest.approx((0.0, 350.0)) and update.collateral == pytest.approx((5_590.0, 0.0))
    check_pool_money(world)


def test_a_liquidator_without_the_debt_asset_does_not_ask(raw):
    raw["liquidator"]["liq"]["capital"] = 0
    without_late(raw)
    world = crash_world(raw)
    t = world.run()
    assert len(records(t, "lending_liquidation")) == 0
    (refused,) = records(t, "refused", "liq")
    assert t.info[refused] == "borrower: no capital" and t.kind[t.cause[refused]] == "oracle"


def test_a_borrow_beyond_ltv_a_release_below_hf_1_and_a_borrow_beyond_liquidity_are_refused(raw):
    world = LendingWorld(raw)
    b = world.borrower
    world.ledger.endow(b.account, ASSET, 1_000_000)
    world.price_at(1.0, 10.0)
    b.at(0.5, "deposit", ASSET, 1_000)
    b.at(0.6, "borrow", QUOTE, 100)  # before the pool has a price
    b.at(4.0, "borrow", QUOTE, 6_000.01)  # room: 1000 · 10 · 0.6 = 6000
    b.at(5.0, "borrow", QUOTE, 6_000)
    b.at(6.0, "release", ASSET, 200)  # HF 800 · 10 · 0.7 / 6000 = 0.933
    b.at(7.0, "release", ASSET, 100)  # HF 900 · 10 · 0.7 / 6000 = 1.05: allowed above the LTV
    b.at(8.0, "deposit", ASSET, 500_000)
    b.at(9.0, "borrow", QUOTE, 994_001)  # 1,000,000 supplied, 6,000 lent
    t = world.run()
    pool_recs = [i for i in range(len(t.kind)) if t.node[i] == "pool" and t.account[i] == "borrower"]
    assert [(t.kind[i], t.info[i]) for i in pool_recs] == [
        ("deposit", "RKT"),
        ("refused", "borrow USDT: no oracle price"),
        ("refused", "borrow USDT: beyond LTV"),
        ("borrow", "USDT"),
        ("refused", "release RKT: health factor"),
        ("release", "RKT"),
        ("deposit", "RKT"),
        ("refused", "borrow USDT: liquidity"),
    ]
    assert [u.ok for _, u in b.updates] == [True, False, False, True, False, True, True, False]
    assert [when for when, _ in b.updates] == pytest.approx([t.t[i] + BORROWER_LINK for i in pool_recs])
    assert b.updates[5][1].health_factor == pytest.approx(1.05)
    assert world.ledger.of("borrower").quote == 6_000
    check_pool_money(world)


def test_interest_accrues_at_the_kinked_rate_and_stays_in_the_pool(raw):
    # U = 500k / 1M = 0.5 below the 80% kink: r = 4% · 0.5 / 0.8 = 2.5% a year, compounded continuously
    raw["lending"]["pool"]["quote"]["rate"] = {"base": 0, "slope1": "4%", "slope2": "75%", "optimal": "80%"}
    raw["oracle"]["oracle"]["heartbeat"] = "1000d"  # no accrual in between
    raw["experiment"]["duration"] = YEAR + 100
    world = LendingWorld(raw)
    b = world.borrower
    world.ledger.endow(b.account, ASSET, 100_000)
    world.ledger.endow(b.account, QUOTE, 20_000)
    world.price_at(1.0, 10.0)
    b.at(4.0, "deposit", ASSET, 100_000)
    b.at(5.0, "borrow", QUOTE, 500_000)
    b.at(5.0 + YEAR, "repay", QUOTE, math.inf)  # everything owed
    b.at(6.0 + YEAR, "release", ASSET, math.inf)
    supplier = world.ledger.account("suppliers")
    world.env.process(_withdraw_all(world, supplier, 7.0 + YEAR))
    t = world.run()
    owed = 500_000 * math.exp(0.025)
    (repay,) = records(t, "repay")
    assert t.qty[repay] == pytest.approx(owed, rel=1e-9)
    pool = world.pool
    assert pool.book.interest[QUOTE] == pytest.approx(owed - 500_000, rel=1e-9)
    assert world.ledger.of("borrower").quote == pytest.approx(520_000 - owed, rel=1e-9)
    assert world.ledger.of("borrower").asset == 100_000
    # the supplier takes back its principal; the interest stays in the reserve
    assert world.ledger.of("suppliers").quote == 1_000_000
    assert world.ledger.balance(pool.account, QUOTE) == pytest.approx(owed - 500_000, rel=1e-9)
    check_pool_money(world)


def _withdraw_all(world: LendingWorld, account: int, at: float):
    yield world.env.timeout(at)
    world.pool.receive(PoolRequest(-1, account, "withdraw", QUOTE, math.inf))


def test_vectorised_health_factors_match_the_mechanics(raw):
    world = crash_world(raw)
    world.env.run(until=50)
    book = world.pool.book
    row = book.rows[world.borrower.account]
    p = book.prices()
    expected = health_factor(book.collateral[row] * p, book.thresholds, book.debt(row) * p)
    assert expected == pytest.approx(1000 * 10 * 0.7 / 5500)
    assert book.health_factors()[row] == pytest.approx(expected, rel=1e-15)
    assert book.health_factors()[book.rows[world.ledger.account("suppliers")]] == math.inf


def test_a_world_with_a_pool_runs_and_conserves_money(raw):
    raw["igniter"] = {"seller": {"venue": "spot", "side": "sell", "notional": 200_000, "start": "10s"}}
    raw["link"]["seller"] = {"src": "seller", "dst": "spot", "kind": "order", "latency": "20ms"}
    result = World(from_dict(raw)).run()
    t = result.trace
    supplies = records(t, "supply", "pool")
    assert t.t[supplies].tolist() == [0.0, 0.0]
    assert t.qty[supplies].tolist() == [1_000_000, 50_000]
    oracle = records(t, "oracle", "oracle")
    assert len(oracle) >= 2 and t.price[oracle[-1]] < 7.5 * 0.995
    assert result.ledger.of("pool:reserve").quote == 1_000_000
    assert result.ledger.of("token_lenders").asset == 0


@pytest.mark.parametrize(
    "change, key",
    [
        ({"link": {"oracle-pool": {"kind": "order"}}}, "link.oracle-pool.kind"),
        ({"link": {"liq-spot": None}}, "liquidator.liq.venue"),
        ({"link": {"pool-liq": None}}, "liquidator.liq.pool"),
        ({"lending": {"pool": {"oracle": "orcale"}}}, "lending.pool.oracle"),
        ({"liquidator": {"liq": {"pool": "spot"}}}, "liquidator.liq.pool"),
        ({"lending": {"pool": {"token": {"liquidation_bonus": "50%"}}}}, "lending.pool.token.liquidation_bonus"),
        (
            {"lending": {"pool": {"token": {"liquidation_threshold": "50%"}}}},
            "lending.pool.token.liquidation_threshold",
        ),
        ({"lending": {"pool": {"quote": {"rate": {"optimal": "100%"}}}}}, "lending.pool.quote.rate.optimal"),
        ({"lending": {"pool": {"quote": {"borrowed": 1e12}}}}, "lending.pool.quote.borrowed"),
        ({"oracle": {"oracle": {"heartbeat": "0s"}}}, "oracle.oracle.heartbeat"),
    ],
)
def test_bad_lending_configs_name_the_key(raw, change, key):
    _merge(raw, change)
    with pytest.raises(ConfigError) as err:
        topology(from_dict(raw))
    assert err.value.key == key


def _merge(raw: dict, change: dict) -> None:
    for k, v in change.items():
        if v is None:
            del raw[k]
        elif isinstance(v, dict):
            _merge(raw[k], v)
        else:
            raw[k] = v


def test_a_loan_update_before_the_pools_first_oracle_price_has_no_price(raw):
    world = LendingWorld(raw)
    world.ledger.endow(world.borrower.account, QUOTE, 1_000.0)
    world.borrower.at(0.0, "deposit", QUOTE, 100.0)  # at the pool at 0.01 s, its oracle's first at 0.05 s
    world.borrower.at(5.0, "deposit", QUOTE, 100.0)
    world.run()
    assert [(u.ok, u.price) for _, u in world.borrower.updates[:2]] == [(True, None), (True, 7.5)]
