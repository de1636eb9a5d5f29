"""PositionBook's shortcuts against plain scans: the O(1) bound on liquidation prices, pids from the
index, ADL queues (and the ranking kept between calls), the splice with a moving start, and the
read-only column views kept between appends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_positions import _apply, ops

from sim.market import positions
from sim.market.liquidation import AdlRanking, _scores
from sim.market.margin import MarginTiers
from sim.market.positions import PositionBook
from sim.market.sides import BUY, LONG, SELL, SHORT

TIERS = MarginTiers.flat(0.01)


@settings(max_examples=250, deadline=None)
@given(
    st.lists(ops, min_size=1, max_size=40),
    st.lists(st.floats(80, 125), min_size=1, max_size=4),
    st.sampled_from([1, 3, 64]),
    st.sampled_from([positions.PIDS_SCAN, 10**9]),  # 10**9: every side is read from its index
)
def test_shortcuts_match_scans(sequence, marks, limit, pids_scan):
    book = PositionBook(TIERS, capacity=2, buffer_limit=limit)
    default, positions.PIDS_SCAN = positions.PIDS_SCAN, pids_scan
    try:
        for op in sequence:
            _apply(book, op)
            for s in (LONG, SHORT):
                open_ = np.flatnonzero(book.side == s)
                assert book.pids(s).tolist() == open_.tolist()
                for mark in marks:
                    crossed = [p for p in open_ if (book.liq_price[p] - mark) * s >= 0]
                    assert sorted(book.liquidatable(s, mark).tolist()) == sorted(crossed)
                # the ADL queue: ranked profitable positions, then the rest by pid
                score = _scores(s, book.qty[open_], book.entry[open_], book.margin[open_], 100.0, "binance")
                ranked = sorted((-sc, p) for sc, p in zip(score.tolist(), open_.tolist(), strict=True) if sc > 0)
                rest = [p for sc, p in zip(score.tolist(), open_.tolist(), strict=True) if not sc > 0]
                assert list(AdlRanking(book, s, "binance").queue(100.0)) == [p for _, p in ranked] + rest
    finally:
        positions.PIDS_SCAN = default


@settings(max_examples=200, deadline=None)
@given(
    st.lists(ops, min_size=1, max_size=40),
    st.lists(st.sampled_from([95.0, 100.0, 104.0]), min_size=1, max_size=3),
    st.sampled_from(["binance", "hyperliquid"]),
    st.sampled_from([2, positions.JOURNAL_MAX]),  # 2: the journal restarts between calls
)
def test_adl_ranking_kept_between_calls_matches_a_fresh_one(sequence, marks, method, journal_max):
    book = PositionBook(TIERS, capacity=2, buffer_limit=3)
    rankings = {s: AdlRanking(book, s, method) for s in (LONG, SHORT)}
    default, positions.JOURNAL_MAX = positions.JOURNAL_MAX, journal_max
    try:
        for op in sequence:
            _apply(book, op)
            for mark in marks:
                for s, ranking in rankings.items():
                    assert list(ranking.queue(mark)) == list(AdlRanking(book, s, method).queue(mark))
    finally:
        positions.JOURNAL_MAX = default


@settings(max_examples=300, deadline=None)
@given(st.data(), st.integers(0, 30), st.integers(0, 6), st.integers(0, 6))
def test_splice_with_a_moving_start_matches_delete_and_insert(data, n, head, tail):
    """Any start and room on either side: the spliced slice is np.delete + np.insert's result."""
    cap = head + n + tail
    keys = np.arange(cap, dtype=float) * 10.0
    ids = np.arange(cap)
    drop = np.array(sorted(data.draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n))), dtype=np.int64)
    drop = drop[drop < n]
    room = cap - n + drop.size
    at = np.array(sorted(data.draw(st.lists(st.integers(0, n), max_size=room))), dtype=np.int64)
    new_keys, new_ids = -1.0 - np.arange(at.size), -1 - np.arange(at.size)
    k, p = keys[head : head + n], ids[head : head + n]
    want_k = np.insert(np.delete(k, drop), at - np.searchsorted(drop, at), new_keys)
    want_p = np.insert(np.delete(p, drop), at - np.searchsorted(drop, at), new_ids)
    start = positions._splice((keys, ids), head, n, drop, at, (new_keys, new_ids))
    size = n - drop.size + at.size
    assert start >= 0 and start + size <= cap
    assert keys[start : start + size].tolist() == want_k.tolist()
    assert ids[start : start + size].tolist() == want_p.tolist()


def test_a_mark_crossing_nothing_is_ruled_out_in_o1_until_a_position_comes_near():
    book = PositionBook(TIERS)
    book.open_many(np.arange(1000), SHORT, np.ones(1000), 10.0, np.linspace(1.0, 5.0, 1000))
    low = float(book.liq_price.min())
    assert book.liquidatable(SHORT, low - 0.01).size == 0 and book.liquidatable(SHORT, low).size == 1
    assert book.liquidatable(LONG, 1.0).size == 0  # no longs at all
    first = int(book.liquidatable(SHORT, low)[0])
    book.trade(first, BUY, float(book.qty[first]), 10.0)  # closed: its bound stays until a search
    assert book.liquidatable(SHORT, low).size == 0  # finds nothing below the next one
    pid = int(book.pids(SHORT)[-1])
    book.withdraw(pid, float(book.margin[pid]) * 0.99)  # brought near: the bound follows at once
    assert book.liquidatable(SHORT, float(book.liq_price[pid])).tolist()[-1] == pid


def test_column_views_follow_appends_and_stay_read_only():
    book = PositionBook(TIERS, capacity=2)
    first = book.qty
    assert first is book.qty  # kept between calls
    pid = book.open(1, SHORT, 2.0, 100.0, 10.0)
    book.open(2, LONG, 3.0, 100.0, 10.0)  # reallocates past the capacity
    assert book.qty.tolist() == [2.0, 3.0] and book.side.tolist() == [SHORT, LONG]
    book.trade(pid, SELL, 1.0, 100.0)
    assert book.qty[pid] == 3.0
    with pytest.raises(ValueError):
        book.margin[0] = 0.0
