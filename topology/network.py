"""Delivery of messages along topology links.

``Network.channel(src, dst)`` returns the link's Channel; ``Channel.send(msg)`` samples the
link's latency and puts a pre-triggered event (``Delivery``) in SimPy's queue whose callback
hands ``msg`` to the destination's handler. There is no process per message, and no way to
reach another node except through a link. Delivered events are recycled for the next
messages, so a message allocates nothing but SimPy's queue entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import simpy
from simpy.events import NORMAL

from sim.core.errors import ConfigError
from topology.latency import LatencyModel

Handler = Callable[[Any], None]


class Delivery:
    """A triggered event carrying ``value``, scheduled with ``env.schedule``: all that SimPy's
    ``Environment.step`` reads (``callbacks``, then ``_ok``), without a Timeout's checks.

    ``callbacks`` is a list shared by every delivery of one sender: SimPy only iterates it,
    after setting the event's attribute to None. Once its callback has started, SimPy no
    longer looks at the event, so the callback may put it back in a pool to be reused.
    """

    __slots__ = ("callbacks", "value")
    _ok = True

    def __init__(self) -> None:
        self.callbacks: list[Callable[[Delivery], None]] | None = None
        self.value: Any = None


class Channel:
    """One directed link: latency model, destination handler, and a message count."""

    __slots__ = (
        "env",
        "id",
        "src",
        "dst",
        "kind",
        "model",
        "_handler",
        "sent",
        "_constant",
        "_callbacks",
        "_schedule",
        "_free",
        "_delays",
    )

    def __init__(self, env: simpy.Environment, lid: str, src: str, dst: str, kind: str, model: LatencyModel) -> None:
        self.env = env
        self.id = lid
        self.src = src
        self.dst = dst
        self.kind = kind
        self.model = model
        self._handler: Handler | None = None
        self.sent = 0
        self._constant = model.constant
        self._callbacks = [self._deliver]
        self._schedule = env.schedule
        self._free: list[Delivery] = []  # delivered events, for reuse
        self._delays: list[float] = []  # a random model's next delays, last first

    def send(self, msg: Any) -> float:
        """Deliver ``msg`` to the destination after the link's latency; returns the delay."""
        delay = self._constant
        if delay is None:
            if not self._delays:
                self._delays = self.model.block()
            delay = self._delays.pop()
        self.sent += 1
        event = self._free.pop() if self._free else Delivery()
        event.callbacks = self._callbacks
        event.value = msg
        self._schedule(event, NORMAL, delay)
        return delay

    def _deliver(self, event: Delivery) -> None:
        msg = event.value
        event.value = None
        self._free.append(event)
        self._handler(msg)


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
                channel._handler = handler

    def check_attached(self) -> None:
        """Every link must lead to a node that receives messages."""
        for channel in self._channels.values():
            if channel._handler is None:
                kind = self.graph.nodes[channel.dst]["kind"]
                raise ConfigError(f"link.{channel.id}.dst", f"'{channel.dst}' ({kind}) receives no messages")

    def channel(self, src: str, dst: str) -> Channel:
        """The link from ``src`` to ``dst`` (validated to exist when the graph was built)."""
        return self._channels[src, dst]

    def channels(self) -> list[Channel]:
        return list(self._channels.values())
