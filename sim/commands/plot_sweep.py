"""``perpsim plot sweep DIR``: a metric against a swept parameter, mean and 95% band over seeds."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.core.errors import ConfigError
from sim.core.schema import did_you_mean

NAME = "sweep"
HELP = "a sweep's metrics against a parameter (mean and 95% band over seeds), and a heatmap for 2-D grids"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, help="a folder written by 'perpsim sweep' or 'perpsim critical'")
    p.add_argument(
        "--metric",
        action="append",
        default=[],
        help="a metric column, e.g. peak_price.spot (repeatable; default: peak price and liquidations)",
    )
    p.add_argument("--x", help="the parameter on the x axis (default: the first swept)")
    p.add_argument("--by", help="draw a line per value of this parameter (default: the second swept, if crossed)")
    p.add_argument("--threshold", type=float, help="draw a dashed line at this value of the first metric")
    p.add_argument("--out", type=Path, help="PNG path (default FOLDER/sweep.png; a heatmap goes beside it)")


def run(args: argparse.Namespace) -> int:
    from sim.core.paths import output_file, writing
    from sim.plots.sweep import load_sweep, plot_sweep

    data = load_sweep(args.folder)
    out = output_file(args.out or args.folder / "sweep.png")
    for option, names, known in (
        ("--metric", args.metric, data.metrics),
        ("--x", [args.x], data.params),
        ("--by", [args.by], data.params),
    ):
        for name in names:
            if name is not None and name not in known:
                raise ConfigError(option, f"'{name}' is not in the sweep" + did_you_mean(name, known))
    with writing(out):
        paths = plot_sweep(args.folder, args.out, args.metric, args.x, args.by, args.threshold)
    for path in paths:
        print(path)
    return 0
