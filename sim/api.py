"""The Python API: the same as the command line, from a notebook.

>>> from sim import api
>>> cfg = api.load("rocket", overrides=["link.hedge.latency=300ms"])
>>> result = api.run(cfg)
>>> result.summary["peak_price"], result.trace.t[:5]
>>> df = result.dataframe()          # a pandas DataFrame (the ``data`` extra)
>>> api.save(result, "results/rocket-300ms")
>>> again = api.open_run("results/rocket-300ms")   # the same kind of result, from the folder
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sim.config import Config
from sim.experiments import load_experiment
from sim.output import summary_document, write_run
from sim.runfolder import open_run as open_folder
from sim.world import RunResult, World


def load(name_or_path: str, seed: int | None = None, overrides: list[str] = ()) -> Config:
    """Load and validate an experiment by name (runs/NAME.toml) or path, with overrides."""
    return load_experiment(name_or_path, seed, overrides)


def run(config: Config) -> RunResult:
    """Build the world and run it; the result holds the trace as numpy arrays and the summary
    as summary.json will have it (with ``versions`` and ``nodes``)."""
    result = World(config).run()
    return dataclasses.replace(result, summary=summary_document(result))


def save(result: RunResult, out: str | Path, force: bool = False, plots: bool = True) -> Path:
    """Write a result's run folder (events.csv, events.parquet, summary.json, config.toml, plots)."""
    return write_run(result, Path(out), force=force, plots=plots)


def open_run(path: str | Path) -> RunResult:
    """A results folder as the RunResult ``run`` returned: its config.toml, trace and summary.json
    (``ledger`` is None: the folder does not keep it). A missing or malformed file is a
    ConfigError or TraceFormatError naming it."""
    folder = open_folder(path)
    config = load_experiment(str(Path(path) / "config.toml"))
    return RunResult(config, folder.trace, folder.summary, None, folder.nodes)
