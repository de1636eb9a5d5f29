"""Hostile input, continued: malformed experiments and CLI calls not already in tests/sim/core/test_config.py
and tests/sim/test_cli.py, each with the exact one-line error it must print, exit status 2, no
traceback and no output folder.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.core import tomlwrite
from sim.core.config import read_toml
from sim.core.errors import ConfigError
from sim.engine.config import from_dict, topology
from tests.mutations import put

REPO = Path(__file__).resolve().parents[3]
PERPSIM = Path(sys.executable).parent / "perpsim"


def drop_book_sides(raw):
    del raw["spot"]["spot"]["book"]["asks"], raw["spot"]["spot"]["book"]["bids"]


# (case id, mutation of the rocket raw dict, exact message)
MALFORMED = [
    ("empty-population", put("perp.perp.populations.shorts", {}),
     "perp.perp.populations.shorts: give exactly one of quantity or notional"),
    ("population-of-nothing", put("perp.perp.populations.shorts.notional", 0),
     "perp.perp.populations.shorts.notional: must be > 0, got 0.0"),
    ("population-count-negative", put("perp.perp.populations.shorts.count", -5),
     "perp.perp.populations.shorts.count: must be >= 1, got -5"),
    ("population-leverage-zero", put("perp.perp.populations.shorts.leverage", 0),
     "perp.perp.populations.shorts.leverage: must be > 0, got 0.0"),
    ("population-side-typo", put("perp.perp.populations.shorts.side", "shrot"),
     "perp.perp.populations.shorts.side: expected one of 'short', 'long', got 'shrot' (did you mean 'short'?)"),
    ("liq-price-range-upside-down", put("perp.perp.populations.shorts.liq_price", {"low": 15, "high": 11}),
     "perp.perp.populations.shorts.liq_price.high: must be >= low, got 11.0"),
    ("fraction-in-words", put("perp.perp.mmr", "1 percent"),
     "perp.perp.mmr: expected a fraction like 0.02 or '2%', got '1 percent'"),
    ("duration-where-a-fraction-goes", put("perp.perp.liquidation_fee", "5ms"),
     "perp.perp.liquidation_fee: expected a fraction like 0.02 or '2%', got '5ms'"),
    ("fraction-where-a-duration-goes", put("index.index.interval", "5%"),
     "index.index.interval: expected a duration like '250ms', '3s', '8h', got '5%'"),
    ("infinite-duration", put("experiment.duration", math.inf),
     "experiment.duration: expected a finite duration, got inf"),
    ("negative-engine-interval", put("perp.perp.engine_interval", "-1s"),
     "perp.perp.engine_interval: must be >= 0, got -1.0"),
    ("nan-latency-in-a-uniform-table", put("link.retail-spot.latency", {"model": "uniform", "low": math.nan}),
     "link.retail-spot.latency.low: expected a finite duration, got nan"),
    ("uniform-latency-upside-down",
     put("link.retail-spot.latency", {"model": "uniform", "low": "50ms", "high": "10ms"}),
     "link.retail-spot.latency.high: must be >= low"),
    ("lognormal-latency-zero-median", put("link.hedge.latency", {"model": "lognormal", "median": 0}),
     "link.hedge.latency.median: must be > 0, got 0.0"),
    ("empirical-latency-negative-sample", put("link.hedge.latency", {"model": "empirical", "samples": ["5ms", "-1ms"]}),
     "link.hedge.latency.samples: latency must be >= 0"),
    ("latency-true", put("link.hedge.latency", True),
     "link.hedge.latency: expected a duration like '250ms', '3s', '8h', got True"),
    ("duration-in-a-list", put("experiment.duration", ["3min"]),
     "experiment.duration: expected a duration like '250ms', '3s', '8h', got ['3min']"),
    ("duration-a-date", put("experiment.duration", dt.date(2024, 1, 1)),
     "experiment.duration: expected a duration like '250ms', '3s', '8h', got datetime.date(2024, 1, 1)"),
    ("seed-not-whole", put("experiment.seed", 7.5),
     "experiment.seed: expected an integer, got 7.5"),
    ("experiment-not-a-table", put("experiment", 3),
     "experiment: expected a table, got 3"),
    ("section-a-list", put("spot", [1, 2]),
     "spot: expected a table, got [1, 2]"),
    ("index-sources-a-list", put("index.index.sources", ["spot"]),
     "index.index.sources: expected a table, got ['spot']"),
    ("index-weight-zero", put("index.index.sources", {"spot": 0}),
     "index.index.sources.spot: must be > 0, got 0.0"),
    ("tier-row-too-short", put("perp.perp.tiers", [[1e6, 0.01]]),
     "perp.perp.tiers[0]: expected [notional_cap, mmr, max_leverage]"),
    ("book-with-no-sides", drop_book_sides,
     "spot.spot.book: needs asks, bids or profile"),
    ("depth-absurd", put("spot.spot.book.asks.notional", 1e30),
     "spot.spot.book.asks.notional: absurdly large: 1e+30 (must be < 1e13)"),
    ("liquidity-on-a-typo", put("liquidity.lp.venue", "spto"),
     "liquidity.lp.venue: 'spto' is not a spot id (did you mean 'spot'?)"),
    ("market-maker-on-an-index", put("market_maker.mm.perp", "index"),
     "market_maker.mm.perp: 'index' is not a perp id"),
    ("hedge-ratio-out-of-range", put("market_maker.mm.hedge_ratio", 3),
     "market_maker.mm.hedge_ratio: must be in [0, 2], got 3.0"),
    ("igniter-in-no-slices", put("igniter.whale.slices", 0),
     "igniter.whale.slices: must be >= 1, got 0"),
    ("noise-buy-share-above-one", put("noise.retail.buy_share", 1.5),
     "noise.retail.buy_share: must be in [0, 1], got 1.5"),
    ("link-kind-a-list", put("link.hedge.kind", ["hedge"]),
     "link.hedge.kind: expected a string, got ['hedge']"),
    ("link-src-a-number", put("link.hedge.src", 5),
     "link.hedge.src: expected a string, got 5"),
    ("index-sourcing-its-own-perp", put("index.index.sources", {"spot": 1.0, "perp": 1.0}),
     "index.index.sources.perp: 'perp' is not a spot id"),
]  # fmt: skip

# (case id, file text, exact message after "<file>: ")
BAD_TEXT = [
    ("duplicate-key", b'[experiment]\nname = "a"\nname = "b"\n',
     "TOML syntax error: Cannot overwrite a value (at line 3, column 11)"),
    ("duplicate-table", b'[experiment]\nname = "a"\n[experiment]\nseed = 1\n',
     "TOML syntax error: Cannot declare ('experiment',) twice (at line 3, column 12)"),
    ("unterminated-string", b'[experiment]\nname = "a\n',
     "TOML syntax error: Illegal character '\\n' (at line 2, column 10)"),
    ("two-values-on-a-line", b"[experiment]\nseed = 7 7\n",
     "TOML syntax error: Expected newline or end of document after a statement (at line 2, column 10)"),
    ("byte-order-mark", b'\xef\xbb\xbf[experiment]\nname = "x"\n',
     "TOML syntax error: Invalid statement (at line 1, column 1)"),
    ("not-utf8", b'[experiment]\nname = "\xff\xfe"\n',
     "not UTF-8 text (byte 21)"),
]  # fmt: skip


def rocket_raw() -> dict:
    return read_toml(REPO / "runs" / "rocket.toml")


def assert_rejected_and_nothing_written(code: int, out: str, err: str, folder: Path, expected: str, keep: set[str]):
    assert (code, out) == (2, "")
    assert err == f"perpsim: error: {expected}\n"
    assert {p.name for p in folder.iterdir()} == keep  # no output folder, no temporary folder


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_experiment_is_one_exact_line(mutate, message):
    raw = rocket_raw()
    mutate(raw)
    with pytest.raises(ConfigError) as exc:
        topology(from_dict(raw))
    assert str(exc.value) == message


WRITABLE = [c for c in MALFORMED if c[0] != "duration-a-date"]  # the TOML writer has no dates


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in WRITABLE], ids=[c[0] for c in WRITABLE])
def test_perpsim_run_on_a_malformed_file_exits_2_and_writes_nothing(mutate, message, tmp_path, capsys):
    raw = rocket_raw()
    mutate(raw)
    (tmp_path / "bad.toml").write_text(tomlwrite.dumps(raw))
    code = main(["run", str(tmp_path / "bad.toml"), "--out", str(tmp_path / "out"), "--no-plots"])
    assert_rejected_and_nothing_written(code, *capsys.readouterr(), tmp_path, message, {"bad.toml"})


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in BAD_TEXT], ids=[c[0] for c in BAD_TEXT])
def test_perpsim_run_on_an_unreadable_file_exits_2_and_writes_nothing(text, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_bytes(text)
    code = main(["run", "bad.toml", "--out", "out", "--no-plots"])
    assert_rejected_and_nothing_written(code, *capsys.readouterr(), tmp_path, f"bad.toml: {message}", {"bad.toml"})


def test_an_empty_file_is_missing_its_experiment(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.toml").write_bytes(b"")
    code = main(["run", "empty.toml", "--out", "out"])
    assert_rejected_and_nothing_written(code, *capsys.readouterr(), tmp_path, "experiment: missing required key",
                                        {"empty.toml"})  # fmt: skip


def test_a_folder_named_like_an_experiment_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.toml").mkdir()
    code = main(["run", "x.toml", "--out", "out"])
    assert_rejected_and_nothing_written(code, *capsys.readouterr(), tmp_path, "x.toml: no such experiment file",
                                        {"x.toml"})  # fmt: skip


CLI_CALLS = [
    ("negative-seed", ["--seed", "-1"], "experiment.seed: must be >= 0, got -1"),
    ("set-negative-duration", ["--set", "experiment.duration=-1s"], "experiment.duration: must be > 0, got -1.0"),
    ("set-a-table-to-a-number", ["--set", "spot=3"], "spot: expected a table, got 3"),
    ("set-into-a-value", ["--set", "perp.perp.mmr.x=1"], "perp.perp.mmr: is a value, not a table"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in CLI_CALLS], ids=[c[0] for c in CLI_CALLS])
def test_perpsim_run_with_a_bad_argument_exits_2_and_writes_nothing(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "rocket", "--out", "out", "--no-plots", *args])
    assert_rejected_and_nothing_written(code, *capsys.readouterr(), tmp_path, message, set())


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "run"
    assert main(["run", "rocket", "--set", "experiment.duration=30s", "--out", str(out), "--no-plots"]) == 0
    return out


def test_rerun_of_no_folder(tmp_path, capsys):
    assert main(["rerun", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"perpsim: error: {tmp_path / 'nope'}: no such run folder\n"


def test_rerun_of_a_folder_that_is_not_a_run(good_run, tmp_path, capsys):
    shutil.copytree(good_run, tmp_path / "run")
    (tmp_path / "run" / "config.toml").unlink()
    assert main(["rerun", str(tmp_path / "run")]) == 2
    assert capsys.readouterr().err == (
        f"perpsim: error: {tmp_path / 'run' / 'config.toml'}: missing (is {tmp_path / 'run'} a perpsim run folder?)\n"
    )


def test_rerun_of_an_edited_config_names_the_hashes(good_run, tmp_path, capsys):
    shutil.copytree(good_run, tmp_path / "run")
    config = tmp_path / "run" / "config.toml"
    config.write_text(config.read_text().replace("seed = 7", "seed = 8"))
    assert main(["rerun", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"perpsim: error: {config}: its hash ")
    assert err.endswith(" (edited since the run?)\n")


def test_rerun_of_a_summary_that_is_not_json(good_run, tmp_path, capsys):
    shutil.copytree(good_run, tmp_path / "run")
    (tmp_path / "run" / "summary.json").write_text("{")
    assert main(["rerun", str(tmp_path / "run")]) == 2
    assert capsys.readouterr().err.startswith(f"perpsim: error: {tmp_path / 'run' / 'summary.json'}: not valid JSON")


def test_a_hostile_file_through_the_installed_entry_point_has_no_traceback(tmp_path):
    (tmp_path / "bad.toml").write_bytes(b'[experiment]\nname = "\xff"\n')
    done = subprocess.run([str(PERPSIM), "run", "bad.toml", "--out", "out"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "perpsim: error: bad.toml: not UTF-8 text (byte 21)\n"
    assert [p.name for p in tmp_path.iterdir()] == ["bad.toml"]
