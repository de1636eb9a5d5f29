"""``perpsim compare RUN_A RUN_B ...``: several runs' prices and liquidations overlaid."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "compare"
HELP = "overlay the spot prices and cumulative liquidations of several runs, labelled by what differs"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="results folders written by 'perpsim run'")
    p.add_argument("--out", type=Path, help="PNG path (default compare.png beside the first run)")


def run(args: argparse.Namespace) -> int:
    from sim.analysis.runfolder import open_run
    from sim.core.errors import ConfigError
    from sim.core.paths import output_file, writing
    from sim.plots.overlay import Run, plot_compare, run_labels
    from sim.study.experiments import load_experiment

    if len(args.runs) < 2:
        raise ConfigError("", "compare needs at least two run folders")
    if args.out is not None:
        output_file(args.out)
    folders = [open_run(path) for path in args.runs]
    configs = [load_experiment(str(f.path / "config.toml")) for f in folders]
    labels = run_labels(configs, [f.path.name for f in folders])
    runs = [Run(f.trace, f.nodes, label) for f, label in zip(folders, labels, strict=True)]
    names = sorted({c.experiment.name for c in configs})
    out = output_file(args.out or folders[0].path.parent / "compare.png")
    with writing(out):
        plot_compare(runs, out, f"{' vs '.join(names)}: {len(runs)} runs compared")
    print(out)
    return 0
