"""Reproducibility: byte-identical traces across runs and hash seeds, provenance in summary.json,
and ``perpsim rerun RUN`` reproducing a run from its folder.

The sweep executors (serial, process pool, Dask) are checked with the sweep module.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from random_worlds import valid_worlds

from sim.cli import main
from sim.core.config import config_hash
from sim.core.trace import write_csv
from sim.engine.config import from_dict
from sim.engine.world import World
from sim.study.experiments import load_experiment

PERPSIM = Path(sys.executable).parent / "perpsim"
HASH_SEEDS = ["0", "1", "4242"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """``perpsim run rocket`` once per PYTHONHASHSEED, each in its own process."""
    parent = tmp_path_factory.mktemp("hashseeds")
    procs = {}
    for seed in HASH_SEEDS:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        args = [str(PERPSIM), "run", "rocket", "--out", f"run{seed}", "--no-plots"]
        procs[seed] = subprocess.Popen(args, cwd=parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for proc in procs.values():
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    return {seed: parent / f"run{seed}" for seed in HASH_SEEDS}


def test_the_trace_is_byte_identical_across_hash_seeds(runs):
    traces = {seed: (folder / "events.csv").read_bytes() for seed, folder in runs.items()}
    assert len(set(traces.values())) == 1
    assert len(traces["0"]) > 100_000


def test_summary_records_versions_and_the_config_hash(runs):
    folder = runs["0"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["versions"] == {
        "perpsim": version("perpsim"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
    }
    assert summary["config_hash"] == config_hash(load_experiment(str(folder / "config.toml")))
    assert summary["config_hash"] == config_hash(load_experiment("rocket"))


@pytest.mark.parametrize("flag", [[], ["--check-every-event"]])
def test_rerun_reproduces_the_run(runs, capsys, flag):
    folder = runs["1"]
    assert main(["rerun", str(folder), *flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{folder}: reproduced, events.csv identical (")


def test_rerun_names_the_first_line_that_differs_and_changed_versions(runs, tmp_path, capsys):
    folder = tmp_path / "run"
    folder.mkdir()
    for name in ("config.toml", "summary.json", "events.csv"):
        (folder / name).write_bytes((runs["4242"] / name).read_bytes())
    lines = (folder / "events.csv").read_text().split("\n")
    lines[500] = lines[500].replace(",", ";", 1)
    (folder / "events.csv").write_text("\n".join(lines))
    summary = json.loads((folder / "summary.json").read_text())
    summary["versions"]["numpy"] = "0.0"
    (folder / "summary.json").write_text(json.dumps(summary))
    assert main(["rerun", str(folder)]) == 4
    assert capsys.readouterr().err == (
        f"perpsim: error: {folder / 'events.csv'} differs from the rerun from line 501 "
        f"(versions changed: numpy 0.0 -> {np.__version__})\n"
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_worlds())
def test_a_random_world_run_twice_gives_the_same_trace(tmp_path_factory, raw):
    folder = tmp_path_factory.mktemp("twice")
    for name in ("a.csv", "b.csv"):
        write_csv(World(from_dict(raw)).run().trace, folder / name)
    assert (folder / "a.csv").read_bytes() == (folder / "b.csv").read_bytes()
