"""Mark price (MECHANICS.md §2): hand-computed examples."""

import math

import pytest

from sim.market.mark import IrregularEMA, MovingAverage, binance_mark, hyperliquid_mark

# I = 100, F_last = 0.01%, 4 h of an 8 h interval left:
# P1 = 100 * (1 + 0.0001 * 14400/28800) = 100 * 1.00005 = 100.005
BINANCE = {
    "index": 100.0,
    "last_funding_rate": 0.0001,
    "t_to_next_funding": 14400.0,
    "funding_interval": 28800.0,
}


@pytest.mark.parametrize(
    ("basis_ma", "last_price", "expected"),
    [
        (0.02, 99.99, 100.005),  # P2 = 100.02, last 99.99 -> P1 in the middle
        (0.01, 100.1, 100.01),  # P2 = 100.01 between P1 = 100.005 and last 100.1
        (0.05, 100.02, 100.02),  # P2 = 100.05 > last 100.02 > P1 = 100.005
    ],
)
def test_binance_mark_each_input_is_the_median_in_turn(basis_ma, last_price, expected):
    mark = binance_mark(**BINANCE, basis_ma=basis_ma, last_price=last_price)
    assert mark == pytest.approx(expected, rel=1e-12)


def test_binance_mark_at_funding_time_p1_is_the_index():
    # t_to_next = 0 -> P1 = 100; P2 = 99.9; last 100.3 -> median 100
    assert binance_mark(100.0, 0.003, 0.0, 28800.0, -0.1, 100.3) == 100.0


def test_moving_average_keeps_last_n():
    ma = MovingAverage(3)
    assert ma.value == 0.0
    ma.add(1.0)
    ma.add(2.0)
    assert ma.value == 1.5  # (1 + 2) / 2
    ma.add(3.0)
    ma.add(4.0)
    assert ma.value == 3.0  # (2 + 3 + 4) / 3, the 1 dropped


def test_irregular_ema_by_hand_with_halving_decay():
    # tau = 1/ln 2 so that e^(-dt/tau) = 2^(-dt)
    ema = IrregularEMA(tau=1 / math.log(2))
    ema.add(5.0, 0.0)  # first sample only starts the clock
    assert ema.value == 0.0
    ema.add(2.0, 1.0)  # dt 1: num = 0 + 2*1 = 2,          den = 0 + 1 = 1
    assert ema.value == pytest.approx(2.0)
    ema.add(4.0, 3.0)  # dt 2: num = 2/4 + 4*2 = 8.5,      den = 1/4 + 2 = 2.25
    assert ema.value == pytest.approx(8.5 / 2.25)
    ema.add(1.0, 4.0)  # dt 1: num = 8.5/2 + 1 = 5.25,     den = 2.25/2 + 1 = 2.125
    assert ema.value == pytest.approx(42 / 17)  # 5.25 / 2.125 = 2.470588...


def test_irregular_ema_default_tau():
    ema = IrregularEMA()  # tau 150 s
    ema.add(7.0, 0.0)
    ema.add(2.0, 150.0)  # num = 2*150 = 300, den = 150
    ema.add(4.0, 450.0)  # num = 300 e^-2 + 4*300, den = 150 e^-2 + 300
    # e^-2 = 0.135335283; (40.600585 + 1200) / (20.300292 + 300) = 1240.600585 / 320.300292
    assert ema.value == pytest.approx(3.8732421233, rel=1e-9)


def test_irregular_ema_same_time_sample_has_no_weight():
    ema = IrregularEMA(10.0)
    ema.add(1.0, 0.0)
    ema.add(3.0, 0.0)
    assert ema.value == 0.0  # den still 0
    ema.add(3.0, 2.0)
    ema.add(99.0, 2.0)  # dt 0: decay 1, adds 0
    assert ema.value == pytest.approx(3.0)


def test_hyperliquid_mark():
    # O + EMA = 100 + 0.3 = 100.3; median(bid 100.1, ask 100.2, last 100.4) = 100.2
    # two inputs -> (100.3 + 100.2) / 2
    assert hyperliquid_mark(100.0, 0.3, 100.1, 100.2, 100.4) == pytest.approx(100.25)
    # with one external mid 100.22: median(100.3, 100.2, 100.22) = 100.22
    assert hyperliquid_mark(100.0, 0.3, 100.1, 100.2, 100.4, [100.22]) == pytest.approx(100.22)
    # with 100.22, 100.5: sorted 100.2, 100.22, 100.3, 100.5 -> (100.22 + 100.3) / 2
    mark = hyperliquid_mark(100.0, 0.3, 100.1, 100.2, 100.4, (100.22, 100.5))
    assert mark == pytest.approx(100.26)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: binance_mark(-1.0, 0.0, 0.0, 28800.0, 0.0, 1.0), r"index.*-1\.0"),
        (lambda: binance_mark(1.0, 0.0, 30000.0, 28800.0, 0.0, 1.0), r"t_to_next_funding.*30000"),
        (lambda: binance_mark(1.0, 0.0, 0.0, 0.0, 0.0, 1.0), r"funding_interval.*0\.0"),
        (lambda: binance_mark(1.0, math.nan, 0.0, 1.0, 0.0, 1.0), r"last_funding_rate.*nan"),
        (lambda: binance_mark(1.0, 0.0, 0.0, 1.0, 0.0, 0.0), r"last_price.*0\.0"),
        (lambda: MovingAverage(0), r"n.*0"),
        (lambda: MovingAverage().add(math.inf), r"x.*inf"),
        (lambda: IrregularEMA(-5.0), r"tau.*-5\.0"),
        (lambda: hyperliquid_mark(1.0, 0.0, -1.0, 1.0, 1.0), r"best_bid.*-1\.0"),
        (lambda: hyperliquid_mark(1.0, 0.0, 1.0, 1.0, 1.0, [0.0]), r"external_mids.*0\.0"),
    ],
)
def test_bad_input_raises_naming_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_irregular_ema_rejects_time_going_backwards():
    ema = IrregularEMA()
    ema.add(1.0, 10.0)
    with pytest.raises(ValueError, match=r"t must be >= .*10\.0.*got 9\.0"):
        ema.add(1.0, 9.0)
