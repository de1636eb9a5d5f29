"""Writing a run's folder atomically: a temporary folder renamed into place when complete."""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy
import simpy

from sim.config import to_toml
from sim.playbook import run_metrics
from sim.schema import ConfigError
from sim.trace import write_csv
from sim.world import RunResult


def check_destination(out: Path, force: bool) -> None:
    """Refuse to overwrite an existing results folder unless ``force``, and never a file."""
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", f"{out} exists and is not a folder")
    if out.exists() and not force:
        raise ConfigError("--out", f"{out} already exists (use --force to replace it)")


def write_run(result: RunResult, out: Path, force: bool = False, plots: bool = True) -> Path:
    """Write events.csv, summary.json, config.toml and the plots into ``out``; returns it."""
    return write_atomically(Path(out), force, lambda folder: write_files(result, folder, plots))


def write_files(result: RunResult, folder: Path, plots: bool = True) -> None:
    """A run's files, into an existing ``folder``."""
    write_csv(result.trace, folder / "events.csv")
    (folder / "config.toml").write_text(to_toml(result.config))
    summary = {**result.summary, "versions": versions(), "nodes": result.nodes}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
    if plots:
        from sim.plots.prices import plot_prices  # here: matplotlib loads only when a plot is drawn
        from sim.plots.timeline import plot_timeline

        title = f"{result.config.experiment.name} (seed {result.config.experiment.seed})"
        plot_prices(result.trace, result.nodes, folder / "prices.png", f"{title}: prices and liquidations")
        plot_timeline(result.trace, result.nodes, folder / "timeline.png", f"{title}: propagation timeline")


def write_arms(results: dict[str, RunResult], out: Path, force: bool = False, plots: bool = True) -> Path:
    """One folder per arm, plus comparison.json and (with ``plots``) comparison.png side by side."""

    def fill(folder: Path) -> None:
        comparison = {}
        for name, result in results.items():
            (folder / name).mkdir()
            write_files(result, folder / name, plots)
            metrics = run_metrics(result)
            comparison[name] = {"description": result.config.experiment.description, **metrics}
        (folder / "comparison.json").write_text(json.dumps(comparison, indent=2) + "\n")
        if not plots:
            return
        from sim.plots.comparison import plot_arm_comparison  # here: matplotlib loads only when a plot is drawn

        first = next(iter(results.values())).config.experiment
        title = f"{first.name.split(':')[0]} (seed {first.seed}): arms side by side"
        plot_arm_comparison(
            {name: (r.trace, comparison[name]) for name, r in results.items()}, folder / "comparison.png", title
        )

    return write_atomically(Path(out), force, fill)


def write_atomically(out: Path, force: bool, fill: Callable[[Path], None]) -> Path:
    """Let ``fill`` write into a temporary folder beside ``out``, then rename it to ``out``."""
    check_destination(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; results are not
        fill(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def versions() -> dict[str, str]:
    """The versions a run was made with: perpsim, Python, numpy and SimPy."""
    try:
        perpsim = version("perpsim")
    except PackageNotFoundError:  # running from a source tree that is not installed
        perpsim = "unknown"
    return {
        "perpsim": perpsim,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "simpy": simpy.__version__,
    }


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
