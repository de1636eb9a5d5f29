"""``perpsim plot KIND ...``: figures from results folders, one module per kind."""

from __future__ import annotations

import argparse

from sim.commands import plot_sweep, plot_timeline, plot_topology

NAME = "plot"
HELP = "draw a figure from results: timeline, topology, sweep"
KINDS = [plot_timeline, plot_topology, plot_sweep]


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="plot_kind", required=True, parser_class=type(p))
    for kind in KINDS:
        # argparse %-formats help strings but not descriptions
        kind.add_arguments(sub.add_parser(kind.NAME, help=kind.HELP.replace("%", "%%"), description=kind.HELP))


def run(args: argparse.Namespace) -> int:
    return next(k.run for k in KINDS if args.plot_kind == k.NAME)(args)
