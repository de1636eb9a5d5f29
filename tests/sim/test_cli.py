"""The ``perpsim`` command: list, show, run, topology, and one-line errors with exit status 2."""

import hashlib
import json
import math
import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.cli import main
from sim.commands import COMMANDS
from sim.core import tomlwrite
from sim.core.config import read_toml
from sim.engine.config import from_dict
from sim.study.experiments import load_experiment
from tests.mutations import drop, put

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PERPSIM = BIN / "perpsim" if (BIN / "perpsim").exists() else REPO / ".venv" / "bin" / "perpsim"
ROCKET_DESCRIPTION = "Seed 000 short squeeze: $200k spot buy into $10M of shorts liquidating at $11-15"
SUMMARY_LINE = re.compile(
    r"^rocket: a squeeze \(buying ignition\): \d+ liquidations in \d+ waves, spot peaked at \$\d+\.\d\d, "
    r"amplification \d+\.\dx, \d+ events in \d+\.\d\d s$"
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def perpsim(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([str(PERPSIM), *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """Name → (sha256, mtime_ns) of every file in ``folder``."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())
    }


def write_experiment(path: Path, mutate) -> Path:
    raw = read_toml(REPO / "runs" / "rocket.toml")
    mutate(raw)
    path.write_text(tomlwrite.dumps(raw))
    return path


@pytest.fixture(scope="module")
def rocket_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One ``perpsim run rocket --no-plots`` through the installed entry point."""
    parent = tmp_path_factory.mktemp("run")
    out = parent / "rocket"
    return out, perpsim("run", "rocket", "--out", str(out), "--no-plots", cwd=parent)


# ----------------------------------------------------------------------------- list and show


def test_list_names_rocket_with_its_description(tmp_path):
    done = perpsim("list", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr == ""
    rows = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert re.fullmatch(r"rocket +" + re.escape(ROCKET_DESCRIPTION), rows["rocket"])


def test_python_dash_m_sim_list(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "list"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stderr == ""
    assert any(line.startswith("rocket ") and line.endswith(ROCKET_DESCRIPTION) for line in done.stdout.splitlines())


def test_show_prints_toml_that_loads_to_an_equal_config(capsys):
    assert main(["show", "rocket"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    raw = tomllib.loads(out)
    assert raw["experiment"]["name"] == "rocket"
    assert raw["link"]["hedge"]["latency"] == {
        "model": "constant",
        "value": 0.15,
        "low": 0.0,
        "high": 0.0,
        "median": 0.0,
        "sigma": 0.5,
        "samples": [],
    }
    assert from_dict(raw) == load_experiment("rocket")


def test_show_applies_seed_and_overrides(capsys):
    assert main(["show", "rocket", "--seed", "3", "--set", "link.hedge.latency=300ms"]) == 0
    raw = tomllib.loads(capsys.readouterr().out)
    assert raw["experiment"]["seed"] == 3
    assert raw["link"]["hedge"]["latency"]["value"] == 0.3
    assert from_dict(raw) == load_experiment("rocket", seed=3, overrides=["link.hedge.latency=300ms"])


def test_show_unknown_experiment_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["show", "rockit"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("perpsim: error: unknown experiment 'rockit' (did you mean 'rocket'?; known: ")


# ----------------------------------------------------------------------------- run


def test_run_writes_the_results_folder_and_prints_a_summary(rocket_run):
    out, done = rocket_run
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert SUMMARY_LINE.match(lines[0]), lines[0]
    assert lines[1] == f"results: {out}"
    assert sorted(p.name for p in out.iterdir()) == [
        "config.toml",
        "contributors.csv",
        "events.csv",
        "events.parquet",
        "summary.json",
    ]
    assert sorted(p.name for p in out.parent.iterdir()) == ["rocket"]  # no temporary folders left
    header = "id,t,kind,node,cause,account,side,price,qty,notional,info,pid,ref,bankruptcy,premium\n"
    assert (out / "events.csv").read_text().startswith(header)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["experiment"], summary["seed"]) == ("rocket", 7)
    assert summary["nodes"]["perp"] == "perp"


def test_run_config_toml_reloads_to_the_same_config(rocket_run):
    out, _ = rocket_run
    assert load_experiment(str(out / "config.toml")) == load_experiment("rocket")


def test_run_again_without_force_refuses_and_leaves_the_folder_untouched(rocket_run, capsys):
    out, _ = rocket_run
    before = fingerprint(out)
    assert main(["run", "rocket", "--out", str(out), "--no-plots"]) == 2
    stdout, stderr = capsys.readouterr()
    assert stdout == ""
    assert stderr == f"perpsim: error: --out: {out} already exists (use --force to replace it)\n"
    assert fingerprint(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["rocket"]


def test_run_with_force_replaces_the_folder_with_an_identical_trace(rocket_run, tmp_path, capsys):
    first, _ = rocket_run
    out = tmp_path / "rocket"
    out.mkdir()
    (out / "events.csv").write_text("from an older run\n")
    (out / "notes.txt").write_text("the user's, not the run's: kept\n")
    assert main(["run", "rocket", "--out", str(out), "--no-plots", "--force"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "config.toml",
        "contributors.csv",
        "events.csv",
        "events.parquet",
        "notes.txt",
        "summary.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rocket"]
    assert (out / "events.csv").read_bytes() == (first / "events.csv").read_bytes()
    assert SUMMARY_LINE.match(capsys.readouterr().out.splitlines()[0])


def test_run_force_onto_a_file_is_one_line_and_leaves_it(tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("not a folder\n")
    code = main(["run", "rocket", "--out", str(target), "--no-plots", "--force"])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"perpsim: error: --out: {target} ")
    assert err.count("\n") == 1
    assert target.read_text() == "not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.txt"]


def test_run_with_plots_writes_the_pngs(tmp_path, capsys):
    out = tmp_path / "plotted"
    assert main(["run", "rocket", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "config.toml",
        "contributors.csv",
        "events.csv",
        "events.parquet",
        "prices.png",
        "summary.json",
        "timeline.png",
    ]
    for name in ("prices.png", "timeline.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC


def test_results_folder_has_ordinary_permissions(rocket_run):
    out, _ = rocket_run
    umask = os.umask(0o022)  # read the umask the run inherited, and put it back
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


# ----------------------------------------------------------------------------- bad experiment files


BAD_FILES = [
    (
        "unknown-key",
        put("perp.perp.liquidaton_fee", 0.01),
        "perp.perp.liquidaton_fee: unknown key (did you mean 'liquidation_fee'?)",
    ),
    ("mmr-out-of-range", put("perp.perp.mmr", "150%"), "perp.perp.mmr: must be in (0, 1), got 1.5"),
    ("nan-latency", put("link.hedge.latency", math.nan), "link.hedge.latency: expected a finite duration, got nan"),
    ("dangling-link", put("link.hedge.dst", "spot2"), "link.hedge.dst: unknown node 'spot2' (did you mean 'spot'?)"),
    ("hedge-link-to-itself", put("link.hedge.dst", "mm"), "link.hedge.dst: a link cannot connect 'mm' to itself"),
    (
        "wrong-type",
        put("perp.perp.populations.shorts.count", "many"),
        "perp.perp.populations.shorts.count: expected an integer, got 'many'",
    ),
]


def assert_one_line_error_and_nothing_written(
    code: int, out: str, err: str, folder: Path, expected: str, keep: set[str]
):
    assert code == 2
    assert "Traceback" not in err
    assert err == f"perpsim: error: {expected}\n"
    assert out == ""
    assert not (folder / "out").exists()
    assert {p.name for p in folder.iterdir()} == keep  # no stray temporary folders


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_run_bad_experiment_file_is_one_line_and_writes_nothing(tmp_path, capsys, mutate, expected):
    path = write_experiment(tmp_path / "bad.toml", mutate)
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plots"])
    assert_one_line_error_and_nothing_written(code, *capsys.readouterr(), tmp_path, expected, {"bad.toml"})


def test_run_bad_graph_through_the_entry_point_is_one_line_and_writes_nothing(tmp_path):
    """A perp venue with no index source: caught when the world builds its graph, after --out was checked."""
    write_experiment(tmp_path / "bad.toml", drop("link.index-perp"))
    done = perpsim("run", "bad.toml", "--out", "out", "--no-plots", cwd=tmp_path)
    expected = (
        "perp.perp.index: no link from 'index' to 'perp' "
        '(add a [link.<id>] with src = "index", dst = "perp", kind = "index")'
    )
    assert_one_line_error_and_nothing_written(
        done.returncode, done.stdout, done.stderr, tmp_path, expected, {"bad.toml"}
    )


def test_run_toml_syntax_error_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text('[experiment\nname = "x"\n')
    code = main(["run", "bad.toml", "--out", "out", "--no-plots"])
    expected = "bad.toml: TOML syntax error: Expected ']' at the end of a table declaration (at line 1, column 12)"
    assert_one_line_error_and_nothing_written(code, *capsys.readouterr(), tmp_path, expected, {"bad.toml"})


def test_run_missing_experiment_file_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "nothere.toml", "--out", "out"])
    assert_one_line_error_and_nothing_written(
        code, *capsys.readouterr(), tmp_path, "nothere.toml: no such experiment file", set()
    )


def test_run_negative_latency_is_one_line_and_writes_nothing(tmp_path, capsys):
    path = write_experiment(tmp_path / "bad.toml", put("link.hedge.latency", "-150ms"))
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plots"])
    assert_one_line_error_and_nothing_written(
        code, *capsys.readouterr(), tmp_path, "link.hedge.latency: latency must be >= 0, got -0.15", {"bad.toml"}
    )


def test_run_bad_override_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["run", "rocket", "--out", "out", "--set", "lnk.hedge.latency=1s"])
    assert_one_line_error_and_nothing_written(
        code, *capsys.readouterr(), tmp_path, "lnk: no such table (did you mean 'link'?)", set()
    )


def test_a_folder_named_like_the_experiment_does_not_shadow_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rocket").mkdir()
    assert main(["show", "rocket"]) == 0
    assert tomllib.loads(capsys.readouterr().out)["experiment"]["name"] == "rocket"


# ----------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["frobnicate"],
            "perpsim: error: argument command: invalid choice: 'frobnicate' "
            f"(choose from {', '.join(repr(c.NAME) for c in COMMANDS)}) (see 'perpsim --help')",
        ),
        (
            ["run", "rocket", "--seed", "abc"],
            "perpsim: error: argument --seed: invalid int value: 'abc' (see 'perpsim --help')",
        ),
        ([], "perpsim: error: the following arguments are required: command (see 'perpsim --help')"),
        (["run"], "perpsim: error: the following arguments are required: experiment (see 'perpsim --help')"),
        (["show", "rocket", "--colour"], "perpsim: error: unrecognized arguments: --colour (see 'perpsim --help')"),
    ],
)
def test_bad_usage_exits_2_with_one_line(capsys, argv, expected):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == expected + "\n"


def test_bad_usage_through_the_entry_point(tmp_path):
    done = perpsim("run", "rocket", "--seed", "abc", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "perpsim: error: argument --seed: invalid int value: 'abc' (see 'perpsim --help')\n"
    assert list(tmp_path.iterdir()) == []


def test_an_arms_run_without_plots_writes_no_png(tmp_path):
    out = tmp_path / "crash"
    assert main(["run", "crash", "--out", str(out), "--no-plots", "--set", "experiment.duration=10s"]) == 0
    assert (out / "comparison.json").is_file()
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["binance", "hyperliquid"]
    assert list(out.rglob("*.png")) == []


@pytest.mark.parametrize("argv", [["plot", "sweep", "--help"], ["plot", "--help"]])
def test_help_prints_percent_signs_once(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "95% band" in out
    assert "%%" not in out


# ----------------------------------------------------------------------------- topology


def test_topology_writes_a_png(tmp_path, capsys):
    out = tmp_path / "X.png"
    assert main(["topology", "rocket", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    assert out.read_bytes()[:8] == PNG_MAGIC


def test_topology_bad_graph_is_one_line(tmp_path, capsys):
    path = write_experiment(tmp_path / "bad.toml", drop("link.index-perp"))
    assert main(["topology", str(path), "--out", str(tmp_path / "X.png")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("perpsim: error: perp.perp.index: no link from 'index' to 'perp' ")
    assert err.count("\n") == 1
    assert not (tmp_path / "X.png").exists()
