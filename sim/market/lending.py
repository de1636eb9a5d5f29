"""Lending pool mechanics with Aave v3 as the model — MECHANICS.md §6.

Values (``*_values``, ``debt_value``) are in the quote currency; amounts (``debt``,
``collateral``) are in units of their asset. Rates are fractions per year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.market.sides import FRACTION, check_fraction, check_non_negative, check_positive

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike


def _check_unit(name: str, value: float) -> float:
    """Return ``value`` if 0 <= value <= 1, else raise ValueError naming it."""
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return float(value)


def _check_hf(hf: float) -> float:
    if math.isnan(hf) or hf < 0:
        raise ValueError(f"hf must be a number >= 0 (inf allowed), got {hf!r}")
    return float(hf)


@dataclass(frozen=True)
class ReserveParams:
    """Risk parameters of a collateral reserve (MECHANICS.md §6, Aave v3).

    As Aave v3 requires, ``liquidation_threshold * liquidation_bonus <= 1`` so that a
    liquidation can never seize more value than the threshold backs.
    """

    ltv: float = field(metadata=FRACTION)
    liquidation_threshold: float = field(metadata=FRACTION)
    liquidation_bonus: float = field(default=1.05, metadata=FRACTION)
    close_factor: float = field(default=0.5, metadata=FRACTION)
    full_close_hf: float = 0.95  # close factor 100% when HF <= this
    small_position: float = 0.0  # debt value below which the close factor is 100%

    def __post_init__(self) -> None:
        check_fraction("ltv", self.ltv)
        check_fraction("liquidation_threshold", self.liquidation_threshold)
        if self.liquidation_threshold < self.ltv:
            raise ValueError(f"liquidation_threshold must be >= ltv ({self.ltv!r}), got {self.liquidation_threshold!r}")
        if not (math.isfinite(self.liquidation_bonus) and self.liquidation_bonus >= 1):
            raise ValueError(f"liquidation_bonus must be >= 1, got {self.liquidation_bonus!r}")
        if self.liquidation_threshold * self.liquidation_bonus > 1:
            raise ValueError(
                "liquidation_bonus times liquidation_threshold "
                f"({self.liquidation_threshold!r}) must be <= 1, got {self.liquidation_bonus!r}"
            )
        check_positive("close_factor", self.close_factor)
        _check_unit("close_factor", self.close_factor)
        check_positive("full_close_hf", self.full_close_hf)
        _check_unit("full_close_hf", self.full_close_hf)
        check_non_negative("small_position", self.small_position)


@dataclass(frozen=True)
class RateModel:
    """Utilisation-kinked borrow rate (MECHANICS.md §6, Aave v3 interest-rate strategy).

    Below the kink U_opt: base + slope1·U/U_opt;
    above it: base + slope1 + slope2·(U − U_opt)/(1 − U_opt).
    """

    base: float = field(default=0.0, metadata=FRACTION)
    slope1: float = field(default=0.04, metadata=FRACTION)
    slope2: float = field(default=0.75, metadata=FRACTION)
    optimal: float = field(default=0.8, metadata=FRACTION)

    def __post_init__(self) -> None:
        check_non_negative("base", self.base)
        check_non_negative("slope1", self.slope1)
        check_non_negative("slope2", self.slope2)
        check_positive("optimal", self.optimal)
        check_fraction("optimal", self.optimal)

    def borrow_rate(self, utilisation: float) -> float:
        """Yearly borrow rate at ``utilisation`` in [0, 1]."""
        u = _check_unit("utilisation", utilisation)
        if u <= self.optimal:
            return self.base + self.slope1 * u / self.optimal
        return self.base + self.slope1 + self.slope2 * (u - self.optimal) / (1 - self.optimal)

    def supply_rate(self, utilisation: float, reserve_factor: float = 0.1) -> float:
        """Yearly supply rate: borrow rate · U · (1 − reserve_factor)."""
        check_fraction("reserve_factor", reserve_factor)
        return self.borrow_rate(utilisation) * utilisation * (1 - reserve_factor)


def utilisation(debt: float, cash: float) -> float:
    """U = debt / (cash + debt), 0 without debt (MECHANICS.md §6, Aave v3: total debt over
    available liquidity plus total debt). ``debt`` is what borrowers owe, interest accrued;
    ``cash`` what may still be borrowed, interest repaid included. So the denominator is what
    suppliers are owed in aggregate, their interest included."""
    check_non_negative("debt", debt)
    check_non_negative("cash", cash)
    return debt / (cash + debt) if debt > 0 else 0.0


def _values(name: str, values: ArrayLike) -> np.ndarray:
    import numpy as np  # here: an experiment file's reserves are ReserveParams, and loading one needs no numpy

    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or not np.all(np.isfinite(arr) & (arr >= 0)):
        raise ValueError(f"{name} must be finite numbers >= 0, got {values!r}")
    return arr


def _weighted_collateral(collateral_values: ArrayLike, factors: ArrayLike, factor_name: str) -> float:
    """Σ collateral value · factor, with the factors checked to lie in [0, 1)."""
    import numpy as np  # (see _values)

    c = _values("collateral_values", collateral_values)
    f = _values(factor_name, factors)
    if f.shape != c.shape or np.any(f >= 1):
        raise ValueError(f"{factor_name} must be {c.size} numbers in [0, 1), got {factors!r}")
    return float(np.dot(c, f))


def health_factor(collateral_values: ArrayLike, thresholds: ArrayLike, debt_values: ArrayLike) -> float:
    """HF = Σ c·LT / Σ d (MECHANICS.md §6, Aave v3); inf with no debt."""
    backed = _weighted_collateral(collateral_values, thresholds, "thresholds")
    debt = float(_values("debt_values", debt_values).sum())
    return backed / debt if debt > 0 else math.inf


def max_borrow(collateral_values: ArrayLike, ltvs: ArrayLike, debt_values: ArrayLike) -> float:
    """Further value that may be borrowed: Σ c·LTV − Σ d, floored at 0 (MECHANICS.md §6)."""
    capacity = _weighted_collateral(collateral_values, ltvs, "ltvs")
    return max(0.0, capacity - float(_values("debt_values", debt_values).sum()))


def is_liquidatable(hf: float) -> bool:
    """HF < 1 (MECHANICS.md §6)."""
    return _check_hf(hf) < 1


def close_factor(hf: float, debt_value: float, params: ReserveParams) -> float:
    """Largest fraction of the debt one liquidation may repay (MECHANICS.md §6, Aave v3).

    100% when HF <= ``params.full_close_hf`` or the debt value is below
    ``params.small_position``; ``params.close_factor`` otherwise.
    """
    _check_hf(hf)
    check_non_negative("debt_value", debt_value)
    if hf <= params.full_close_hf or debt_value < params.small_position:
        return 1.0
    return params.close_factor


@dataclass(frozen=True)
class LendingLiquidation:
    """Outcome of :func:`liquidate`."""

    debt_repaid: float  # units of the debt asset
    collateral_seized: float  # units of the collateral asset
    bonus_value: float  # quote value of the bonus part


def liquidate(
    debt: float,
    collateral: float,
    p_debt: float,
    p_collateral: float,
    hf: float,
    params: ReserveParams,
    requested: float | None = None,
) -> LendingLiquidation:
    """Liquidate a position with one debt and one collateral asset (MECHANICS.md §6, Aave v3).

    The liquidator repays min(close factor · debt, ``requested``) and receives
    repaid · p_debt / p_collateral · bonus of collateral. If that exceeds the collateral
    held, all of it is seized and the repayment shrinks to what it buys at the bonus:
    collateral · p_collateral / (p_debt · bonus). bonus_value = repaid · p_debt · (bonus − 1).
    Raises ValueError if ``hf`` >= 1 (not liquidatable).
    """
    check_non_negative("debt", debt)
    check_non_negative("collateral", collateral)
    check_positive("p_debt", p_debt)
    check_positive("p_collateral", p_collateral)
    if not is_liquidatable(hf):
        raise ValueError(f"hf must be < 1 to liquidate, got {hf!r}")
    repaid = close_factor(hf, debt * p_debt, params) * debt
    if requested is not None:
        repaid = min(repaid, check_non_negative("requested", requested))
    bonus = params.liquidation_bonus
    seized = repaid * p_debt / p_collateral * bonus
    if seized > collateral:
        seized = float(collateral)
        repaid = min(repaid, collateral * p_collateral / (p_debt * bonus))  # min: rounding cannot exceed the cap
    return LendingLiquidation(repaid, seized, repaid * p_debt * (bonus - 1))


def black_scholes_call(spot: float, strike: float, t_years: float, vol: float, rate: float = 0.0) -> float:
    """Black–Scholes price of a European call (the "token loan + call option" market-making
    cost of seed 004). Intrinsic value max(S − K·e^(−rT), 0) when T or vol is 0."""
    check_positive("spot", spot)
    check_positive("strike", strike)
    check_non_negative("t_years", t_years)
    check_non_negative("vol", vol)
    if not math.isfinite(rate):
        raise ValueError(f"rate must be finite, got {rate!r}")
    discounted = strike * math.exp(-rate * t_years)
    sd = vol * math.sqrt(t_years)
    if sd == 0:
        return max(spot - discounted, 0.0)
    d1 = (math.log(spot / strike) + (rate + vol * vol / 2) * t_years) / sd
    d2 = d1 - sd

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))

    return spot * cdf(d1) - discounted * cdf(d2)
