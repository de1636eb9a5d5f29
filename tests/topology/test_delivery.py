"""Delivery events: recycled after use, same times and order as SimPy timeouts would give."""

from __future__ import annotations

import networkx as nx
import numpy as np
import simpy

from processes.engine import MatchingEngine
from sim.core.config import Latency
from topology.latency import LatencyModel
from topology.network import Network


def line(latency: Latency) -> Network:
    graph = nx.DiGraph()
    graph.add_node("a", kind="noise")
    graph.add_node("b", kind="spot")
    graph.add_edge("a", "b", id="ab", kind="order", latency=latency)
    graph.add_edge("b", "a", id="ba", kind="md", latency=latency)
    return graph


def test_random_latency_messages_arrive_when_timeouts_would():
    latency = Latency(model="uniform", low=0.001, high=0.05)
    arrivals = {}
    for how in ("delivery", "timeout"):
        env = simpy.Environment()
        net = Network(env, line(latency), lambda name: np.random.default_rng(1))
        got = arrivals[how] = []
        net.attach("b", lambda msg, got=got, env=env: got.append((env.now, msg)))
        model = LatencyModel(latency, np.random.default_rng(1))  # the link's generator, drawn the same way
        delays = (d for _ in range(3) for d in model.block()[::-1])  # in order: 3 blocks of 1024

        def sender(env=env, net=net, how=how, delays=delays, got=got):
            def arrive(event, env=env, got=got):
                got.append((env.now, event.value))

            for i in range(3000):
                if how == "delivery":
                    net.channel("a", "b").send(i)
                else:
                    simpy.Timeout(env, next(delays), i).callbacks.append(arrive)
                yield env.timeout(0.0005)

        env.process(sender())
        env.run()
    assert arrivals["delivery"] == arrivals["timeout"]


def test_delivered_events_are_reused_so_a_link_allocates_only_its_peak_in_flight():
    env = simpy.Environment()
    net = Network(env, line(Latency(model="constant", value=0.01)), lambda name: np.random.default_rng(0))
    received = []
    net.attach("b", received.append)
    ab = net.channel("a", "b")

    def sender():
        for i in range(1000):
            ab.send(i)
            yield env.timeout(0.004)  # at most 3 in flight

    env.process(sender())
    env.run()
    assert received == list(range(1000))
    assert len(ab._free) <= 3
    assert all(event.value is None for event in ab._free)  # no message kept alive


def test_a_handler_may_send_on_the_link_it_was_delivered_by():
    env = simpy.Environment()
    net = Network(env, line(Latency(model="constant", value=0.5)), lambda name: np.random.default_rng(0))
    seen = []
    ab, ba = net.channel("a", "b"), net.channel("b", "a")

    def echo(msg):
        seen.append((env.now, msg))
        if msg < 3:
            ba.send(msg + 1)

    net.attach("b", echo)
    net.attach("a", lambda msg: (seen.append((env.now, msg)), ab.send(msg + 1)))
    ab.send(0)
    env.run()
    assert seen == [(0.5, 0), (1.0, 1), (1.5, 2), (2.0, 3), (2.5, 4)]


def test_a_finite_throughput_engine_runs_jobs_in_order_one_service_time_apart():
    env = simpy.Environment()
    done = []
    engine = MatchingEngine(env, 10.0, lambda job: done.append((round(env.now, 9), job)))
    for job in "abc":
        engine.submit(job)
    env.run()
    assert done == [(0.1, "a"), (0.2, "b"), (0.3, "c")]
    assert (engine.processed, engine.queued, engine.max_queue) == (3, 0, 3)
    assert len(engine._turns._free) == 3  # as many events as were ever queued at once
