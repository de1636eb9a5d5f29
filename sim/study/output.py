"""Writing a run's folder atomically: a temporary folder renamed into place when complete."""

from __future__ import annotations

import glob
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy
import simpy

from sim.analysis.playbook import run_metrics
from sim.core import trace_parquet
from sim.core.config import to_toml
from sim.core.contributors import write_contributors
from sim.core.errors import ConfigError
from sim.core.interrupts import deferred
from sim.core.paths import output_folder, writing
from sim.core.trace import write_csv
from sim.engine.world import RunResult


@dataclass(frozen=True)
class Figures:
    """How a results folder's PNGs are drawn: the plots layer's hook (sim/plots/figures.py gives
    ``FIGURES``); a writer given None draws nothing."""

    run: Callable[[RunResult, Path], None]
    arms: Callable[[dict[str, RunResult], dict[str, dict], Path], None]
    ensemble: Callable  # (Ensemble, Path) -> None; sim/study/ensemble.py imports this module


def check_destination(out: Path, force: bool) -> None:
    """Refuse to overwrite an existing results folder unless ``force``, a file, or a folder that cannot be written."""
    output_folder(out)
    if out.exists() and not force:
        raise ConfigError("--out", f"{out} already exists (use --force to replace it)")


def write_run(result: RunResult, out: Path, force: bool = False, figures: Figures | None = None) -> Path:
    """Write events.csv, contributors.csv, summary.json, config.toml and the ``figures`` into ``out``; returns it."""
    return write_atomically(Path(out), force, lambda folder: write_files(result, folder, figures))


def write_files(result: RunResult, folder: Path, figures: Figures | None = None) -> None:
    """A run's files, into an existing ``folder``: events.csv, events.parquet (with pyarrow), config, summary."""
    write_csv(result.trace, folder / "events.csv")
    if trace_parquet.available():
        trace_parquet.write_parquet(result.trace, folder / trace_parquet.PARQUET_NAME)
    write_contributors(result.trace.contributors, folder / "contributors.csv")
    (folder / "config.toml").write_text(to_toml(result.config))
    (folder / "summary.json").write_text(json.dumps(summary_document(result), indent=2, sort_keys=False) + "\n")
    if figures:
        figures.run(result, folder)


def summary_document(result: RunResult) -> dict:
    """summary.json's content: the run's summary with the versions it was made with and its node kinds."""
    return {**result.summary, "versions": versions(), "nodes": result.nodes}


def write_arms(results: dict[str, RunResult], out: Path, force: bool = False, figures: Figures | None = None) -> Path:
    """One folder per arm, plus comparison.json and (with ``figures``) comparison.png side by side."""

    def fill(folder: Path) -> None:
        comparison = {}
        for name, result in results.items():
            (folder / name).mkdir()
            write_files(result, folder / name, figures)
            metrics = run_metrics(result)
            comparison[name] = {"description": result.config.experiment.description, **metrics}
        (folder / "comparison.json").write_text(json.dumps(comparison, indent=2) + "\n")
        if figures:
            figures.arms(results, comparison, folder / "comparison.png")

    return write_atomically(Path(out), force, fill)


RUN_FILES = ("events.csv", "config.toml", "summary.json", "prices.png", "timeline.png", "comparison.json",
             "comparison.png")  # fmt: skip


def write_atomically(out: Path, force: bool, fill: Callable[[Path], None]) -> Path:
    """Write a results folder whole.

    1. Check ``out`` (see check_destination) and remove the temporary folders of dead runs beside it.
    2. Let ``fill`` write into a temporary folder ``.NAME.PID.*.tmp`` beside ``out``.
    3. Rename it to ``out``; with ``force``, the old folder is first moved aside, and what it
       holds that a run does not write (RUN_FILES, what ``fill`` wrote) is moved into the new one.
    """
    check_destination(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".tmp", dir=out.parent))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; results are not
        with writing(out):  # a full disk names the results folder
            fill(tmp)
        with deferred():
            if out.exists():
                old = out.with_name(f".{out.name}.old-{os.getpid()}")
                out.rename(old)
                tmp.rename(out)
                written = {*RUN_FILES, *(p.name for p in out.iterdir())}
                for kept in old.iterdir():
                    if kept.name not in written:
                        kept.rename(out / kept.name)
                shutil.rmtree(old)
            else:
                tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def remove_stale(out: Path) -> None:
    """Remove the ``.NAME.PID.*.tmp`` folders beside ``out`` whose process is no longer running."""
    for tmp in out.parent.glob(f".{glob.escape(out.name)}.*.tmp"):
        pid = tmp.name[len(out.name) + 2 :].split(".")[0]
        if tmp.is_dir() and not (pid.isdigit() and running(int(pid))):
            shutil.rmtree(tmp, ignore_errors=True)


def running(pid: int) -> bool:
    """Whether a process with this id exists (and is not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


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
