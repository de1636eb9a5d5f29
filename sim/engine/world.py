"""One simulated world built from a Config: nodes, links, accounts, and a run of it."""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from processes.context import Context
from sim.analysis.metrics import summarize
from sim.core.config import Config, config_hash, node_kinds
from sim.core.ledger import Ledger
from sim.core.trace import Trace, TraceTable
from sim.engine.config import topology
from sim.engine.invariants import Invariants, run_checked
from sim.engine.registry import NodeKind
from topology.fast import events_scheduled
from topology.network import Network


def component_rng(seed: int, name: str) -> np.random.Generator:
    """The Generator of component ``name``: independent of every other component's."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),)))


@dataclass
class RunResult:
    """What a run produced: the config, the trace as arrays, the summary and the final ledger
    (None for a run opened from its folder, which does not keep the ledger)."""

    config: Config
    trace: TraceTable
    summary: dict
    ledger: Ledger | None
    nodes: dict[str, str] = field(default_factory=dict)

    def dataframe(self):
        """The trace as a pandas DataFrame (requires pandas)."""
        return self.trace.to_dataframe()


class World:
    """All nodes of one experiment wired over its topology, ready to run once."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.seed = config.experiment.seed
        self.env = simpy.Environment()
        self.trace = Trace()
        self.ledger = Ledger(config.experiment.quote, config.experiment.asset)
        self.graph = topology(config)
        self.network = Network(self.env, self.graph, self.rng_for)
        self.ctx = Context(self.env, self.trace, self.ledger, self.network, self.rng_for)
        self.nodes_kinds = node_kinds(config)
        self.by_section = {
            kind.section: {name: kind.build(self.ctx, name, s, config) for name, s in self._settings(kind).items()}
            for kind in config.kinds
        }
        for nodes in self.by_section.values():
            for name, node in nodes.items():
                if hasattr(node, "receive"):
                    self.network.attach(name, node.receive)
        self.network.check_attached()
        self.wall_time = 0.0

    def _settings(self, kind: NodeKind) -> dict[str, Any]:
        """The settings of every node of ``kind``, by id."""
        return getattr(self.config, kind.section)

    def _nodes_with(self, attribute: str) -> dict[str, Any]:
        """The nodes that have ``attribute`` (venues: a matching ``engine``, perps: ``positions``)."""
        return {n: node for nodes in self.by_section.values() for n, node in nodes.items() if hasattr(node, attribute)}

    def rng_for(self, name: str) -> np.random.Generator:
        return component_rng(self.seed, name)

    def _open(self) -> None:
        """Initial state at t = 0, kind by kind in registry order: first each kind's opening
        (books, positions, endowments), then every node that starts has its processes started."""
        for kind in self.config.kinds:
            if kind.open is not None:
                for name, node in self.by_section[kind.section].items():
                    kind.open(self, name, node, self._settings(kind)[name])
        for kind in self.config.kinds:
            if kind.starts:
                for node in self.by_section[kind.section].values():
                    node.start()

    def run(self, check_every_event: bool = False) -> RunResult:
        """Run the experiment for its duration, check its invariants and summarise it.

        Raises InvariantError (sim/engine/invariants.py) on a violation; ``check_every_event`` also
        checks the state invariants after every event (slow; for debugging).
        """
        started = time.perf_counter()
        self._open()
        invariants = Invariants(self, every_event=check_every_event)
        if check_every_event:
            run_checked(self.env, self.config.experiment.duration, invariants.after_event)
        else:
            self.env.run(until=self.config.experiment.duration)
        self.wall_time = time.perf_counter() - started
        table = self.trace.table()
        invariants.check_end(table)
        summary = {
            "experiment": self.config.experiment.name,
            "seed": self.seed,
            "config_hash": config_hash(self.config),
            "simulated_s": self.config.experiment.duration,
            **summarize(table, self.nodes_kinds),
            "engine": {
                name: {
                    "processed": v.engine.processed,
                    "max_queue": v.engine.max_queue,
                    "max_wait_s": v.engine.max_wait,
                }
                for name, v in self._nodes_with("engine").items()
            },
            "positions": {name: len(v.positions.qty) for name, v in self._nodes_with("positions").items()},  # ever held
            "events_processed": events_scheduled(self.env),
            "wall_time_s": round(self.wall_time, 4),
        }
        return RunResult(self.config, table, summary, self.ledger, dict(self.nodes_kinds))
