"""The lending pool's book (MECHANICS.md §6): hand-computed accrual, refusals and liquidations."""

import math

import pytest

from sim.market.assets import ASSET, QUOTE
from sim.market.lending import RateModel, ReserveParams
from sim.market.lending_book import YEAR, LendingBook, Moved, Seized, Unhealthy

USDT = ReserveParams(ltv=0.75, liquidation_threshold=0.80)
RKT = ReserveParams(ltv=0.60, liquidation_threshold=0.70, liquidation_bonus=1.10)  # USDT's: 1.05
FLAT = RateModel(base=0.0, slope1=0.0, slope2=0.0)
SUPPLIER, BORROWER = 0, 1
PLENTY = 1e12  # a payer's balance that never binds


def book(rate: RateModel = FLAT) -> LendingBook:
    """1,000,000 USDT supplied."""
    b = LendingBook([USDT, RKT], [rate, FLAT])
    assert b.supply(SUPPLIER, QUOTE, 1_000_000, PLENTY) == Moved(QUOTE, 1_000_000, paid_in=True)
    return b


def borrowed_on_tokens() -> LendingBook:
    """1,000 RKT posted at $10, 5,500 USDT borrowed: HF = 1000 · 10 · 0.7 / 5500 = 1.2727."""
    b = book()
    b.price = 10.0
    b.deposit(BORROWER, ASSET, 1_000, PLENTY)
    assert b.borrow(BORROWER, QUOTE, 5_500) == Moved(QUOTE, 5_500, paid_in=False)
    return b


def test_interest_accrues_at_the_kinked_rate_and_is_repaid_first():
    # 1,000,000 USDT posted, 500,000 borrowed of the 1,000,000 supplied: U = 500k / (500k + 500k) = 0.5,
    # below the 80% kink: r = 4% · 0.5 / 0.8 = 2.5% a year; after a year I = e^0.025 = 1.0253151
    b = book(RateModel(base=0.0, slope1=0.04, slope2=0.75, optimal=0.8))
    b.deposit(BORROWER, QUOTE, 1_000_000, PLENTY)
    b.borrow(BORROWER, QUOTE, 500_000)
    assert b.utilisation(QUOTE) == 0.5
    b.accrue(YEAR)
    owed = 500_000 * math.exp(0.025)  # 512,657.55
    assert b.index[QUOTE] == pytest.approx(1.0253151205, rel=1e-10)
    assert b.loan(BORROWER).debt == pytest.approx((owed, 0.0), rel=1e-12)
    b.accrue(YEAR)  # no time has passed: nothing more
    assert b.index[QUOTE] == pytest.approx(math.exp(0.025), rel=1e-12)
    # U now counts the interest: 512,657.55 / (500,000 + 512,657.55) = 0.50625
    assert b.utilisation(QUOTE) == pytest.approx(owed / (500_000 + owed), rel=1e-12)
    # repaying 20,000: the 12,657.55 of interest first, then 7,342.45 of principal
    assert b.repay(BORROWER, QUOTE, 20_000, PLENTY) == Moved(QUOTE, 20_000, paid_in=True)
    assert b.interest[QUOTE] == pytest.approx(owed - 500_000, rel=1e-9)
    assert b.borrowed[QUOTE] == pytest.approx(500_000 - (20_000 - (owed - 500_000)), rel=1e-12)
    assert b.cash(QUOTE) == pytest.approx(1_000_000 - 500_000 + 20_000, rel=1e-12)
    # repaying everything (capped at what is owed) leaves no debt
    rest = b.repay(BORROWER, QUOTE, math.inf, PLENTY)
    assert rest.amount == pytest.approx(owed - 20_000, rel=1e-12)
    assert b.loan(BORROWER).debt == (0.0, 0.0) and b.borrowed[QUOTE] == pytest.approx(0.0, abs=1e-6)


def test_a_borrow_beyond_the_ltv_or_before_a_price_is_refused():
    b = book()
    b.deposit(BORROWER, ASSET, 1_000, PLENTY)
    assert b.borrow(BORROWER, QUOTE, 100).refusal == "no oracle price"  # tokens posted, no price yet
    b.price = 10.0
    # room: 1000 · 10 · 0.6 = 6,000 USDT
    assert b.borrow(BORROWER, QUOTE, 6_000.01) == Moved(QUOTE, 6_000.01, paid_in=False, refusal="beyond LTV")
    assert b.loan(BORROWER).debt == (0.0, 0.0)
    assert b.borrow(BORROWER, QUOTE, 6_000).refusal == ""
    assert b.borrow(BORROWER, QUOTE, 1).refusal == "beyond LTV"  # no room left
    # 700 RKT at $10 is 7,000 against 100,000 USDT · 0.75 = 75,000 of room, but none of it was supplied
    b.deposit(2, QUOTE, 100_000, PLENTY)
    assert b.borrow(2, ASSET, 700).refusal == "liquidity"


