"""PositionBook.add_margins: vectorised margin changes keep prices and the index exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.margin import MarginTiers, liquidation_price
from sim.market.positions import PositionBook
from sim.market.sides import LONG, SHORT


def test_a_funding_payment_moves_a_short_liquidation_price_by_hand():
    book = PositionBook(MarginTiers.flat(0.01))
    pid = book.open(owner=1, side=SHORT, qty=10.0, entry=100.0, margin=100.0)
    # LP = (WB + Q·EP) / (Q·MMR + Q) = (100 + 1000) / (0.1 + 10) = 1100 / 10.1
    assert book.liq_price[pid] == pytest.approx(1100 / 10.1)
    book.add_margins([pid], [-10.0])  # pays 10 of funding
    # (90 + 1000) / 10.1 = 1090 / 10.1 = 107.920792...
    assert book.margin[pid] == pytest.approx(90.0)
    assert book.liq_price[pid] == pytest.approx(1090 / 10.1)
    assert book.bankruptcy_price[pid] == pytest.approx(109.0)  # 100 + 90/10
    assert book.liquidatable(SHORT, 107.93).tolist() == [pid]
    assert book.liquidatable(SHORT, 107.9).tolist() == []


def test_bad_arguments_name_themselves():
    book = PositionBook(MarginTiers.flat(0.01))
    pid = book.open(1, LONG, 1.0, 10.0, 2.0)
    with pytest.raises(ValueError, match="pids must be distinct"):
        book.add_margins([pid, pid], [1.0, 1.0])
    with pytest.raises(ValueError, match="amounts"):
        book.add_margins([pid], [1.0, 2.0])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 80),
    seed=st.integers(0, 2**31),
    mark=st.floats(5.0, 20.0),
    buffer_limit=st.sampled_from([4, 256]),
)
def test_liquidatable_equals_a_linear_scan_after_margin_changes(n, seed, mark, buffer_limit):
    rng = np.random.default_rng(seed)
    tiers = MarginTiers.flat(0.02)
    book = PositionBook(tiers, buffer_limit=buffer_limit)
    sides = rng.choice([LONG, SHORT], n)
    qty = rng.uniform(0.5, 5.0, n)
    entry = rng.uniform(8.0, 15.0, n)
    margin = qty * entry * rng.uniform(0.05, 0.5, n)
    pids = np.array(
        [
            book.open(int(o), int(s), float(q), float(e), float(m))
            for o, s, q, e, m in zip(range(n), sides, qty, entry, margin, strict=True)
        ]
    )
    book.trade(int(pids[0]), -int(sides[0]), float(qty[0]) / 2, 12.0)  # one record sits in the buffer
    chosen = rng.choice(pids, size=rng.integers(1, n + 1), replace=False)
    amounts = rng.uniform(-0.5, 0.5, chosen.size) * book.margin[chosen]
    book.add_margins(chosen, amounts)
    for pid in pids:
        s = int(book.side[pid])
        expected = liquidation_price(s, float(book.qty[pid]), float(book.entry[pid]), float(book.margin[pid]), tiers)
        assert book.liq_price[pid] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    for side in (LONG, SHORT):
        open_ = pids[book.side[pids] == side]
        crossed = open_[book.liq_price[open_] <= mark] if side == SHORT else open_[book.liq_price[open_] >= mark]
        assert sorted(book.liquidatable(side, mark).tolist()) == sorted(crossed.tolist())
