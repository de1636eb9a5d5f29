"""Lending pool (MECHANICS.md §6, Aave v3): hand-computed examples and properties."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.market.lending import (
    RateModel,
    ReserveParams,
    black_scholes_call,
    close_factor,
    health_factor,
    is_liquidatable,
    liquidate,
    max_borrow,
    utilisation,
)

WETH = ReserveParams(ltv=0.80, liquidation_threshold=0.83)  # bonus 1.05, close factor 50%


def test_health_factor_two_collaterals():
    # 1 WETH at 2,000 (LT 83%) + 500 LINK at 15 = 7,500 (LT 71%); debt 6,000 USDC
    # (2000*0.83 + 7500*0.71) / 6000 = (1660 + 5325) / 6000 = 6985 / 6000
    assert health_factor([2000.0, 7500.0], [0.83, 0.71], [6000.0]) == pytest.approx(1.1641666667)
    assert health_factor([2000.0], [0.83], []) == math.inf
    assert health_factor([0.0], [0.83], [10.0]) == 0.0


def test_max_borrow():
    # LTV 80% / 66%: 1600 + 4950 = 6550 borrowable, 6000 already borrowed
    assert max_borrow([2000.0, 7500.0], [0.80, 0.66], [6000.0]) == pytest.approx(550.0)
    assert max_borrow([2000.0], [0.80], [2000.0]) == 0.0  # floored


def test_is_liquidatable():
    assert is_liquidatable(0.999)
    assert not is_liquidatable(1.0)
    assert not is_liquidatable(math.inf)


def test_close_factor_rules():
    assert close_factor(0.97, 1000.0, WETH) == 0.5
    assert close_factor(0.95, 1000.0, WETH) == 1.0  # HF <= 0.95
    small = ReserveParams(0.8, 0.83, small_position=2000.0)
    assert close_factor(0.97, 1999.0, small) == 1.0  # debt value below the small-position line
    assert close_factor(0.97, 2000.0, small) == 0.5


def test_liquidation_at_hf_097_close_factor_half():
    # 1 WETH at 1,980, debt 1,700 USDC: HF = 1980*0.83/1700 = 1643.4/1700 = 0.9667
    hf = health_factor([1980.0], [0.83], [1700.0])
    assert 0.95 < hf < 1
    liq = liquidate(1700.0, 1.0, 1.0, 1980.0, hf, WETH)
    assert liq.debt_repaid == pytest.approx(850.0)  # 50% of 1,700
    # 850 * 1 / 1980 * 1.05 = 892.5 / 1980
    assert liq.collateral_seized == pytest.approx(0.4507575758)
    assert liq.bonus_value == pytest.approx(42.5)  # 850 * 0.05


def test_liquidation_at_hf_09_close_factor_full():
    # 1 WETH at 1,850, debt 1,700: HF = 1535.5/1700 = 0.9032 <= 0.95
    hf = health_factor([1850.0], [0.83], [1700.0])
    liq = liquidate(1700.0, 1.0, 1.0, 1850.0, hf, WETH)
    assert liq.debt_repaid == pytest.approx(1700.0)
    assert liq.collateral_seized == pytest.approx(0.9648648649)  # 1700 * 1.05 / 1850 = 1785/1850
    assert liq.bonus_value == pytest.approx(85.0)  # 1700 * 0.05


def test_liquidation_capped_at_available_collateral():
    # 1 WETH at 1,600, debt 1,700: 1785/1600 = 1.1156 WETH wanted > 1 held
    # seize 1 WETH; repaid = 1 * 1600 / 1.05 = 1523.8095; bonus = 1523.8095 * 0.05
    liq = liquidate(1700.0, 1.0, 1.0, 1600.0, 0.78, WETH)
    assert liq.collateral_seized == 1.0
    assert liq.debt_repaid == pytest.approx(1523.8095238)
    assert liq.bonus_value == pytest.approx(76.1904762)


def test_liquidation_requested_smaller_than_close_factor():
    # requested 100 < 850; seized = 100 / 2000 * 1.05 = 0.0525
    liq = liquidate(1700.0, 1.0, 1.0, 2000.0, 0.97, WETH, requested=100.0)
    assert liq.debt_repaid == 100.0
    assert liq.collateral_seized == pytest.approx(0.0525)
    assert liq.bonus_value == pytest.approx(5.0)


def test_kinked_rate_below_and_above_the_kink():
    model = RateModel()  # base 0, slope1 4%, slope2 75%, kink 80%
    assert model.borrow_rate(0.4) == pytest.approx(0.02)  # 0.04 * 0.4/0.8
    assert model.borrow_rate(0.8) == pytest.approx(0.04)  # at the kink: slope1
    assert model.borrow_rate(0.9) == pytest.approx(0.415)  # 0.04 + 0.75 * 0.1/0.2
    assert model.borrow_rate(1.0) == pytest.approx(0.79)  # 0.04 + 0.75
    assert model.supply_rate(0.9) == pytest.approx(0.33615)  # 0.415 * 0.9 * (1 - 0.1)


def test_utilisation():
    # 45 owed, 5 left to lend: 45 / (5 + 45) = 0.9; all lent: 1; nothing owed: 0
    assert utilisation(45.0, 5.0) == pytest.approx(0.9)
    assert utilisation(45.0, 0.0) == 1.0
    assert utilisation(0.0, 0.0) == 0.0


def test_black_scholes_textbook_value():
    # Hull: S = K = 100, T = 1, sigma = 20%, r = 5% -> 10.4506
    assert black_scholes_call(100.0, 100.0, 1.0, 0.2, 0.05) == pytest.approx(10.4506, abs=1e-4)
    # zero volatility: intrinsic against the discounted strike,
    # 100 - 90 e^-0.05 = 100 - 90 * 0.951229 = 100 - 85.6106 = 14.3894
    assert black_scholes_call(100.0, 90.0, 1.0, 0.0, 0.05) == pytest.approx(14.3894, abs=1e-4)
    assert black_scholes_call(100.0, 110.0, 0.0, 0.5) == 0.0  # expired out of the money


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ReserveParams(ltv=1.2, liquidation_threshold=0.9), r"ltv.*1\.2"),
        (lambda: ReserveParams(ltv=-0.1, liquidation_threshold=0.9), r"ltv.*-0\.1"),
        (lambda: ReserveParams(ltv=0.8, liquidation_threshold=0.7), r"liquidation_threshold.*0\.7"),
        (lambda: ReserveParams(0.5, 0.6, liquidation_bonus=0.9), r"liquidation_bonus.*0\.9"),
        (lambda: ReserveParams(0.9, 0.97, liquidation_bonus=1.05), r"liquidation_bonus.*1\.05"),
        (lambda: ReserveParams(0.5, 0.6, close_factor=0.0), r"close_factor.*0\.0"),
        (lambda: ReserveParams(0.5, 0.6, small_position=-1.0), r"small_position.*-1\.0"),
        (lambda: RateModel(optimal=1.0), r"optimal.*1\.0"),
        (lambda: RateModel().borrow_rate(1.5), r"utilisation.*1\.5"),
        (lambda: RateModel().supply_rate(0.5, reserve_factor=1.0), r"reserve_factor.*1\.0"),
        (lambda: utilisation(-60.0, 50.0), r"debt.*-60\.0"),
        (lambda: utilisation(60.0, -50.0), r"cash.*-50\.0"),
        (lambda: health_factor([-1.0], [0.8], [1.0]), r"collateral_values.*-1\.0"),
        (lambda: health_factor([1.0], [1.2], [1.0]), r"thresholds.*1\.2"),
        (lambda: max_borrow([1.0, 2.0], [0.5], [1.0]), r"ltvs.*0\.5"),
        (lambda: is_liquidatable(math.nan), r"hf.*nan"),
        (lambda: liquidate(100.0, 1.0, -1.0, 1.0, 0.9, WETH), r"p_debt.*-1\.0"),
        (lambda: liquidate(100.0, 1.0, 1.0, 1.0, 1.2, WETH), r"hf.*1\.2"),
        (lambda: liquidate(100.0, 1.0, 1.0, 1.0, 0.9, WETH, requested=-5.0), r"requested.*-5"),
        (lambda: black_scholes_call(-100.0, 100.0, 1.0, 0.2), r"spot.*-100\.0"),
        (lambda: black_scholes_call(100.0, 100.0, 1.0, -0.2), r"vol.*-0\.2"),
    ],
)
def test_bad_input_raises_naming_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


amount = st.floats(0.0, 1e6)
price = st.floats(0.01, 1e5)


@given(amount, amount, amount, price, price, st.floats(0.0, 0.95), st.floats(0.0, 0.95))
def test_health_factor_monotone_in_collateral_price(q1, q2, debt, pa, pb, lt1, lt2):
    lo, hi = sorted((pa, pb))
    hf_lo = health_factor([q1 * lo, q2 * 10.0], [lt1, lt2], [debt])
    hf_hi = health_factor([q1 * hi, q2 * 10.0], [lt1, lt2], [debt])
    assert hf_lo <= hf_hi


@given(
    st.floats(0.01, 1e6),
    amount,
    price,
    price,
    st.floats(0.0, 0.999),
    st.floats(1.0, 1.15),
    st.floats(0.01, 1.0),
    st.one_of(st.none(), amount),
)
def test_liquidation_bounds(debt, collateral, p_debt, p_coll, hf, bonus, cf, requested):
    params = ReserveParams(0.5, 0.8, liquidation_bonus=bonus, close_factor=cf)
    liq = liquidate(debt, collateral, p_debt, p_coll, hf, params, requested)
    limit = close_factor(hf, debt * p_debt, params) * debt
    assert liq.collateral_seized <= collateral
    assert 0.0 <= liq.debt_repaid <= limit
    if requested is not None:
        assert liq.debt_repaid <= requested
    assert liq.bonus_value >= 0.0
