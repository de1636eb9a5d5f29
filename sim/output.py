"""Writing a run's folder atomically: a temporary folder renamed into place when complete."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from sim.config import to_toml
from sim.plots.prices import plot_prices
from sim.plots.timeline import plot_timeline
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
    out = Path(out)
    check_destination(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; results are not
        write_csv(result.trace, tmp / "events.csv")
        (tmp / "config.toml").write_text(to_toml(result.config))
        summary = {**result.summary, "nodes": result.nodes}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
        if plots:
            title = f"{result.config.experiment.name} (seed {result.config.experiment.seed})"
            plot_prices(result.trace, result.nodes, tmp / "prices.png", f"{title}: prices and liquidations")
            plot_timeline(result.trace, result.nodes, tmp / "timeline.png", f"{title}: propagation timeline")
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
