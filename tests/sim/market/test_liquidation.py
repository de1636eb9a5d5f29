"""ADL ranking (docs/MECHANICS.md §5): worked examples and properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.liquidation import AdlRanking, _score, _scores
from sim.market.margin import MarginTiers
from sim.market.positions import PositionBook
from sim.market.sides import LONG, SHORT


def _three_longs_at_120():
    # A: 1 at 100, margin 10   → upnl 20, value 30
    # B: 2 at 110, margin 50   → upnl 20, value 70
    # C: 1 at 80,  margin 100  → upnl 40, value 140
    # D: 1 at 130, margin 10   → upnl −10: not ranked
    return np.array([1.0, 2.0, 1.0, 1.0]), np.array([100.0, 110.0, 80.0, 130.0]), np.array([10.0, 50, 100, 10])


def test_adl_scores_binance():
    qty, entry, margin = _three_longs_at_120()
    # PnL% × Q·mark/value: A 0.2·120/30 = 0.8; B (20/220)·(240/70) = 24/77; C 0.5·(120/140) = 3/7
    got = _scores(LONG, qty, entry, margin, 120.0, "binance")
    np.testing.assert_allclose(got[:3], [0.8, 24 / 77, 3 / 7], rtol=1e-12)
    assert got[3] == -math.inf


def test_adl_scores_hyperliquid():
    qty, entry, margin = _three_longs_at_120()
    # (mark/entry)·(notional/value): A 1.2·4 = 4.8; B (12/11)·(240/70) = 288/77; C 1.5·(120/140) = 9/7
    got = _scores(LONG, qty, entry, margin, 120.0, "hyperliquid")
    np.testing.assert_allclose(got[:3], [4.8, 288 / 77, 9 / 7], rtol=1e-12)
    # a short 1 at 100 marked 80, margin 10: upnl 20, value 30 → (100/80)·(80/30) = 10/3
    one = np.array([1.0]), np.array([100.0]), np.array([10.0])
    assert _scores(SHORT, *one, 80.0, "hyperliquid")[0] == pytest.approx(10 / 3)


def test_adl_queue_both_methods():
    book = PositionBook(MarginTiers.flat(0.01))
    book.open(0, SHORT, 1, 120, 30)  # pid 0: other side, never ranked for longs
    qty, entry, margin = _three_longs_at_120()
    a, b, c, d = book.open_many(np.arange(4), LONG, qty, entry, margin)
    # binance: A 0.8 > C 0.4286 > B 0.3117;  hyperliquid: A 4.8 > B 3.74 > C 1.29; D (a loss) last
    assert list(AdlRanking(book, LONG, "binance").queue(120.0)) == [a, c, b, d]
    assert list(AdlRanking(book, LONG, "hyperliquid").queue(120.0)) == [a, b, c, d]
    # ties by ascending pid
    twin = book.open(9, LONG, 1, 100, 10)  # same as A
    assert list(AdlRanking(book, LONG, "binance").queue(120.0))[:2] == [a, twin]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([LONG, SHORT]),
    st.floats(1e-3, 1e4),
    st.floats(1e-2, 1e3),
    st.floats(-1e5, 1e5),
    st.floats(1e-2, 1e3),
    st.sampled_from(["binance", "hyperliquid"]),
)
def test_one_score_is_the_vectorised_score_bit_for_bit(side, qty, entry, margin, mark, method):
    """The ADL ranking re-scores single records in Python: the same floats as the numpy ranking."""
    want = float(_scores(side, np.array([qty]), np.array([entry]), np.array([margin]), mark, method)[0])
    got = _score(side, qty, entry, margin, mark, method)
    assert got == want or (math.isnan(got) and math.isnan(want))


def test_bad_input_names_argument():
    book = PositionBook(MarginTiers.flat(0.01))
    book.open(0, LONG, 1, 100, 10)
    with pytest.raises(ValueError, match="method.*'bybit'"):
        AdlRanking(book, LONG, "bybit")
    with pytest.raises(ValueError, match="mark"):
        AdlRanking(book, LONG, "binance").queue(0.0)
