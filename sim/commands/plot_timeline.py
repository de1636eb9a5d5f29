"""``perpsim plot timeline RUN``: the propagation timeline of a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "timeline"
HELP = "the propagation timeline of a run: prices, a lane per node with cause lines, cumulative liquidations"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", type=Path, help="a results folder written by 'perpsim run'")
    p.add_argument("--out", type=Path, help="PNG path (default RUN/timeline.png)")


def run(args: argparse.Namespace) -> int:
    from sim.analysis.runfolder import open_run
    from sim.core.paths import output_file, writing
    from sim.plots.timeline import plot_timeline

    folder = open_run(args.run)
    out = output_file(args.out or folder.path / "timeline.png")
    with writing(out):
        plot_timeline(folder.trace, folder.nodes, out, f"{folder.title}: propagation timeline")
    print(out)
    return 0
