"""``perpsim topology``: draw an experiment's venue graph to a PNG."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands.common import experiment_arguments
from sim.study.experiments import load_experiment

NAME = "topology"
HELP = "draw an experiment's venue graph to a PNG"


def add_arguments(p: argparse.ArgumentParser) -> None:
    experiment_arguments(p)
    p.add_argument("--out", type=Path, help="PNG path (default results/NAME-topology.png)")


def run(args: argparse.Namespace) -> int:
    from sim.core.paths import output_file, writing
    from sim.engine.config import topology
    from sim.plots.topology import plot_topology

    config = load_experiment(args.experiment, args.seed, args.overrides)
    out = output_file(args.out or Path("results") / f"{config.experiment.name}-topology.png")
    with writing(out):
        plot_topology(topology(config), out, f"{config.experiment.name}: topology")
    print(out)
    return 0
