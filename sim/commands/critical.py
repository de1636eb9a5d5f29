"""``perpsim critical``: every parameter value where a mean metric crosses a threshold: a scan, then bisection."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.common import arm_argument, experiment_arguments
from sim.commands.sweep import executor_arguments
from sim.study.critical import SCAN_POINTS
from sim.study.grid import show

NAME = "critical"
HELP = (
    "find every parameter value where the mean of a metric over seeds crosses a threshold "
    "(a scan of the range, then bisection inside each crossing)"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    experiment_arguments(p)
    p.add_argument("--param", required=True, metavar="KEY", help="the dotted key to vary, e.g. link.hedge.latency")
    p.add_argument("--metric", required=True, help="a summary metric as in sweep.csv, e.g. peak_price.spot")
    p.add_argument("--threshold", required=True, type=float, help="the value of the mean metric to find")
    p.add_argument(
        "--range",
        metavar="LO:HI",
        help="where to search, with units (e.g. 0ms:2s); default: KEY's values in the [sweep] table",
    )
    p.add_argument(
        "--points",
        type=int,
        metavar="N",
        help=f"scan N evenly spaced values first (default: {SCAN_POINTS} over --range, or the [sweep] table's values)",
    )
    p.add_argument("--tol", metavar="WIDTH", help="bisect each crossing down to this width (default: range / 64)")
    arm_argument(p)
    executor_arguments(p)
    p.add_argument("--out", type=Path, help="results folder for the runs (default results/NAME-critical)")
    p.add_argument("--no-plots", action="store_true", help="skip critical.png")


def run(args: argparse.Namespace) -> int:
    from sim.study.search import Search

    searches = Search.create(
        args.experiment,
        args.param,
        args.metric,
        args.threshold,
        args.range,
        args.tol,
        args.seeds,
        args.seed,
        args.overrides,
        args.out,
        args.jobs,
        args.dask,
        args.points,
        args.arms,
    )
    found = 0
    for search in searches:
        arm = "" if search.arm is None else f"arm {search.arm}: "
        print(
            f"{arm}critical {search.param}: scan of {len(search.scan)} values in [{show(search.low, search.unit)}, "
            f"{show(search.high, search.unit)}] for mean {search.metric} = {search.threshold:g}, "
            f"{search.study.seeds} seeds per value",
            flush=True,
        )
        scan = search.run(lambda line: print(line, flush=True))
        lines = search.report(scan)
        if not scan.brackets:
            print(f"perpsim: {lines[0]}", file=sys.stderr)
        else:
            print("\n".join(lines))
        if not args.no_plots:
            from sim.plots.critical import plot_critical

            print(f"plot: {plot_critical(search, scan)}")
        found += bool(scan.brackets)
    return 0 if found == len(searches) else 1
