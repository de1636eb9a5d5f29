"""sim/market/attribution.py: level ownership and a publication's shares, against hand-computed numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.market.attribution import LevelOwners, MoveWindow, normalised


def test_a_crossing_of_fresh_levels_credits_their_owner_and_takes_the_rest():
    owners = LevelOwners(memory=10.0)
    assert owners.cross(10.0, 12.0, record=1, now=0.0) == [(1, 2.0)]
    # 11-12 was crossed by 1 a second ago: still 1's; 12-13 is new: 2's
    assert owners.cross(11.0, 13.0, record=2, now=1.0) == [(1, 1.0), (2, 1.0)]
    assert (owners.lo, owners.hi, [r for r, _ in owners.owner]) == ([10.0, 12.0], [12.0, 13.0], [1, 2])


def test_levels_older_than_the_memory_go_to_the_new_crosser():
    owners = LevelOwners(memory=0.5)
    owners.cross(10.0, 12.0, record=1, now=0.0)
    assert owners.cross(11.0, 11.5, record=2, now=1.0) == [(2, 0.5)]
    assert (owners.lo, owners.hi, [r for r, _ in owners.owner]) == ([10.0, 11.0, 11.5], [11.0, 11.5, 12.0], [1, 2, 1])


def test_a_gap_between_owned_levels_goes_to_the_crosser():
    owners = LevelOwners(memory=10.0)
    owners.cross(10.0, 11.0, record=1, now=0.0)
    owners.cross(12.0, 13.0, record=2, now=0.0)
    assert owners.cross(10.5, 12.5, record=3, now=1.0) == [(1, 0.5), (3, 1.0), (2, 0.5)]


def test_a_print_back_to_a_level_another_record_set_does_not_take_its_credit():
    """Record 1 lifts 10 -> 12, 2 sells it to 11, 3 buys it back to 12: the window's net move
    (+2) is all 1's; with a short memory, 3 takes the levels it re-crossed."""
    window = MoveWindow({"spot": 1.0})
    window.update("spot", 10.0, 0, now=0.0)  # the opening: no move
    window.update("spot", 12.0, 1, now=0.0)
    window.update("spot", 11.0, 2, now=1.0)
    window.update("spot", 12.0, 3, now=2.0)
    assert window.close() == ([(1, 1.0)], 1)
    forgetful = MoveWindow({"spot": 1.0}, memory=0.5)
    for price, record, now in ((10.0, 0, 0.0), (12.0, 1, 0.0), (11.0, 2, 1.0), (12.0, 3, 2.0)):
        forgetful.update("spot", price, record, now)
    shares, primary = forgetful.close()
    assert shares == [(1, pytest.approx(2 / 3)), (3, pytest.approx(1 / 3))]
    assert primary == 3  # it took the price to the published level


def test_sources_are_weighted_and_moves_against_the_net_move_get_no_share():
    window = MoveWindow({"a": 7.0, "b": 3.0})
    window.update("a", 10.0, 0, 0.0)
    window.update("b", 10.0, 1, 0.0)
    window.update("a", 11.0, 2, 0.5)  # +1 x 0.7
    window.update("b", 12.0, 3, 0.6)  # +2 x 0.3
    window.update("b", 11.5, 4, 0.7)  # -0.5 x 0.3: against the net move
    shares, primary = window.close()
    assert shares == [(2, pytest.approx(0.7 / 1.3)), (3, pytest.approx(0.6 / 1.3))]
    assert primary == 3


def test_cancelling_moves_share_by_size_and_a_still_window_repeats_the_last_shares():
    window = MoveWindow({"spot": 1.0})
    window.update("spot", 10.0, 0, 0.0)
    window.update("spot", 11.0, 1, 0.0)
    window.update("spot", 10.0, 2, 0.1)
    assert window.close() == ([(1, 0.5), (2, 0.5)], 2)
    assert window.close() == ([(1, 0.5), (2, 0.5)], 2)


def test_the_first_publication_credits_each_sources_latest_price_by_weight():
    window = MoveWindow({"a": 3.0, "b": 1.0})
    window.update("a", 10.0, 5, 0.0)
    window.update("b", 10.2, 6, 0.0)
    window.update("b", None, 7, 0.1)  # a venue publishing a mid with one side empty: no move
    assert window.close() == ([(5, 0.75), (6, 0.25)], 5)


def test_normalised_sums_per_record_and_drops_zeros():
    assert normalised([(1, 1.0), (2, 0.0), (1, 2.0), (3, 1.0)]) == [(1, 0.75), (3, 0.25)]
    assert normalised([(1, 0.0)]) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.integers(900, 1100), st.floats(0, 0.2)), min_size=1, max_size=30))
def test_shares_are_positive_and_sum_to_one_and_the_primary_is_a_contributor(updates):
    window = MoveWindow({"a": 0.7, "b": 0.3}, memory=1.0)
    now = 0.0
    for record, (source, cents, step) in enumerate(updates):
        now += step
        window.update(source, cents / 100, record, now)
        if record % 7 == 6:
            shares, primary = window.close()
            assert sum(s for _, s in shares) == pytest.approx(1.0)
            assert all(s > 0 for _, s in shares) and primary in {r for r, _ in shares}
