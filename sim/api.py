"""The Python API: the same as the command line, from a notebook.

>>> from sim import api
>>> cfg = api.load("rocket", overrides=["link.hedge.latency=300ms"])
>>> result = api.run(cfg)
>>> result.summary["peak_price"], result.trace.t[:5]
>>> df = result.dataframe()          # with pandas installed
"""

from __future__ import annotations

import warnings
from pathlib import Path

from sim.config import Config, validated
from sim.experiments import load_experiment
from sim.limits import check_memory
from sim.notices import notices
from sim.output import write_run
from sim.world import RunResult, World


def load(name_or_path: str, seed: int | None = None, overrides: list[str] = ()) -> Config:
    """Load and validate an experiment by name (runs/NAME.toml) or path, with overrides."""
    return load_experiment(name_or_path, seed, overrides)


def run(config: Config) -> RunResult:
    """Validate ``config`` as a file is (ConfigError naming the key), check that it fits in memory, warn
    of what never acts, then build the world and run it; the result holds the trace as numpy arrays and
    the summary."""
    config = validated(config)
    check_memory(config)
    for line in notices(config):
        warnings.warn(line, stacklevel=2)
    return World(config).run()


def save(result: RunResult, out: str | Path, force: bool = False, plots: bool = True) -> Path:
    """Write a result's run folder (events.csv, summary.json, config.toml, plots)."""
    return write_run(result, Path(out), force=force, plots=plots)
