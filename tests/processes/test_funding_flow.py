"""Funding on a perp venue: a three-interval example by hand, and payments that sum to zero."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.core.trace import Kind
from sim.engine.config import from_dict
from sim.engine.world import World
from tests.worlds import small_raw


def quiet_world(hours: float = 3.0) -> dict:
    """The small world with no igniter: the MM quotes the perp symmetrically around spot = index = 10."""
    raw = small_raw()
    del raw["igniter"]
    del raw["link"]["whale"]
    raw["experiment"]["duration"] = hours * 3600 + 1
    raw["perp"]["perp"].update(funding_interval="1h", premium_interval="60s", impact_notional=4000)
    return raw


def funding_records(table):
    rates = np.flatnonzero(table.kind == "funding_rate")
    payments = np.flatnonzero(table.kind == "funding")
    return rates, payments


def test_three_intervals_of_zero_premium_pay_the_interest_rate_by_hand():
    world = World(from_dict(quiet_world()))
    result = world.run()
    positions = world.by_section["perp"]["perp"].positions
    shorts_qty = float(positions.qty[positions.side == -1].sum())  # nobody trades: the opening OI
    t = result.trace
    rates, payments = funding_records(t)
    # the MM's ladder straddles the index: impact bid < 10 < impact ask, so every premium sample is 0
    # F = P + clamp(r - P, ±0.05%) = 0.01% per 8 h; for a 1 h interval F = 0.01% / 8 = 0.0000125
    np.testing.assert_allclose(t.t[rates], [3600.0, 7200.0, 10800.0])
    np.testing.assert_allclose(t.price[rates], [0.0000125] * 3, rtol=1e-12)
    assert t.premium[rates].tolist() == [0.0] * 3 and (t.info[rates] == "").all()
    # the mark stays at the index (10): shorts receive qty × 10 × 0.0000125 per interval
    received = t.notional[payments][t.account[payments] == "shorts"]
    np.testing.assert_allclose(received, [shorts_qty * 10.0 * 0.0000125] * 3, rtol=1e-9)
    paid = t.notional[payments][t.account[payments] == "longs"]
    np.testing.assert_allclose(paid, -received, rtol=1e-9)


def test_payments_sum_to_zero_in_every_interval_and_move_margins():
    raw = quiet_world(hours=2.0)
    # a rich perp: the MM quotes around a second spot venue 5% above the index source
    raw["spot"]["rich"] = copy.deepcopy(raw["spot"]["spot"])
    raw["spot"]["rich"]["book"]["mid"] = 10.5
    raw["market_maker"]["mm"]["reference"] = "rich"
    raw["link"]["spot-mm"]["src"] = "rich"
    world = World(from_dict(raw))
    result = world.run()
    t = result.trace
    rates, payments = funding_records(t)
    assert len(rates) == 2
    assert (t.price[rates] > 0.0000125).all()  # positive premium: longs pay more than the interest rate
    # the record's premium column holds the average premium its rate was computed from
    clock = world.by_section["perp"]["perp"].funding
    assert (t.premium[rates] > 0).all()
    assert [clock.rate(p) for p in t.premium[rates].tolist()] == t.price[rates].tolist()
    assert np.isnan(t.premium[t.kind != Kind.FUNDING_RATE]).all()
    for rid in rates:
        mine = payments[t.cause[payments] == rid]
        assert abs(t.notional[mine].sum()) < 1e-6
        assert t.notional[mine][t.account[mine] == "shorts"][0] > 0
    pos = world.by_section["perp"]["perp"].positions
    assert result.ledger.of("perp:margin").quote == pytest.approx(float(pos.margin.sum()), rel=1e-9)


def test_the_predicted_rate_is_published_over_the_venues_links():
    from processes.messages import PerpData

    raw = quiet_world(hours=0.05)
    world = World(from_dict(raw))
    seen: list[PerpData] = []
    mm = world.by_section["market_maker"]["mm"]
    original = mm.receive
    mm_receive = lambda msg: seen.append(msg) if isinstance(msg, PerpData) else original(msg)  # noqa: E731
    world.network.attach("mm", mm_receive)
    world.run()
    assert len(seen) >= 2
    assert seen[-1].predicted_rate == pytest.approx(0.0000125)  # zero premium, 1 h interval: r / 8
