"""The push oracle publishes on a deviation band at once and on a heartbeat exactly (MECHANICS.md §1)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import simpy

from processes.context import Context
from processes.messages import MarketData, PriceUpdate
from processes.oracle import PushOracle
from processes.oracle_settings import OracleSettings
from sim.core.config import Latency
from sim.core.ledger import Ledger
from sim.core.trace import Kind, Trace
from topology.network import Network

LINK = 0.25  # oracle -> subscriber

# (time, price) of the source's market data, and what the oracle must publish (band 0.5%, heartbeat 60 s)
PATH = [(0, 10.00), (10, 10.04), (20, 10.06), (30, 10.08), (100, 10.00), (130, 10.04), (200, 9.99), (250, 9.93)]
PUBLISHED = [
    (0, 10.00, "first"),
    (20, 10.06, "deviation"),  # 0.6% from 10.00
    (80, 10.08, "heartbeat"),  # 60 s after 20, the latest price
    (100, 10.00, "deviation"),  # 0.79% from 10.08
    (160, 10.04, "heartbeat"),
    (220, 9.99, "heartbeat"),  # 9.99 is 0.498% from 10.04: inside the band
    (250, 9.93, "deviation"),
    (310, 9.93, "heartbeat"),
    (370, 9.93, "heartbeat"),
]


class Subscriber:
    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.got: list[tuple[float, PriceUpdate]] = []

    def receive(self, msg: PriceUpdate) -> None:
        self.got.append((self.env.now, msg))


def oracle_world(start_at: float = 0.0):
    env = simpy.Environment()
    graph = nx.DiGraph()
    graph.add_node("spot", kind="spot")
    graph.add_node("oracle", kind="oracle")
    graph.add_node("pool", kind="lending")
    graph.add_edge("oracle", "pool", id="oracle-pool", kind="oracle", latency=Latency(value=LINK))
    network = Network(env, graph, lambda name: np.random.default_rng(0))
    ctx = Context(env, Trace(), Ledger(), network, lambda name: np.random.default_rng(0))
    oracle = PushOracle(ctx, "oracle", OracleSettings(source="spot", deviation=0.005, heartbeat=60.0))
    sub = Subscriber(env)
    network.attach("pool", sub.receive)
    oracle.start()

    def script():
        yield env.timeout(start_at)
        for t, price in PATH:
            yield env.timeout(start_at + t - env.now)
            rid = ctx.trace.record(env.now, Kind.TRADE, "spot", price=price)
            oracle.receive(MarketData(rid, "spot", price, price, price, price, price, 1000.0))

    env.process(script())
    return env, ctx, sub


def test_publications_are_deviation_crossings_at_once_and_heartbeats_exactly():
    env, ctx, sub = oracle_world()
    env.run(until=400)
    t = ctx.trace.table()
    rec = np.flatnonzero(t.kind == "oracle")
    assert [(float(t.t[i]), float(t.price[i]), t.info[i]) for i in rec] == [
        (pytest.approx(when, abs=1e-9), price, why) for when, price, why in PUBLISHED
    ]
    # each publication reaches the subscriber one link latency later, with the record's id as cause
    assert [(when, m.price, m.cause) for when, m in sub.got] == [
        (pytest.approx(t.t[i] + LINK, abs=1e-9), t.price[i], i) for i in rec
    ]


def test_a_publication_is_caused_by_the_market_data_behind_its_price():
    env, ctx, _ = oracle_world()
    env.run(until=400)
    t = ctx.trace.table()
    rec = np.flatnonzero(t.kind == "oracle")
    causes = t.cause[rec]
    assert (t.kind[causes] == "trade").all()
    np.testing.assert_allclose(t.price[causes], t.price[rec])  # the update that set the published price


def test_no_heartbeat_before_the_first_price():
    env, ctx, sub = oracle_world(start_at=150.0)
    env.run(until=200)
    t = ctx.trace.table()
    rec = np.flatnonzero(t.kind == "oracle")
    assert t.t[rec].tolist() == [150.0, 170.0]
    assert len(sub.got) == 2


def test_a_publication_shares_its_move_between_the_updates_since_the_last_one():
    env, ctx, _ = oracle_world()
    env.run(until=110)
    t = ctx.trace.table()
    rows = t.contributors.of(t.cause)
    kinds = [(i, t.kind[i], float(t.price[i])) for i in range(len(t))]
    assert kinds[:9] == [
        (0, "trade", 10.00),
        (1, "oracle", 10.00),
        (2, "trade", 10.04),
        (3, "trade", 10.06),
        (4, "oracle", 10.06),
        (5, "trade", 10.08),
        (6, "oracle", 10.08),
        (7, "trade", 10.00),
        (8, "oracle", 10.00),
    ]
    assert rows[1] == [(0, 1.0)]  # the first: the price it found
    # 10.00 -> 10.04 -> 10.06: two thirds and one third of the move; 10.06 set the published price
    assert [r for r, _ in rows[4]] == [2, 3] and [s for _, s in rows[4]] == pytest.approx([2 / 3, 1 / 3])
    assert t.cause[4] == 3
    assert (rows[6], rows[8]) == ([(5, 1.0)], [(7, 1.0)])
