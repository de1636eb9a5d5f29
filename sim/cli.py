"""The ``perpsim`` command: list, show, run and draw experiments.

Exit status: 0 on success, 2 for bad input (one line on stderr naming the key and the
problem, nothing written), 1 for anything unexpected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from sim.config import to_toml
from sim.experiments import catalogue, load_experiment
from sim.schema import ConfigError
from sim.trace import TraceFormatError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"perpsim: error: {message} (see 'perpsim --help')", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _experiment_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="an experiment name (runs/NAME.toml) or a path to a .toml file")
    p.add_argument("--seed", type=int, help="replace experiment.seed")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. --set link.hedge.latency=300ms (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perpsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="name the experiments with a one-line description")
    show = sub.add_parser("show", help="print an experiment's fully resolved config")
    _experiment_args(show)
    run = sub.add_parser("run", help="run an experiment and write its results folder")
    _experiment_args(run)
    run.add_argument("--out", type=Path, help="results folder (default results/NAME-seedN)")
    run.add_argument("--force", action="store_true", help="replace the results folder if it exists")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    topo = sub.add_parser("topology", help="draw an experiment's venue graph to a PNG")
    _experiment_args(topo)
    topo.add_argument("--out", type=Path, help="PNG path (default results/NAME-topology.png)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, TraceFormatError) as exc:
        print(f"perpsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into e.g. `head`: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = catalogue()
    width = max((len(name) for name, _ in rows), default=0)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    print(to_toml(load_experiment(args.experiment, args.seed, args.overrides)), end="")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.output import check_destination, write_run
    from sim.world import World

    config = load_experiment(args.experiment, args.seed, args.overrides)
    out = args.out or Path("results") / f"{config.experiment.name}-seed{config.experiment.seed}"
    check_destination(out, args.force)
    world = World(config)
    result = world.run()
    write_run(result, out, force=args.force, plots=not args.no_plots)
    s = result.summary
    print(
        f"{config.experiment.name}: {s['liquidations']} liquidations in {s['waves']} waves, "
        f"peak spot {json.dumps(s['peak_price'])}, amplification {_fmt(s['amplification'])}x, "
        f"{s['events_processed']} events in {s['wall_time_s']:.3f} s"
    )
    print(f"results: {out}")
    return 0


def cmd_topology(args: argparse.Namespace) -> int:
    from sim.plots.topology import plot_topology
    from topology.graph import build_graph

    config = load_experiment(args.experiment, args.seed, args.overrides)
    graph = build_graph(config)
    out = args.out or Path("results") / f"{config.experiment.name}-topology.png"
    plot_topology(graph, out, f"{config.experiment.name}: topology")
    print(out)
    return 0


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


COMMANDS = {"list": cmd_list, "show": cmd_show, "run": cmd_run, "topology": cmd_topology}
