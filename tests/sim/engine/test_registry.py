"""Adding a node kind is one registry entry plus its module: a "clock" participant, defined here,
that buys ``notional`` on its spot venue at time ``at``, loaded from a TOML file and run.

The module half is ``ClockSettings`` (its ``[clock.ID]`` table, checked like any section) and
``Clock`` (its process); the registry half is ``CLOCK``, one ``NodeKind``. The world is built
from ``REGISTRY + (CLOCK,)``: the module-level registry is not changed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import numpy as np
import pytest

from processes.context import Context
from processes.messages import Order
from sim.core.config import require_non_negative, require_positive
from sim.core.errors import ConfigError
from sim.core.schema import duration
from sim.core.trace import Kind
from sim.engine.config import ExperimentConfig, config_class, from_dict, topology
from sim.engine.registry import REGISTRY, NodeKind
from sim.engine.world import World
from sim.market.assets import QUOTE
from sim.market.sides import BUY
from topology.graph import NeededLink

# ----------------------------------------------------------------------------- the kind's module


@dataclass
class ClockSettings:
    """At ``at``, one market buy of ``notional`` on spot venue ``venue``."""

    venue: str
    notional: float
    at: float = duration(1.0)

    def check(self, key: str) -> None:
        require_positive(self.notional, f"{key}.notional")
        require_non_negative(self.at, f"{key}.at")


class Clock:
    """Records an ``ignite`` record at ``at`` (an exogenous order, in the trace's vocabulary,
    sim.core.trace.Kind) and sends the buy it causes."""

    def __init__(self, ctx: Context, name: str, cfg: ClockSettings) -> None:
        self.ctx, self.name, self.cfg = ctx, name, cfg
        self.account = ctx.ledger.account(name)
        self.out = ctx.network.channel(name, cfg.venue)

    def start(self) -> None:
        self.ctx.ledger.endow(self.account, QUOTE, self.cfg.notional)
        self.ctx.env.process(self._run())

    def _run(self):
        yield self.ctx.env.timeout(self.cfg.at)
        rid = self.ctx.trace.record(self.ctx.env.now, Kind.IGNITE, self.name, -1, self.name, BUY)
        self.out.send(Order(rid, self.account, BUY, notional=self.cfg.notional))


# ----------------------------------------------------------------------------- its registry entry

CLOCK = NodeKind(
    "clock",
    ClockSettings,
    lambda ctx, n, s, config: Clock(ctx, n, s),
    references=(("venue", ("spot",)),),
    needs=lambda s, n: [NeededLink(n, s.venue, "order", f"clock.{n}.venue")],
)
KINDS = (*REGISTRY, CLOCK)

EXPERIMENT = """
[experiment]
name = "clockwork"
duration = "5s"

[spot.spot]
book = { mid = 10.0, asks = { notional = 100_000 }, bids = { notional = 100_000 } }

[clock.tick]
venue = "spot"
notional = 1_000
at = "2s"

[link.tick]
src = "tick"
dst = "spot"
latency = "50ms"
"""


def test_a_kind_added_in_one_entry_loads_runs_and_records_in_the_trace():
    config = from_dict(tomllib.loads(EXPERIMENT), kinds=KINDS)
    assert config.clock["tick"] == ClockSettings(venue="spot", notional=1_000.0, at=2.0)
    result = World(config).run()
    t = result.trace
    (tick,) = np.flatnonzero((t.kind == Kind.IGNITE) & (t.node == "tick"))
    assert (t.t[tick], t.node[tick]) == (2.0, "tick")
    (order,) = np.flatnonzero(t.cause == tick)  # the buy it sent, arrived after the link latency
    assert (t.kind[order], t.node[order], t.account[order]) == ("order", "spot", "tick")
    assert t.t[order] == pytest.approx(2.05)
    assert result.nodes["tick"] == "clock"


def test_the_new_kind_is_checked_like_the_others():
    raw = tomllib.loads(EXPERIMENT)
    raw["clock"]["tick"]["venue"] = "spto"
    with pytest.raises(ConfigError, match=r"clock\.tick\.venue: 'spto' is not a spot id \(did you mean 'spot'\?\)"):
        from_dict(raw, kinds=KINDS)
    raw = tomllib.loads(EXPERIMENT)
    del raw["link"]
    with pytest.raises(ConfigError, match=r"clock\.tick\.venue: no link from 'tick' to 'spot'"):
        topology(from_dict(raw, kinds=KINDS))


def test_the_registry_itself_is_unchanged():
    with pytest.raises(ConfigError, match=r"clock: unknown key"):
        from_dict(tomllib.loads(EXPERIMENT))
    assert "clock" not in ExperimentConfig.node_sections
    assert config_class(KINDS).node_sections == (*ExperimentConfig.node_sections, "clock")


def test_the_figures_draw_an_unknown_kind_in_the_other_colour():
    from sim.plots import style
    from sim.plots.topology import RunFlow, topology_figure

    config = from_dict(tomllib.loads(EXPERIMENT), kinds=KINDS)
    assert style.node_colors({"tick": "clock"}) == {"tick": style.OTHER_COLOR}
    fig = topology_figure(topology(config), "clockwork", RunFlow.from_trace(World(config).run().trace))
    assert {t.get_text() for t in fig.axes[0].texts} >= {"tick", "spot"}
