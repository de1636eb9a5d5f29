"""One simulated world built from a Config: nodes, links, accounts, and a run of it."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from processes.basis_trader import BasisTrader
from processes.context import Context
from processes.flow import Igniter, NoiseTrader
from processes.forward import ForwardBorrower
from processes.holder import Holder
from processes.index_publisher import IndexPublisher
from processes.lending_pool import LendingPool
from processes.liquidator import Liquidator
from processes.liquidity import LiquidityProvider
from processes.market_maker import MarketMaker
from processes.option_mm import OptionMarketMaker
from processes.oracle import PushOracle
from processes.order_flow import OrderFlow
from processes.perp_venue import PerpVenue, margin_tiers
from processes.profit_taker import ProfitTaker
from processes.quoting_borrower import QuotingBorrower
from processes.spot_venue import SpotVenue
from processes.unwinder import Unwinder
from sim.config import Config, config_hash, node_kinds, node_sections
from sim.invariants import Invariants, run_checked
from sim.ledger import QUOTE, Ledger
from sim.metrics import summarize
from sim.populations import build_cohorts, check_cohorts
from sim.trace import Trace, TraceTable
from topology.fast import events_scheduled
from topology.graph import build_graph
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


def node_builders(config: Config) -> dict[str, Callable[[Context, str, Any], Any]]:
    """Per node section, in declaration order, how to build one node from its config."""

    def tick(venue: str) -> float:
        return config.spot[venue].tick

    def opening(venue: str) -> float:
        return config.spot[venue].book.mid

    def holds(perp: str) -> str:
        """What a perp's waterfall hands over: its liquidator vault on hyperliquid, else its fund."""
        return "vault" if config.perp[perp].style == "hyperliquid" else "insurance"

    def perp_opening(perp: str) -> float:
        """A perp's opening price: its index's first source's opening mid."""
        return opening(next(iter(config.index[config.perp[perp].index].sources)))

    builders = {
        "spot": SpotVenue,
        "index": IndexPublisher,
        "perp": lambda ctx, n, c: PerpVenue(
            ctx, n, c, next((u for u, w in config.unwinder.items() if w.perp == n), None)
        ),
        "market_maker": lambda ctx, n, c: MarketMaker(ctx, n, c, config.perp[c.perp].tick),
        "liquidity": lambda ctx, n, c: LiquidityProvider(ctx, n, c, tick(c.venue)),
        "igniter": lambda ctx, n, c: Igniter(
            ctx, n, c, perp_opening(c.venue) if c.venue in config.perp else opening(c.venue), c.venue in config.perp
        ),
        "noise": lambda ctx, n, c: NoiseTrader(ctx, n, c, perp_opening(c.venue) if c.venue in config.perp else None),
        "basis": BasisTrader,
        "option_mm": lambda ctx, n, c: OptionMarketMaker(ctx, n, c, tick(c.venue), opening(c.venue)),
        "holder": Holder,
        "forward": ForwardBorrower,
        "quoting_borrower": lambda ctx, n, c: QuotingBorrower(ctx, n, c, tick(c.venue)),
        "profit_taker": lambda ctx, n, c: ProfitTaker(ctx, n, c, tick(c.venue), opening(c.venue)),
        "order_flow": lambda ctx, n, c: OrderFlow(ctx, n, c, tick(c.venue), opening(c.venue)),
        "oracle": PushOracle,
        "lending": LendingPool,
        "liquidator": lambda ctx, n, c: Liquidator(ctx, n, c, config.lending[c.pool]),
        "unwinder": lambda ctx, n, c: Unwinder(ctx, n, c, holds(c.perp)),
    }
    return {section: builders[section] for section in node_sections() if section in builders}


class World:
    """All nodes of one experiment wired over its topology, ready to run once."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.seed = config.experiment.seed
        self.env = simpy.Environment()
        self.trace = Trace()
        self.ledger = Ledger(config.experiment.quote, config.experiment.asset)
        self.graph = build_graph(config)
        self.network = Network(self.env, self.graph, self.rng_for)
        self.ctx = Context(self.env, self.trace, self.ledger, self.network, self.rng_for)
        self.nodes_kinds = node_kinds(config)
        self.by_section = {
            section: {name: build(self.ctx, name, cfg) for name, cfg in getattr(config, section).items()}
            for section, build in node_builders(config).items()
        }
        self.spots = self.by_section["spot"]
        self.perps = self.by_section["perp"]
        self.market_makers = self.by_section["market_maker"]
        self.basis = self.by_section["basis"]
        for nodes in self.by_section.values():
            for name, node in nodes.items():
                if hasattr(node, "receive"):
                    self.network.attach(name, node.receive)
        self.network.check_attached()
        self.wall_time = 0.0

    def rng_for(self, name: str) -> np.random.Generator:
        return component_rng(self.seed, name)

    def _open(self) -> None:
        """Initial state at t = 0: books, positions, endowments, processes started."""
        cfg = self.config
        for spot in self.spots.values():
            spot.open()
        for name, perp in self.perps.items():
            tiers = margin_tiers(cfg.perp[name])
            opening = cfg.spot[next(iter(cfg.index[cfg.perp[name].index].sources))].book.mid
            cohorts = []
            for pop_id, pop in cfg.perp[name].populations.items():
                built = build_cohorts(pop_id, pop, tiers, self.rng_for(f"population:{name}:{pop_id}"))
                check_cohorts(f"perp.{name}.populations.{pop_id}", pop, built, tiers, opening)
                cohorts += built
            perp.open(cohorts)
        for name, mm in self.market_makers.items():
            mcfg = cfg.market_maker[name]
            self.ledger.endow(mm.account, QUOTE, mcfg.capital)
            if mcfg.tokens:
                self.ledger.endow(mm.account, 1, mcfg.tokens)
            self.perps[mcfg.perp].deposit(mm.account, mcfg.margin)
        for section, nodes in self.by_section.items():
            if section not in ("spot", "perp"):
                for node in nodes.values():
                    node.start()

    def run(self, check_every_event: bool = False) -> RunResult:
        """Run the experiment for its duration, check its invariants and summarise it.

        Raises InvariantError (sim/invariants.py) on a violation; ``check_every_event`` also
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
                for name, v in {**self.spots, **self.perps}.items()
            },
            "positions": {name: len(v.positions.qty) for name, v in self.perps.items()},  # records ever held
            "events_processed": events_scheduled(self.env),
            "wall_time_s": round(self.wall_time, 4),
        }
        return RunResult(self.config, table, summary, self.ledger, dict(self.nodes_kinds))
