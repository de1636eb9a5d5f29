"""Seed 004's economics from a trace, with hand-computed numbers: the call's premium at signing,
the holders' interest and net carry, the funding distribution, the reverse leg's liquidation distance."""

from __future__ import annotations

import pytest

from sim.analysis.playbook import (
    FUNDING_FLOOR,
    YEAR,
    OptionTerms,
    funding_distribution,
    holder_carry,
    interest_paid,
    liquidation_distance,
    option_cost,
)
from sim.core.trace import Kind, Trace
from sim.market.lending import RateModel

AAVE_USDT = RateModel(base=0.0, slope1=0.09, slope2=0.75, optimal=0.9)


TERMS = {"optmm": OptionTerms(spot=1.0, expiry=31_536_000.0, implied_vol=1.0, vol_low=0.5, vol_high=1.5)}  # a year


def _option_trace(exercised: float = 0.0):
    trace = Trace()
    info = "spot=1.0 expiry=31536000.0 iv=1.0 iv_low=0.5 iv_high=1.5"
    trace.record(0.0, Kind.OPTION, "optmm", account="project", price=1.1, qty=300_000.0, info=info)
    if exercised:
        trace.record(10.0, Kind.EXERCISE, "optmm", account="project", price=1.5, qty=300_000.0, notional=exercised)
    return trace.table()


def test_the_premium_is_the_call_at_the_implied_volatility_and_the_band_ends():
    # S = 1, K = 1.1, T = 1, σ = 1: d1 = (ln(1/1.1) + 0.5) / 1 = 0.40469, d2 = −0.59531,
    # N(d1) = 0.65715, N(d2) = 0.27583: C = 0.65715 − 1.1 · 0.27583 = 0.35374 a token
    cost = option_cost(_option_trace(), TERMS)
    assert cost["option_premium"] == pytest.approx(300_000 * 0.35374, rel=1e-4)
    # σ = 0.5: d1 = 0.05469, d2 = −0.44531: C = 0.52181 − 1.1 · 0.32805 = 0.16096
    assert cost["option_premium_low"] == pytest.approx(300_000 * 0.16096, rel=1e-3)
    # σ = 1.5: d1 = 0.68646, d2 = −0.81354: C = 0.75379 − 1.1 · 0.20796 = 0.52503
    assert cost["option_premium_high"] == pytest.approx(300_000 * 0.52503, rel=1e-3)
    assert cost["project_cost"] == cost["option_premium"]
    assert cost["exercise_paid"] == 0.0


def test_an_exercise_is_reported_on_its_own_line_and_not_added_to_the_cost():
    cost = option_cost(_option_trace(exercised=120_000.0), TERMS)
    assert cost["exercise_paid"] == 120_000.0
    assert cost["project_cost"] == cost["option_premium"] == pytest.approx(300_000 * 0.35374, rel=1e-4)


def _pool_trace():
    """5M USDT supplied, 4.25M lent to others at 0; the holder borrows 60k at 1 day, repays 20k at 2 days."""
    trace = Trace()
    trace.record(0.0, Kind.SUPPLY, "pool", account="usdt_lenders", qty=5_000_000.0, info="USDT")
    trace.record(0.0, Kind.BORROW, "pool", account="other_borrowers", qty=4_250_000.0, info="USDT")
    trace.record(86400.0, Kind.BORROW, "pool", account="holders", qty=60_000.0, info="USDT")
    trace.record(86400.0, Kind.DEPOSIT, "pool", account="holders", qty=100_000.0, info="TKN")
    trace.record(2 * 86400.0, Kind.REPAY, "pool", account="holders", qty=20_000.0, info="USDT")
    trace.record(2.5 * 86400.0, Kind.FUNDING, "perp", account="holders", notional=500.0)
    trace.record(3 * 3600.0, Kind.TRADE, "perp", account="holders", notional=50_000.0)
    trace.record(8 * 3600.0, Kind.FUNDING_RATE, "perp", price=0.0001)
    return trace.table()


def test_the_holders_interest_follows_the_kinked_rate_at_the_pools_utilisation():
    # day 1-2: U = 4.31M / 5M = 0.862, r = 0.09 · 0.862 / 0.9 = 8.62%: 60,000 · 0.0862 / 365 = 14.170
    # day 2-3: U = 4.29M / 5M = 0.858, r = 8.58%: 40,000 · 0.0858 / 365 = 9.403
    paid = interest_paid(_pool_trace(), "pool", {"holders"}, AAVE_USDT, 3 * 86400.0)
    assert paid == pytest.approx(60_000 * 0.0862 / 365 + 40_000 * 0.0858 / 365, rel=1e-9)


def test_net_carry_is_funding_less_interest_less_taker_fees():
    table = _pool_trace()
    carry = holder_carry(table, {"holders"}, 100_000.0, 3 * 86400.0, {"pool": AAVE_USDT})
    interest = 60_000 * 0.0862 / 365 + 40_000 * 0.0858 / 365
    fees = 2 * 0.0005 * 50_000  # open and close the short
    assert carry["holder_interest_paid"] == pytest.approx(interest)
    assert carry["holder_fees_paid"] == pytest.approx(50.0) == pytest.approx(fees)
    assert carry["holder_net_carry"] == pytest.approx(500.0 - interest - 50.0)
    assert carry["holder_net_yield"] == pytest.approx((500.0 - interest - 50.0) / 100_000 * YEAR / (3 * 86400.0))
    assert holder_carry(table, set(), 0.0, 3 * 86400.0, {}) == {}


def test_the_funding_distribution_counts_payments_at_the_floor():
    assert pytest.approx(0.0001 * 3 * 365) == FUNDING_FLOOR  # 10.95% a year
    dist = funding_distribution([FUNDING_FLOOR, FUNDING_FLOOR, 0.30, 0.50])
    assert dist["at_floor"] == 0.5
    assert dist["mean"] == pytest.approx((2 * 0.1095 + 0.8) / 4)
    assert (dist["min"], dist["max"]) == (pytest.approx(0.1095), 0.50)
    assert funding_distribution([]) == {}


@pytest.mark.parametrize(
    ("ltv", "rise", "fall"),
    [
        # perp: (ltv + 1) / 1.02 − 1; loan: 1 − ltv / 0.85
        (0.6, 1.6 / 1.02 - 1, 1 - 0.6 / 0.85),  # +56.9%, −29.4%
        (0.7, 1.7 / 1.02 - 1, 1 - 0.7 / 0.85),  # +66.7%, −17.6%
        (0.8, 1.8 / 1.02 - 1, 1 - 0.8 / 0.85),  # +76.5%, −5.9%
    ],
)
def test_the_reverse_leg_is_liquidated_on_the_perp_in_a_rise_and_on_the_pool_in_a_fall(ltv, rise, fall):
    distance = liquidation_distance(ltv, liquidation_threshold=0.85, mmr=0.02)
    assert distance["perp_rise"] == pytest.approx(rise)
    assert distance["loan_fall"] == pytest.approx(fall)
    # at the perp's liquidation price the short's equity is its maintenance margin
    p = 1 + distance["perp_rise"]
    assert ltv + (1 - p) == pytest.approx(0.02 * p)
