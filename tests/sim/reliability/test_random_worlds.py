"""Random small worlds run to completion with every invariant holding, checked after every event.

A failure names the invariant (or the exception) and prints the shrunk world as TOML, ready
to save as an experiment file and rerun with ``perpsim run FILE --check-every-event``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from random_worlds import valid_worlds

from processes.spot_venue import SpotVenue
from sim.core.config import read_toml, to_toml
from sim.engine.config import from_dict
from sim.engine.world import World

WORLDS = 400  # about 50 s on the project's 2-core machine (the budget is 60-90 s)
ROCKET = Path(__file__).resolve().parents[3] / "runs" / "rocket.toml"


def run_world(raw: dict) -> None:
    """Run a raw world with every-event checks; AssertionError with the world's TOML if it fails."""
    config = from_dict(raw)
    try:
        World(config).run(check_every_event=True)
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}\n\n# the failing world:\n{to_toml(config)}") from exc


@settings(max_examples=WORLDS, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_worlds())
def test_a_random_world_keeps_every_invariant(raw):
    run_world(raw)


def test_a_failure_prints_the_world_as_toml_that_loads_back(monkeypatch):
    raw = read_toml(ROCKET)
    raw["experiment"]["duration"] = "20s"
    settle = SpotVenue._settle

    def leaky(self, taker, side, fills, cause):  # an engine bug: every trade creates a coin
        self.ctx.ledger.balances[0][taker] += 1.0
        return settle(self, taker, side, fills, cause)

    monkeypatch.setattr(SpotVenue, "_settle", leaky)
    with pytest.raises(AssertionError) as exc:
        run_world(raw)
    message = str(exc.value)
    assert message.startswith("InvariantError: invariant conservation violated at t=")
    assert from_dict(tomllib.loads(message.split("# the failing world:\n")[1])) == from_dict(raw)
