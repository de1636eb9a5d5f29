"""Durations and fractions written with units: "250ms", "8h", "2%", "50bp", and back."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.core.units import format_duration, parse_duration, parse_fraction

DURATION_HINT = "expected a duration like '250ms', '3s', '8h', got "
FRACTION_HINT = "expected a fraction like 0.02 or '2%', got "


# ----------------------------------------------------------------------------- parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("3s", 3.0),
        ("3sec", 3.0),
        ("1.5s", 1.5),
        (".5s", 0.5),
        ("5min", 300.0),
        ("8h", 28800.0),
        ("1d", 86400.0),
        ("20ms", 0.02),
        ("150ms", 0.15),
        ("1e3ms", 1.0),
        ("2.5e-1s", 0.25),
        ("  3 s  ", 3.0),
        ("250 ms", 0.25),
        ("42", 42.0),
        ("0", 0.0),
        ("0ms", 0.0),
        ("-5ms", -0.005),  # the sign is read here; ranges are checked by the config
    ],
)
def test_parse_duration_reads_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("number", "seconds"), [(2, 2.0), (0.25, 0.25), (0, 0.0), (28800, 28800.0), (-1, -1.0)])
def test_parse_duration_passes_numbers_through_as_seconds(number, seconds):
    result = parse_duration(number)
    assert result == seconds
    assert type(result) is float


@pytest.mark.parametrize(("text", "seconds"), [("9ms", 0.009), ("13ms", 0.013), ("100us", 0.0001), ("100µs", 0.0001)])
def test_parse_duration_sub_second_units_give_the_nearest_float(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, DURATION_HINT + "True"),
        (False, DURATION_HINT + "False"),
        ("fast", DURATION_HINT + "'fast'"),
        ("", DURATION_HINT + "''"),
        ("5 parsecs", DURATION_HINT + "'5 parsecs'"),
        ("250MS", DURATION_HINT + "'250MS'"),
        ("2m", DURATION_HINT + "'2m'"),  # minutes are "min": "2m" is one typo from "2ms"
        ("ms", DURATION_HINT + "'ms'"),
        ("1,5s", DURATION_HINT + "'1,5s'"),
        ("inf", DURATION_HINT + "'inf'"),
        ("nan", DURATION_HINT + "'nan'"),
        (None, DURATION_HINT + "None"),
        ([1], DURATION_HINT + "[1]"),
        (math.nan, "expected a finite duration, got nan"),
        (math.inf, "expected a finite duration, got inf"),
        (-math.inf, "expected a finite duration, got -inf"),
        ("1e400s", "expected a finite duration, got '1e400s'"),
    ],
)
def test_parse_duration_rejects_with_the_accepted_forms(value, message):
    with pytest.raises(ValueError) as exc:
        parse_duration(value)
    assert str(exc.value) == message


# ----------------------------------------------------------------------------- parse_fraction


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("2%", 0.02),
        ("1%", 0.01),
        ("10%", 0.1),
        ("90%", 0.9),
        ("0.05%", 0.0005),
        ("0.2%", 0.002),
        ("50bp", 0.005),
        ("50bps", 0.005),
        ("1bp", 0.0001),
        (" 2 % ", 0.02),
        ("0.02", 0.02),
        ("-1%", -0.01),  # the sign is read here; ranges are checked by the config
    ],
)
def test_parse_fraction_reads_percent_and_basis_points(text, fraction):
    assert parse_fraction(text) == fraction


@pytest.mark.parametrize(("number", "fraction"), [(0.02, 0.02), (1, 1.0), (0, 0.0), (1.5, 1.5)])
def test_parse_fraction_passes_numbers_through(number, fraction):
    result = parse_fraction(number)
    assert result == fraction
    assert type(result) is float


@pytest.mark.parametrize(("text", "fraction"), [("57%", 0.57), ("35%", 0.35), ("3bp", 0.0003), ("13bp", 0.0013)])
def test_parse_fraction_gives_the_nearest_float(text, fraction):
    assert parse_fraction(text) == fraction


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, FRACTION_HINT + "True"),
        (False, FRACTION_HINT + "False"),
        ("fast", FRACTION_HINT + "'fast'"),
        ("2 %%", FRACTION_HINT + "'2 %%'"),
        ("50bpx", FRACTION_HINT + "'50bpx'"),
        ("%", FRACTION_HINT + "'%'"),
        (None, FRACTION_HINT + "None"),
        (math.nan, "expected a finite fraction, got nan"),
        (math.inf, "expected a finite fraction, got inf"),
        ("1e400%", "expected a finite fraction, got '1e400%'"),
    ],
)
def test_parse_fraction_rejects_with_the_accepted_forms(value, message):
    with pytest.raises(ValueError) as exc:
        parse_fraction(value)
    assert str(exc.value) == message


# ----------------------------------------------------------------------------- format_duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.25, "250ms"),
        (0.001, "1ms"),
        (1.5, "1500ms"),
        (3.0, "3s"),
        (90.0, "90s"),
        (60.0, "1min"),
        (300.0, "5min"),
        (5400.0, "90min"),
        (3600.0, "1h"),
        (28800.0, "8h"),
        (259200.0, "72h"),
        (0.0, "0s"),
        (0.0005, "0.0005s"),
    ],
)
def test_format_duration_shortest_readable_form(seconds, text):
    assert format_duration(seconds) == text


@given(st.integers(min_value=0, max_value=999_999))
def test_format_then_parse_is_close_below_a_thousand_seconds(ms):
    seconds = ms / 1000
    assert math.isclose(parse_duration(format_duration(seconds)), seconds, rel_tol=1e-12, abs_tol=0.0)


@given(st.integers(min_value=0, max_value=10**12))
def test_format_then_parse_round_trips_whole_milliseconds_exactly(ms):
    seconds = ms / 1000
    assert parse_duration(format_duration(seconds)) == seconds


def test_format_duration_keeps_every_digit_of_a_long_duration():
    assert parse_duration(format_duration(649522587.953)) == 649522587.953