def test_requests_are_capped_and_checked():
    b = borrowed_on_tokens()
    assert b.request("borrow", 3, QUOTE, 0.0, PLENTY) == Moved(QUOTE, 0.0, paid_in=False, refusal="amount must be > 0")
    assert 3 in b.rows  # a refused request opens the account's row too
    with pytest.raises(ValueError, match="lend"):
        b.request("lend", 3, QUOTE, 1.0, PLENTY)
    assert b.request("deposit", 3, ASSET, 10, 9.0) == Moved(ASSET, 10, paid_in=True, refusal="balance")
    assert b.request("repay", 3, QUOTE, 10, PLENTY).refusal == "no debt"
    # release 200 RKT: HF 800 · 10 · 0.7 / 5500 = 1.018 passes; then 100 more: 0.891 does not
    assert b.request("release", BORROWER, ASSET, 200, 0.0) == Moved(ASSET, 200, paid_in=False)
    assert b.request("release", BORROWER, ASSET, 100, 0.0).refusal == "health factor"
    # the supplier takes back at most its principal, and only what is not lent out
    assert b.withdraw(SUPPLIER, QUOTE, 999_000).refusal == "liquidity"  # cash 994,500
    assert b.withdraw(SUPPLIER, QUOTE, 994_500) == Moved(QUOTE, 994_500, paid_in=False)
    assert b.withdraw(BORROWER, QUOTE, 1).refusal == "nothing supplied"


def test_a_liquidation_repays_the_close_factor_and_seizes_with_the_bonus():
    b = borrowed_on_tokens()
    assert b.unhealthy() == [] and b.liquidation_refusal(BORROWER, QUOTE, 10_000) == "healthy"
    b.price = 7.5
    # HF = 1000 · 7.5 · 0.7 / 5500 = 0.954545 > 0.95: close factor 50%
    hf = 1000 * 7.5 * 0.7 / 5500
    assert b.unhealthy() == [Unhealthy(BORROWER, QUOTE, 5_500, ASSET, 1_000, pytest.approx(hf, rel=1e-15))]
    assert b.liquidation_refusal(BORROWER, QUOTE, 0.0) == "liquidator balance"
    assert b.liquidation_refusal(SUPPLIER, QUOTE, 10_000) == "no debt"
    assert b.liquidation_refusal(BORROWER, QUOTE, 10_000) == ""
    # repay 2,750 USDT, seize 2,750 / 7.5 · 1.10 (the collateral's bonus) = 403.33 RKT
    seized = b.liquidate(BORROWER, QUOTE, 10_000)
    assert seized == Seized(QUOTE, 2_750, ASSET, pytest.approx(403.3333333, rel=1e-9), pytest.approx(hf, rel=1e-15))
    loan = b.loan(BORROWER)
    assert loan.debt == (2_750, 0.0) and loan.collateral == pytest.approx((0.0, 596.6666667), rel=1e-9)
    assert loan.health_factor == pytest.approx(1.1390909, rel=1e-7)  # 596.67 · 7.5 · 0.7 / 2750
    assert b.collateral_total[ASSET] == pytest.approx(596.6666667, rel=1e-9) and b.borrowed[QUOTE] == 2_750


def test_a_deep_liquidation_repays_all_and_an_offer_caps_it():
    b = borrowed_on_tokens()
    b.price = 7.0
    # HF = 1000 · 7 · 0.7 / 5500 = 0.8909 <= 0.95: close factor 100%. Offered 1,000 USDT: repay
    # 1,000, seize 1,000 / 7 · 1.10 = 157.14 RKT
    assert b.liquidate(BORROWER, QUOTE, 1_000).collateral_seized == pytest.approx(157.1428571, rel=1e-9)
    # HF now 842.86 · 7 · 0.7 / 4500 = 0.9178: all 4,500 repaid for 4,500 / 7 · 1.10 = 707.14 RKT
    seized = b.liquidate(BORROWER, QUOTE, 10_000)
    assert seized.debt_repaid == 4_500 and seized.collateral_seized == pytest.approx(707.1428571, rel=1e-9)
    assert b.loan(BORROWER).debt == (0.0, 0.0) and b.loan(BORROWER).health_factor == math.inf
    assert b.liquidation_refusal(BORROWER, QUOTE, 1_000) == "no debt"
