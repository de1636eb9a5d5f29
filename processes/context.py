"""What every node of a world shares: the clock, the trace, the ledger and the links."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from processes.messages import Order
from sim.core.ledger import Ledger
from sim.core.trace import Kind, Trace
from topology.network import Network


@dataclass
class Context:
    env: simpy.Environment
    trace: Trace
    ledger: Ledger
    network: Network
    rng_for: Callable[[str], np.random.Generator]

    def out_channels(self, node: str, kind: str | None = None) -> list:
        """The links leaving ``node`` (of ``kind``, if given), in graph order."""
        graph = self.network.graph
        return [
            self.network.channel(node, dst)
            for dst in graph.successors(node)
            if kind is None or graph.edges[node, dst]["kind"] == kind
        ]

    def record_order(self, venue: str, msg: Order) -> int:
        """The ``order`` record of a taker order arriving at ``venue``: its qty, or its notional
        when it is by notional (the other an empty cell); info "empty" when it is for nothing."""
        by_notional = msg.by_notional
        size = msg.notional if by_notional else msg.qty
        return self.trace.record(
            self.env.now,
            Kind.ORDER,
            venue,
            msg.cause,
            self.ledger.names[msg.account],
            msg.side,
            math.nan,
            math.nan if by_notional else msg.qty,
            msg.notional if by_notional else math.nan,
            "" if size > 0 else "empty",
        )
