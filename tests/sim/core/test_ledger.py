"""Double-entry balances: transfers conserve every asset."""

import math

from hypothesis import given
from hypothesis import strategies as st

from sim.core.ledger import Balance, Ledger
from sim.market.assets import ASSET, QUOTE


def test_account_ids_are_opened_in_order_and_reused_by_name():
    ledger = Ledger()
    assert ledger.account("whale") == 0
    assert ledger.account("mm") == 1
    assert ledger.account("whale") == 0
    assert ledger.account("holders") == 2
    assert ledger.names == ["whale", "mm", "holders"]
    assert ledger.of("mm") == Balance(0.0, 0.0)


def test_endow_counts_as_inflow_and_transfers_move_money():
    ledger = Ledger()
    whale, holders = ledger.account("whale"), ledger.account("holders")
    ledger.endow(whale, QUOTE, 200_000.0)
    ledger.endow(holders, ASSET, 1_000_000.0)
    ledger.transfer(whale, holders, QUOTE, 10_500.0)
    ledger.transfer(holders, whale, ASSET, 1_000.0)

    assert ledger.of("whale") == Balance(189_500.0, 1_000.0)
    assert ledger.of("holders") == Balance(10_500.0, 999_000.0)
    assert ledger.balance(whale, QUOTE) == 189_500.0
    assert ledger.total(QUOTE) == 200_000.0
    assert ledger.total(ASSET) == 1_000_000.0
    assert ledger.endowed == [200_000.0, 1_000_000.0]


def test_negative_transfer_moves_money_back():
    ledger = Ledger()
    a, b = ledger.account("a"), ledger.account("b")
    ledger.endow(a, QUOTE, 100.0)
    ledger.transfer(a, b, QUOTE, 30.0)
    ledger.transfer(a, b, QUOTE, -10.0)
    assert ledger.of("a") == Balance(80.0, 0.0)
    assert ledger.of("b") == Balance(20.0, 0.0)


def test_balances_may_go_negative_but_totals_stay():
    ledger = Ledger()
    a, b = ledger.account("a"), ledger.account("b")
    ledger.transfer(a, b, ASSET, 5.0)  # a short seller owes tokens
    assert ledger.of("a") == Balance(0.0, -5.0)
    assert ledger.total(ASSET) == 0.0


amounts = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(
    endowments=st.lists(st.tuples(amounts, amounts), min_size=1, max_size=8),
    transfers=st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 7), st.sampled_from([QUOTE, ASSET]), amounts), max_size=60
    ),
)
def test_any_transfers_keep_totals_equal_to_endowments(endowments, transfers):
    ledger = Ledger()
    ids = [ledger.account(f"acct{i}") for i in range(len(endowments))]
    for aid, (quote, asset) in zip(ids, endowments, strict=True):
        ledger.endow(aid, QUOTE, quote)
        ledger.endow(aid, ASSET, asset)
    for src, dst, asset, amount in transfers:
        ledger.transfer(ids[src % len(ids)], ids[dst % len(ids)], asset, amount)

    for asset in (QUOTE, ASSET):
        expected = math.fsum(e[asset] for e in endowments)
        assert math.isclose(ledger.total(asset), expected, rel_tol=0.0, abs_tol=1e-6)
