"""Delivery of messages along topology links.

``Network.channel(src, dst)`` returns the link's Channel; ``Channel.send(msg)`` samples the
link's latency and hands ``msg`` to the destination's handler that much later, through the
Dispatcher of topology/fast.py (a recycled pre-triggered event in SimPy's queue). There is no
process per message, and no way to reach another node except through a link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import simpy
from simpy.events import NORMAL

from sim.core.errors import ConfigError
from topology.fast import Delivery, Dispatcher, Handler
from topology.latency import LatencyModel


class Channel(Dispatcher):
    """One directed link: latency model, destination handler (``handler``), and a message count."""

    __slots__ = ("id", "src", "dst", "kind", "model", "sent", "_constant", "_delays")

    def __init__(self, env: simpy.Environment, lid: str, src: str, dst: str, kind: str, model: LatencyModel) -> None:
        super().__init__(env)
        self.id = lid
        self.src = src
        self.dst = dst
        self.kind = kind
        self.model = model
        self.sent = 0
        self._constant = model.constant
        self._delays: list[float] = []  # a random model's next delays, last first

    def send(self, msg: Any) -> float:
        """Deliver ``msg`` to the destination after the link's latency; returns the delay."""
        delay = self._constant
        if delay is None:
            if not self._delays:
                self._delays = self.model.block()
            delay = self._delays.pop()
        self.sent += 1
        # ``self.call_later(delay, msg)``'s body, inlined: one Python call fewer per message is
        # 3.3% of bench_orderflow's orders per second (topology/fast.py)
        event = self._free.pop() if self._free else Delivery()
        event.callbacks = self._callbacks
        event.value = msg
        self.env.schedule(event, NORMAL, delay)
        return delay


class Network:
    """The links of one world, with the handlers of the nodes they lead to."""

    def __init__(
        self, env: simpy.Environment, graph: nx.DiGraph, rng_for: Callable[[str], np.random.Generator]
    ) -> None:
        self.graph = graph
        self._channels: dict[tuple[str, str], Channel] = {}
        for src, dst, data in graph.edges(data=True):
            model = LatencyModel(data["latency"], rng_for(f"link:{data['id']}"))
            self._channels[src, dst] = Channel(env, data["id"], src, dst, data["kind"], model)
        self._handlers: dict[str, Handler] = {}

    def attach(self, node: str, handler: Handler) -> None:
        """Register the function that receives every message delivered to ``node``."""
        self._handlers[node] = handler
        for (_, dst), channel in self._channels.items():
            if dst == node:
                channel.handler = handler

    def check_attached(self) -> None:
        """Every link must lead to a node that receives messages."""
        for channel in self._channels.values():
            if channel.handler is None:
                kind = self.graph.nodes[channel.dst]["kind"]
                raise ConfigError(f"link.{channel.id}.dst", f"'{channel.dst}' ({kind}) receives no messages")

    def channel(self, src: str, dst: str) -> Channel:
        """The link from ``src`` to ``dst`` (validated to exist when the graph was built)."""
        return self._channels[src, dst]

    def channels(self) -> list[Channel]:
        return list(self._channels.values())
