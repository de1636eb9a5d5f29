"""``perpsim plot topology RUN``: a run's venue graph with what crossed each link."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "topology"
HELP = "a run's venue graph: links labelled with latency and notional carried, nodes sized by liquidations"
MAX_FRAMES = 1200  # 200 s of GIF at 6 frames a second


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a results folder written by 'perpsim run'")
    p.add_argument("--out", type=Path, help="output path (default RUN/topology.png, or RUN/cascade.gif with --animate)")
    p.add_argument("--animate", action="store_true", help="write a GIF of the cascade moving over the graph")
    p.add_argument(
        "--frames", type=int, default=60, help=f"GIF frames (default 60, at most {MAX_FRAMES}, shown 6 per second)"
    )


def run(args: argparse.Namespace) -> int:
    from sim.analysis.runfolder import open_run
    from sim.core.errors import ConfigError
    from sim.core.paths import output_file, writing
    from sim.engine.config import topology
    from sim.plots.topology import RunFlow, animate_topology, plot_topology
    from sim.study.experiments import load_experiment

    if not 1 <= args.frames <= MAX_FRAMES:
        raise ConfigError("--frames", f"must be between 1 and {MAX_FRAMES}, got {args.frames}")
    folder = open_run(args.run)
    out = output_file(args.out or folder.path / ("cascade.gif" if args.animate else "topology.png"))
    graph = topology(load_experiment(str(folder.path / "config.toml")))
    if args.animate and not len(folder.trace):
        raise ConfigError("", f"{folder.path}: no records to animate (the run's trace is empty)")
    with writing(out):
        if args.animate:
            animate_topology(graph, folder.trace, out, f"{folder.title}: cascade over the topology", args.frames)
        else:
            plot_topology(graph, out, f"{folder.title}: cascade over the topology", RunFlow.from_trace(folder.trace))
    print(out)
    return 0
