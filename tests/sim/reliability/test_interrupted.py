"""Interrupted work: a run killed at any point leaves no results folder that looks complete, and
an existing results folder is never replaced without --force.

Kills use SIGKILL on a ``perpsim run`` subprocess (no clean-up code runs). A driver wraps
the command so the kill lands at a chosen point: during the simulation, after events.csv is
written, while plotting, or between the two renames that replace a folder with --force.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim.plots.prices
from sim import api
from sim.cli import main
from sim.core.errors import ConfigError
from sim.engine.world import World


def run_args(out: Path | str = "out", *extra: str) -> list[str]:
    """``perpsim run`` of a 30 s rocket into ``out``."""
    return ["run", "rocket", "--set", "experiment.duration=30s", "--out", str(out), *extra]


DRIVER = """
import os, pathlib, signal, sys
import sim.study.output, sim.engine.world
from sim.cli import main

point = sys.argv[1]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if point == "simulating":  # announce the simulation, then let the test kill it
    run = sim.engine.world.World.run
    def announced(self, *args, **kwargs):
        print("simulating", flush=True)
        return run(self, *args, **kwargs)
    sim.engine.world.World.run = announced
elif point == "events":  # right after events.csv is written
    write_csv = sim.study.output.write_csv
    def then_die(table, path):
        write_csv(table, path)
        die()
    sim.study.output.write_csv = then_die
elif point == "plots":  # sim.study.output imports the plot modules only when it draws
    import sim.plots.prices
    sim.plots.prices.plot_prices = die
elif point == "rename":  # after the old folder is moved aside, before the new one takes its place
    rename, calls = pathlib.Path.rename, []
    def second_dies(self, target):
        calls.append(target)
        if len(calls) == 2:
            die()
        return rename(self, target)
    pathlib.Path.rename = second_dies
sys.exit(main(sys.argv[2:]))
"""


def drive(point: str, args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, point, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def complete(folder: Path) -> bool:
    """Whether ``folder`` looks like a finished run: all three files, the summary readable."""
    files = {"events.csv", "summary.json", "config.toml"}
    return (
        folder.is_dir()
        and files <= {p.name for p in folder.iterdir()}
        and bool(json.loads((folder / "summary.json").read_text()))
    )


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def test_sigkill_during_the_simulation_leaves_nothing(tmp_path):
    proc = drive("simulating", ["run", "rocket", "--set", "experiment.duration=8h", "--out", "out"], tmp_path)
    assert proc.stdout.readline() == "simulating\n"
    time.sleep(0.5)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("point", "data_written"), [("events", False), ("plots", True)])
def test_sigkill_while_writing_leaves_only_a_hidden_temporary_folder(tmp_path, point, data_written):
    proc = drive(point, run_args(), tmp_path)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    assert not (tmp_path / "out").exists()
    names = leftovers(tmp_path)
    assert len(names) == 1 and names[0].startswith(".out.") and names[0].endswith(".tmp")
    assert complete(tmp_path / names[0]) == data_written  # hidden, and never renamed into place


def test_sigkill_while_replacing_with_force_keeps_the_old_run_aside(tmp_path):
    assert main(run_args(tmp_path / "out", "--no-plots")) == 0
    old = (tmp_path / "out" / "events.csv").read_bytes()
    proc = drive("rename", run_args("out", "--no-plots", "--force"), tmp_path)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    assert not (tmp_path / "out").exists()  # never a half-replaced folder
    aside = [p for p in tmp_path.iterdir() if p.name.startswith(".out.old-")]
    assert len(aside) == 1 and (aside[0] / "events.csv").read_bytes() == old and complete(aside[0])


def test_ctrl_c_while_writing_cleans_up(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.plots.prices, "plot_prices", interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(run_args(tmp_path / "out"))
    assert leftovers(tmp_path) == []


def test_a_folder_that_appears_during_the_run_is_not_replaced(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    run = World.run

    def meanwhile(self, *args, **kwargs):
        out.mkdir()
        (out / "notes.txt").write_text("someone else's\n")
        return run(self, *args, **kwargs)

    monkeypatch.setattr(World, "run", meanwhile)
    assert main(run_args(out, "--no-plots")) == 2
    assert capsys.readouterr().err == f"perpsim: error: --out: {out} already exists (use --force to replace it)\n"
    assert leftovers(out) == ["notes.txt"]
    assert leftovers(tmp_path) == ["out"]


def test_the_api_does_not_replace_a_folder_without_force(tmp_path):
    result = api.run(api.load("rocket", overrides=["experiment.duration=20s"]))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep\n")
    with pytest.raises(ConfigError):
        api.save(result, out, plots=False)
    assert leftovers(out) == ["notes.txt"]
    api.save(result, out, force=True, plots=False)
    assert complete(out)
    assert os.listdir(tmp_path) == ["out"]
