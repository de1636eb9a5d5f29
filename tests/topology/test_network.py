"""Message delivery along links: a message arrives after exactly the link's latency, in order."""

import networkx as nx
import numpy as np
import pytest
import simpy

from sim.core.config import Latency
from topology.network import Network


def two_node_graph(latency: Latency) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_node("mm", kind="market_maker")
    graph.add_node("spot", kind="spot")
    graph.add_edge("mm", "spot", id="hedge", kind="hedge", latency=latency)
    return graph


def network(env: simpy.Environment, latency: Latency) -> Network:
    return Network(env, two_node_graph(latency), lambda name: np.random.default_rng(0))


def test_message_sent_at_one_second_over_250ms_arrives_at_1_25():
    env = simpy.Environment()
    net = network(env, Latency(model="constant", value=0.25))
    received = []
    net.attach("spot", lambda msg: received.append((env.now, msg)))

    def sender():
        yield env.timeout(1.0)
        assert net.channel("mm", "spot").send("buy 100") == 0.25

    env.process(sender())
    env.run()
    assert received == [(1.25, "buy 100")]


def test_nothing_arrives_before_the_latency_has_passed():
    env = simpy.Environment()
    net = network(env, Latency(model="constant", value=0.25))
    received = []
    net.attach("spot", received.append)
    net.channel("mm", "spot").send("m")
    env.run(until=0.2499)
    assert received == []
    env.run(until=0.3)
    assert received == ["m"]


def test_messages_on_a_constant_link_arrive_in_send_order():
    env = simpy.Environment()
    net = network(env, Latency(model="constant", value=0.05))
    received = []
    net.attach("spot", lambda msg: received.append((env.now, msg)))
    channel = net.channel("mm", "spot")

    def sender():
        for i in range(5):
            channel.send(f"burst {i}")  # five at the same instant
        yield env.timeout(0.01)
        channel.send("later")

    env.process(sender())
    env.run()
    assert [m for _, m in received] == ["burst 0", "burst 1", "burst 2", "burst 3", "burst 4", "later"]
    assert [t for t, _ in received] == [0.05] * 5 + [pytest.approx(0.06)]
    assert channel.sent == 6


def test_channel_carries_the_link_kind_and_ends():
    env = simpy.Environment()
    net = network(env, Latency(model="constant", value=0.1))
    channel = net.channel("mm", "spot")
    assert (channel.src, channel.dst, channel.kind) == ("mm", "spot", "hedge")
    assert net.channels() == [channel]


def test_a_missing_link_cannot_be_used():
    env = simpy.Environment()
    net = network(env, Latency(model="constant", value=0.1))
    with pytest.raises(KeyError):
        net.channel("spot", "mm")


def test_random_latency_link_delivers_after_the_sampled_delay():
    env = simpy.Environment()
    net = network(env, Latency(model="uniform", low=0.01, high=0.02))
    received = []
    net.attach("spot", lambda msg: received.append(env.now))
    delays = [net.channel("mm", "spot").send(i) for i in range(20)]
    env.run()
    assert all(0.01 <= d <= 0.02 for d in delays)
    assert sorted(received) == sorted(delays)


def test_each_link_gets_its_own_generator_named_after_the_link():
    names = []

    def rng_for(name):
        names.append(name)
        return np.random.default_rng(0)

    graph = two_node_graph(Latency(model="constant", value=0.1))
    graph.add_edge("spot", "mm", id="spot-mm", kind="md", latency=Latency(model="constant", value=0.05))
    Network(simpy.Environment(), graph, rng_for)
    assert sorted(names) == ["link:hedge", "link:spot-mm"]
