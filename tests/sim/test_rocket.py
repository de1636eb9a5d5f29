"""The flagship: runs/rocket.toml reproduces seed 000's spiral, and its sibling reading."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api


@pytest.fixture(scope="module")
def rocket():
    return api.run(api.load("rocket"))


def test_the_ignition_lifts_spot_to_about_11_before_any_liquidation(rocket):
    t = rocket.trace
    first_liq = t.t[t.kind == "liquidation"].min()
    spot_trades = (t.kind == "trade") & (t.node == "spot") & (t.t < first_liq)
    assert 10.8 <= t.price[spot_trades].max() <= 11.3


def test_under_binance_rules_the_spiral_stalls_below_13(rocket):
    """Liquidation orders never fill beyond bankruptcy; the fund takes over what the book cannot
    fill there and unwinds it later: the squeeze stops near $12.8, not at $15."""
    s = rocket.summary
    assert 12.0 < s["peak_price"]["spot"] < 13.5
    assert 300 < s["liquidations"] < 1500
    assert s["bad_debt"] == 0.0 and s["adl_count"] == 0  # the fund could take every remainder
    assert s["takeover_notional"] > 1_000_000
    t = rocket.trace
    takeovers = np.flatnonzero(t.kind == "takeover")
    assert set(t.kind[t.cause[takeovers]]) == {"liquidation"}
    unwinds = np.flatnonzero(t.kind == "unwind")
    assert len(unwinds) > 10 and set(t.node[unwinds]) == {"fund"}
    assert set(t.kind[t.cause[unwinds]]) == {"takeover"}  # each unwind names the takeover it descends from
    orders = np.flatnonzero((t.kind == "order") & (t.account == "perp:insurance"))
    assert set(t.kind[t.cause[orders]]) == {"unwind"}
    assert np.allclose(t.t[orders], t.t[t.cause[orders]] + 0.005)  # across the fund -> perp link


def test_forced_flow_amplifies_the_ignition_many_times(rocket):
    s = rocket.summary
    assert s["ignition_notional"] == pytest.approx(200_000)
    assert s["cascade_direction"] == "buy"
    flow = s["forced_flow"]
    assert flow["perp_book"] > 1_000_000 and flow["spot_hedges"] > 1_000_000
    assert s["amplification"] == pytest.approx(sum(flow.values()) / 200_000)
    assert s["amplification"] > 20
    assert s["amplification_by_channel"]["spot_hedges"] == pytest.approx(flow["spot_hedges"] / 200_000)
    assert 0 < s["forced_move_share"] <= 1


def test_bad_debt_and_adl_are_accounted(rocket):
    s = rocket.summary
    ledger = rocket.ledger
    assert ledger.of("perp:bad_debt").quote == pytest.approx(-s["bad_debt"], abs=1e-6)
    assert ledger.of("perp:insurance").quote == pytest.approx(250_000 + s["insurance_fund_change"], abs=1e-6)
    t = rocket.trace
    adl = t.kind == "adl"
    assert s["adl_count"] == adl.sum()
    # ADL closes the profitable opposite side (the longs) of liquidated shorts
    assert set(t.account[adl]) <= {"longs"}


def test_the_summary_carries_the_required_metrics(rocket):
    for key in (
        "peak_price",
        "liquidated_notional",
        "liquidations",
        "waves",
        "amplification",
        "ignition_to_last_liquidation_s",
        "insurance_fund_change",
        "bad_debt",
        "events_processed",
        "wall_time_s",
        "config_hash",
        "seed",
        "experiment",
    ):
        assert key in rocket.summary
    assert rocket.summary["liquidated_notional"]["perp"]["long"] == 0.0


def test_the_token_reading_stalls_below_15():
    result = api.run(api.load("rocket_300k"))
    s = result.summary
    assert 12.0 < s["peak_price"]["spot"] < 15.0
    assert 0 < s["liquidations"] < 1500


def test_the_trace_is_available_as_arrays(rocket):
    t = rocket.trace
    assert isinstance(t.t, np.ndarray) and len(t.t) == rocket.summary["records"]
    assert (np.diff(t.t) >= 0).all()  # records are appended in time order
    assert (t.cause < t.id).all()  # causes precede effects
