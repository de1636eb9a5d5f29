"""The basis trader enters on high funding with equal perp and spot legs, and exits when it falls."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.engine.config import from_dict
from sim.engine.world import World
from tests.worlds import small_raw


def rich_perp_world() -> dict:
    """The small world without igniter; the MM quotes the perp 5% above the index source: high funding."""
    raw = small_raw()
    del raw["igniter"]
    del raw["link"]["whale"]
    raw["experiment"]["duration"] = "10min"
    raw["spot"]["rich"] = copy.deepcopy(raw["spot"]["spot"])
    raw["spot"]["rich"]["book"]["mid"] = 10.5
    raw["market_maker"]["mm"]["reference"] = "rich"
    raw["link"]["spot-mm"]["src"] = "rich"
    raw["basis"] = {
        "carry": {
            "perp": "perp",
            "spot": "spot",
            "capital": 100_000,
            "clip": 10_000,
            "enter_above": "20%",
            "exit_below": "5%",
            "cooldown": "0s",
        }
    }
    raw["link"]["carry-perp"] = {"src": "carry", "dst": "perp", "kind": "order", "latency": "10ms"}
    raw["link"]["perp-carry"] = {"src": "perp", "dst": "carry", "kind": "md", "latency": "10ms"}
    raw["link"]["carry-spot"] = {"src": "carry", "dst": "spot", "kind": "order", "latency": "10ms"}
    return raw


def test_high_funding_draws_the_basis_trader_in_with_equal_legs():
    world = World(from_dict(rich_perp_world()))
    result = world.run()
    t = result.trace
    decisions = np.flatnonzero(t.kind == "basis")
    assert len(decisions) >= 5
    rates = np.array([float(info.split("=")[1]) for info in t.info[decisions]])
    sides = t.side[decisions]
    assert sides[0] == -1  # it enters first: short the perp
    assert (rates[sides == -1] > 0.20).all() and (rates[sides == 1] < 0.05).all()
    # its own spot buying lifts the index source toward the rich perp: the basis closes and it unwinds
    carry = world.by_section["basis"]["carry"]
    tokens = result.ledger.of("carry").asset
    assert t.qty[decisions][sides == -1].sum() > 0
    assert tokens == pytest.approx(carry.short, rel=1e-9, abs=1e-9)  # the same quantity on both legs
    perp = world.by_section["perp"]["perp"]
    pid = perp.pid_of[result.ledger.account("carry")]
    assert perp.positions.qty[pid] == pytest.approx(carry.short, rel=1e-12)
    # capital is finite: it stops when the cash runs out
    assert result.ledger.of("carry").quote >= 0


def test_the_basis_trader_stays_out_when_funding_is_low():
    raw = rich_perp_world()
    # the capped rate is 0.75% per 8 h (0.75 × 1% MMR) = 821% a year: set the bar above it
    raw["basis"]["carry"]["enter_above"] = "900%"
    raw["basis"]["carry"]["exit_below"] = "0%"
    result = World(from_dict(raw)).run()
    assert not (result.trace.kind == "basis").any()
