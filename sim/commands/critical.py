"""``perpsim critical``: bisection for the parameter value where a mean metric crosses a threshold."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.commands.common import experiment_arguments
from sim.commands.sweep import executor_arguments
from sim.sweep_grid import show

NAME = "critical"
HELP = "find by bisection the parameter value where the mean of a metric over seeds crosses a threshold"


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
    p.add_argument("--tol", metavar="WIDTH", help="stop when the bracket is this narrow (default: range / 64)")
    executor_arguments(p)
    p.add_argument("--out", type=Path, help="results folder for the runs (default results/NAME-critical)")


def run(args: argparse.Namespace) -> int:
    from sim.sweep_critical import NoCrossing
    from sim.sweep_search import Search

    search = Search.create(
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
    )
    print(
        f"critical {search.param} in [{show(search.low, search.unit)}, {show(search.high, search.unit)}] "
        f"for mean {search.metric} = {search.threshold:g}, {search.study.seeds} seeds per evaluation",
        flush=True,
    )
    try:
        bracket = search.run(lambda line: print(line, flush=True))
    except NoCrossing as exc:
        print(f"perpsim: {search.no_crossing(exc)}", file=sys.stderr)
        return 1
    print(search.report(bracket))
    return 0
