"""The Python API: the same as the command line, from a notebook.

>>> from sim import api
>>> cfg = api.load("rocket", overrides=["link.hedge.latency=300ms"])
>>> result = api.run(cfg)
>>> result.summary["peak_price"], result.trace.t[:5]
>>> df = result.dataframe()          # with pandas installed

>>> ens = ensemble("rocket", seeds=20, jobs=2)   # results/rocket-ensemble: a folder per seed
>>> ens.spreads["peak_price.spot"].mean, ens.spreads["peak_price.spot"].ci_low

An experiment with ``[arms]`` is run one arm at a time: ``load(NAME, arm="dual")``, or
``arms(NAME)`` for every arm's config; ``load`` without an arm refuses it, as does ``run``.
>>> api.save(result, "results/rocket-300ms")
>>> again = api.open_run("results/rocket-300ms")   # the same kind of result, from the folder
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

from sim.analysis.runfolder import open_run as open_folder
from sim.core.config import Config
from sim.engine.config import validated
from sim.engine.notices import notices
from sim.engine.world import RunResult, World
from sim.study.arms import arm_config, arm_configs, no_arms
from sim.study.ensemble import Ensemble, specs, write_ensembles
from sim.study.experiments import load_experiment, raw_experiment, seed_override
from sim.study.limits import check_memory
from sim.study.output import summary_document, write_run


def load(name_or_path: str, seed: int | None = None, overrides: list[str] = (), arm: str | None = None) -> Config:
    """Load and validate an experiment by name (runs/NAME.toml) or path, with overrides; one with
    [arms] needs ``arm`` (ConfigError naming them otherwise: see ``arms``)."""
    if arm is not None:
        return arm_config(raw_experiment(name_or_path), arm, [*overrides, *seed_override(seed)])
    return no_arms(load_experiment(name_or_path, seed, overrides))


def arms(name_or_path: str, seed: int | None = None, overrides: list[str] = ()) -> dict[str, Config]:
    """Every arm's config of an experiment with [arms], by arm name (empty if it has none)."""
    return arm_configs(raw_experiment(name_or_path), [*overrides, *seed_override(seed)])


def run(config: Config) -> RunResult:
    """Refuse a config that still declares arms (it would be every arm's world at once), validate
    it as a file is (ConfigError naming the key), check that it fits in memory, warn of what never
    acts, then build the world and run it; the result holds the trace as numpy arrays and the
    summary as summary.json will have it (with ``versions`` and ``nodes``)."""
    config = validated(no_arms(config))
    check_memory(config)
    for line in notices(config):
        warnings.warn(line, stacklevel=2)
    result = World(config).run()
    return dataclasses.replace(result, summary=summary_document(result))


def save(result: RunResult, out: str | Path, force: bool = False, plots: bool = True) -> Path:
    """Write a result's run folder (events.csv, events.parquet, summary.json, config.toml, plots)."""
    return write_run(result, Path(out), force=force, figures=_figures(plots))


def ensemble(
    name_or_path: str,
    seeds: int = 20,
    seed: int | None = None,
    overrides: list[str] = (),
    arm: str | None = None,
    out: str | Path | None = None,
    jobs: int = 1,
    dask: str | None = None,
    force: bool = False,
    plots: bool = True,
    metrics: list[str] = (),
) -> Ensemble:
    """Run seeds ``seed``..``seed + seeds - 1`` (default: from the experiment's) into ``out`` (default
    results/NAME-ensemble) as ``perpsim run NAME --seeds N`` does; an experiment with [arms] needs ``arm``;
    ``metrics`` are those of ``line()`` and ensemble.md (default: the key ones)."""
    if arm is None:
        load(name_or_path, seed, overrides)  # refuses an experiment with arms
    (spec,) = specs(name_or_path, seeds, seed, overrides, [arm] if arm else [], metrics)
    folder = Path(out) if out else Path("results") / f"{spec.name}-ensemble"
    (result,) = write_ensembles([spec], folder, force, _figures(plots), jobs, dask)
    return result


def open_run(path: str | Path) -> RunResult:
    """A results folder as the RunResult ``run`` returned: its config.toml, trace and summary.json
    (``ledger`` is None: the folder does not keep it). A missing or malformed file is a
    ConfigError or TraceFormatError naming it."""
    folder = open_folder(path)
    config = load_experiment(str(Path(path) / "config.toml"))
    return RunResult(config, folder.trace, folder.summary, None, folder.nodes)


def _figures(plots: bool):
    """The plots layer's figures hook, or None (imported here: matplotlib loads only when a plot is drawn)."""
    from sim.plots.figures import FIGURES

    return FIGURES if plots else None
