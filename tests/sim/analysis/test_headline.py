"""The one-line run summary in words, and ``perpsim --version``."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from sim.analysis.headline import headline
from sim.cli import main


def summary(**changes) -> dict:
    base = {
        "cascade_direction": "buy",
        "peak_price": {"spot": 15.06},
        "min_price": {"spot": 10.0, "perp": 9.9},
        "liquidations": 1500,
        "waves": 5,
        "amplification": 93.34,
        "events_processed": 5596,
        "wall_time_s": 0.1034,
    }
    return {**base, **changes}


def test_a_squeeze_states_its_peak():
    assert headline("rocket", summary()) == (
        "rocket: a squeeze (buying ignition): 1500 liquidations in 5 waves, spot peaked at $15.06, "
        "amplification 93.3x, 5596 events in 0.10 s"
    )


def test_a_crash_states_its_trough_per_venue_not_a_peak():
    line = headline(
        "crash",
        summary(
            cascade_direction="sell",
            peak_price={"spot": 20.0, "wrapped": 20.0},
            min_price={"spot": 13.2, "wrapped": 8.0, "perp": 13.1},
            liquidations=1,
            waves=1,
            amplification=None,
        ),
    )
    assert line.startswith("crash: a crash (selling ignition): 1 liquidation in 1 wave, ")
    assert "spot bottomed at $13.20 on spot, $8.00 on wrapped, no ignition, " in line
    assert "peak" not in line


def test_no_liquidations_and_no_spot_trades_are_said_so():
    line = headline("quiet", summary(peak_price={"spot": None}, liquidations=0, waves=0))
    assert "no liquidations, no spot trades," in line


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"perpsim {version('perpsim')}\n"
