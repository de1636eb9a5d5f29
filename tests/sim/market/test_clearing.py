"""The venue styles' liquidation waterfalls (sim/market/clearing.py) against hand-computed numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.clearing import (
    BookOrder,
    ClearingRules,
    Position,
    Resolution,
    Step,
    adl_allocation,
    after_book,
    dydx_fillable_price,
    liquidation_order,
    partial_close_qty,
    settle_closed,
)
from sim.market.margin import MarginTiers

FLAT = MarginTiers.flat(0.01)
BINANCE, HYPERLIQUID, DYDX = ClearingRules("binance"), ClearingRules("hyperliquid"), ClearingRules("dydx")
SHORT = Position(side=-1, qty=100.0, entry=10.0, margin=100.0)  # 10x short, bankruptcy 11


def test_a_position_knows_its_equity_and_bankruptcy_price():
    assert SHORT.bankruptcy_price() == pytest.approx(11.0)  # 10 + 100/100
    assert SHORT.equity(10.5) == pytest.approx(50.0)  # 100 − 100·0.5
    assert Position(1, 1000.0, 10.0, 250.0).bankruptcy_price() == pytest.approx(9.75)
    assert (
        Position(1, 10.0, 10.0, 150.0).bankruptcy_price() == 0.0
    )  # a long whose margin covers it all never goes bankrupt


# ----------------------------------------------------------------------------- binance


def test_binance_partial_liquidation_keeps_the_cap_of_the_lower_tier():
    # 50x ladder: 9,900 notional is tier 1 (2.5%, cum 75): MM = 172.5 > equity 150
    tiers, pos = MarginTiers.altcoin_50x(), Position(1, 1000.0, 10.0, 250.0)
    assert pos.equity(9.9) == pytest.approx(150.0)
    assert tiers.maintenance(9_900.0) == pytest.approx(172.5)
    # tier 0's cap 5,000 has MM 50 < 150: keep 5,000/9.9 tokens, close the rest
    assert partial_close_qty(tiers, pos, 9.9) == pytest.approx(1000.0 - 5000.0 / 9.9)
    order = liquidation_order(BINANCE, tiers, pos, 9.9)
    assert order == BookOrder(pytest.approx(494.949494949), pytest.approx(9.75), partial=True)


def test_binance_closes_all_when_no_lower_tier_makes_the_account_compliant():
    assert partial_close_qty(FLAT, SHORT, 10.95) == 0.0  # one tier: nothing lower
    assert liquidation_order(BINANCE, FLAT, SHORT, 10.95) == BookOrder(100.0, pytest.approx(11.0))
    no_partial = ClearingRules("binance", partial=False)
    order = liquidation_order(no_partial, MarginTiers.altcoin_50x(), Position(1, 1000.0, 10.0, 250.0), 9.9)
    assert order == BookOrder(1000.0, pytest.approx(9.75))


def test_binance_remainder_goes_to_the_fund_when_it_can_bear_the_loss_else_to_adl():
    rest = Position(-1, 50.0, 10.0, 50.0)  # bankruptcy 11; at mark 11.2 the fund loses 50·0.2 = 10
    full = BookOrder(100.0, 11.0)
    assert after_book(BINANCE, FLAT, rest, 11.2, full, 100.0, 0.0, rest.bankruptcy_price()) == Resolution(
        Step.TAKEOVER, 50.0, 11.0
    )
    assert after_book(BINANCE, FLAT, rest, 11.2, full, 5.0, 0.0, rest.bankruptcy_price()) == Resolution(
        Step.ADL, 50.0, 11.0
    )
    assert (
        after_book(BINANCE, FLAT, rest, 10.9, full, 1.0, 0.0, rest.bankruptcy_price()).step is Step.TAKEOVER
    )  # no loss at 10.9


def test_binance_closes_the_rest_at_the_whole_positions_bankruptcy_price():
    # a long 1,000 at 10, margin 2,000: bankruptcy 8. The IOC sold 800 at 9.5 (realised −400):
    # the rest, 200 with margin 1,600, would have its own bankruptcy price at 2; the fund takes
    # it at 8, and the 1,600 − 200·2 = 1,200 left over is the clearance fee.
    rest = Position(1, 200.0, 10.0, 1_600.0)
    assert rest.bankruptcy_price() == pytest.approx(2.0)
    outcome = after_book(BINANCE, FLAT, rest, 7.5, BookOrder(1_000.0, 8.0), 1e6, 0.0, 8.0)
    assert outcome == Resolution(Step.TAKEOVER, 200.0, 8.0)
    assert rest.margin + rest.side * rest.qty * (outcome.price - rest.entry) == pytest.approx(1_200.0)


def test_binance_stops_after_a_partial_that_leaves_the_account_compliant():
    kept = Position(1, 5000.0 / 9.9, 10.0, 250.0 - 494.949494949 * 0.1)  # the partial filled at 9.9
    partial = BookOrder(494.949494949, 9.75, partial=True)
    assert (
        after_book(BINANCE, MarginTiers.altcoin_50x(), kept, 9.9, partial, 0.0, 0.0, kept.bankruptcy_price()).step
        is Step.DONE
    )
    closed = Position(1, 0.0, 10.0, 10.0)
    assert after_book(BINANCE, FLAT, closed, 9.9, BookOrder(1.0, 9.0), 0.0, 0.0, 9.0).step is Step.DONE


# ----------------------------------------------------------------------------- hyperliquid


def test_hyperliquid_tries_the_book_first_with_an_unbounded_market_order():
    # at 10.9: equity 10, MM 10.9: a market order for all of it
    assert liquidation_order(HYPERLIQUID, FLAT, SHORT, 10.9) == BookOrder(100.0, None)
    # at 10.95 equity 5 is below the backstop line 2/3 · 10.95, but the book comes first
    assert liquidation_order(HYPERLIQUID, FLAT, SHORT, 10.95) == BookOrder(100.0, None)


def test_hyperliquid_market_orders_can_be_bounded_by_a_slippage():
    bounded = ClearingRules("hyperliquid", slippage=0.02)
    assert liquidation_order(bounded, FLAT, SHORT, 10.9) == BookOrder(100.0, pytest.approx(11.118))  # 10.9·1.02


def test_hyperliquid_slices_large_positions():
    big = Position(-1, 20_000.0, 10.0, 20_000.0)  # 218,000 notional at 10.9 > 100,000
    assert liquidation_order(HYPERLIQUID, FLAT, big, 10.9) == BookOrder(4000.0, None, partial=True)


def test_hyperliquid_after_the_book_retries_backstops_or_deleverages_at_the_mark():
    market = BookOrder(100.0, None)  # the book ran dry: all of SHORT is left
    assert (
        after_book(HYPERLIQUID, FLAT, SHORT, 10.9, market, 0.0, 0.0, SHORT.bankruptcy_price()).step is Step.RETRY
    )  # above the line
    # below the line (equity 5 < 7.3): no vault, still solvent: the book again at the next mark
    assert after_book(HYPERLIQUID, FLAT, SHORT, 10.95, market, 1_000.0, 0.0, 11.0) == Resolution(Step.RETRY)
    assert after_book(HYPERLIQUID, FLAT, SHORT, 10.95, market, 0.0, 1_000.0, 11.0) == Resolution(
        Step.BACKSTOP, 100.0, 10.95
    )
    # equity −20 at 11.2: a vault with 15 cannot take it; ADL at the mark
    assert after_book(HYPERLIQUID, FLAT, SHORT, 11.2, market, 0.0, 15.0, SHORT.bankruptcy_price()) == Resolution(
        Step.ADL, 100.0, 11.2
    )
    at_bankruptcy = ClearingRules("hyperliquid", adl_price="bankruptcy")
    assert after_book(
        at_bankruptcy, FLAT, SHORT, 11.2, market, 0.0, 15.0, SHORT.bankruptcy_price()
    ).price == pytest.approx(11.0)


# ----------------------------------------------------------------------------- dydx


def test_dydx_fillable_price_by_hand():
    # at 10.9: equity 10, MM 10.9, ABR = 1 − 10/10.9; offset = ABR · 1.5 · 10.9/100 = 0.0135
    assert dydx_fillable_price(SHORT, 10.9, 10.9, DYDX) == pytest.approx(10.9135)
    # at 11.2 (past bankruptcy) ABR = 1, offset 0.168: 11.368, no worse than bankruptcy: 11
    assert dydx_fillable_price(SHORT, 11.2, 11.2, DYDX) == pytest.approx(11.0)
    assert liquidation_order(DYDX, FLAT, SHORT, 10.9) == BookOrder(100.0, pytest.approx(10.9135))


def test_dydx_retries_while_solvent_and_deleverages_at_bankruptcy_once_bankrupt():
    order = BookOrder(100.0, 10.9135)
    assert after_book(DYDX, FLAT, SHORT, 10.9, order, 1e6, 0.0, SHORT.bankruptcy_price()).step is Step.RETRY
    assert after_book(DYDX, FLAT, SHORT, 11.2, order, 1e6, 0.0, SHORT.bankruptcy_price()) == Resolution(
        Step.ADL, 100.0, pytest.approx(11.0)
    )


# ----------------------------------------------------------------------------- adl and settlement


def test_adl_takes_the_ranked_positions_in_order():
    assert adl_allocation([(1, 5.0), (2, 3.0), (3, 10.0)], 7.0) == [(1, 5.0), (2, 2.0)]
    assert adl_allocation([(1, 0.0), (2, 3.0)], 7.0) == [(2, 3.0)]  # a closed one is skipped


def test_settlement_per_style():
    assert settle_closed(BINANCE, 30.0, 1_000.0, 0.0).fee == 30.0  # all the margin left: clearance fee
    dydx = settle_closed(DYDX, 30.0, 1_000.0, 0.0)
    assert (dydx.fee, dydx.to_owner) == (pytest.approx(15.0), pytest.approx(15.0))  # 1.5% of 1,000
    assert settle_closed(DYDX, 10.0, 1_000.0, 0.0).fee == 10.0  # capped by what is left
    hl = settle_closed(HYPERLIQUID, 30.0, 1_000.0, 0.0)
    assert (hl.fee, hl.to_owner) == (0.0, 30.0)
    short = settle_closed(BINANCE, -20.0, 1_000.0, 15.0)
    assert (short.from_fund, short.bad_debt) == (15.0, 5.0)


def test_rules_refuse_unknown_styles():
    with pytest.raises(ValueError, match="style"):
        ClearingRules("bybit")
    with pytest.raises(ValueError, match="adl_price"):
        ClearingRules("binance", adl_price="last")


money = st.floats(-1e7, 1e7, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["binance", "hyperliquid", "dydx"]), money, st.floats(0, 1e8), money)
def test_settlement_accounts_for_every_unit_of_margin(style, left, notional, fund):
    s = settle_closed(ClearingRules(style), left, notional, fund)
    assert min(s.fee, s.to_owner, s.from_fund, s.bad_debt) >= 0
    assert left == pytest.approx(s.to_owner + s.fee - s.from_fund - s.bad_debt, abs=1e-6)
    assert s.from_fund <= max(fund, 0)


def test_a_fill_is_beyond_the_bound_only_past_it_by_more_than_dust():
    from sim.market.clearing import beyond

    assert beyond(-1, 11.01, 11.0) and not beyond(-1, 11.0, 11.0)  # a short bought above its bound
    assert beyond(1, 7.99, 8.0) and not beyond(1, 8.0 - 1e-12, 8.0)  # a long sold below it; dust is not
