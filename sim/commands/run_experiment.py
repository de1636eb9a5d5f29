"""``perpsim run``: run an experiment and write its results folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.analysis.headline import headline
from sim.commands.common import arm_argument, experiment_arguments
from sim.core.errors import ConfigError
from sim.study.experiments import load_experiment

NAME = "run"
HELP = "run an experiment and write its results folder"


def add_arguments(p: argparse.ArgumentParser) -> None:
    experiment_arguments(p)
    p.add_argument(
        "--out", type=Path, help="results folder (default results/NAME-seedN; with --seeds results/NAME-ensemble)"
    )
    p.add_argument(
        "--seeds",
        type=int,
        metavar="N",
        help="an ensemble: run seeds K..K+N-1 (K: --seed or the experiment's), a folder per seed, "
        "and ensemble.json/.csv/.png with each metric's mean, 95%% CI and spread",
    )
    p.add_argument(
        "--metric",
        action="append",
        default=[],
        help="with --seeds: a metric of the summary line and ensemble.md, e.g. peak_price.spot (repeatable; "
        "default: the key ones)",
    )
    p.add_argument("--jobs", type=int, default=1, help="with --seeds: worker processes (default 1)")
    p.add_argument("--dask", metavar="ADDRESS", help="with --seeds: run on the Dask scheduler at ADDRESS, or 'local'")
    arm_argument(p)
    p.add_argument("--force", action="store_true", help="replace the results folder if it exists")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument(
        "--check-every-event",
        action="store_true",
        help="check the state invariants after every event, not only at the end (slow; for debugging)",
    )


def run(args: argparse.Namespace) -> int:
    from sim.core.errors import Interrupted
    from sim.engine.notices import notices
    from sim.engine.world import World
    from sim.study.limits import check_memory
    from sim.study.output import check_destination, write_run

    if args.seeds is not None:
        return _run_ensemble(args)
    for option, given in (("--jobs", args.jobs != 1), ("--dask", args.dask), ("--metric", args.metric)):
        if given:
            raise ConfigError(option, "is for ensembles: only with --seeds N")
    config = load_experiment(args.experiment, args.seed, args.overrides)
    if args.arms and not config.arms:
        raise ConfigError("--arm", f"{config.experiment.name} has no [arms]")
    out = args.out or Path("results") / f"{config.experiment.name}-seed{config.experiment.seed}"
    check_destination(out, args.force)
    check_memory(config)
    for line in notices(config):
        print(f"perpsim: warning: {line}", file=sys.stderr)
    try:
        if config.arms:
            return _run_arms(args, out)
        result = World(config).run(args.check_every_event)
        write_run(result, out, force=args.force, figures=_figures(args))
    except Interrupted as exc:
        exc.kept = f"nothing written to {out}"
        raise
    print(headline(config.experiment.name, result.summary))
    print(f"results: {out}")
    return 0


def _run_arms(args: argparse.Namespace, out: Path) -> int:
    """Every arm of the experiment (or the ``--arm`` ones) with the same seed, then the comparison."""
    from sim.engine.world import World
    from sim.study.arms import arm_config, arm_configs
    from sim.study.experiments import raw_experiment, seed_override
    from sim.study.output import write_arms

    raw, sets = raw_experiment(args.experiment), [*args.overrides, *seed_override(args.seed)]
    if args.arms:
        configs = {name: arm_config(raw, name, sets) for name in dict.fromkeys(args.arms)}
    else:
        configs = arm_configs(raw, sets)
    results = {}
    for name, config in configs.items():
        results[name] = World(config).run(args.check_every_event)
        s = results[name].summary
        print(
            f"arm {name}: {s['liquidations']} perp liquidations, {s['events_processed']} events "
            f"in {s['wall_time_s']:.2f} s"
        )
    write_arms(results, out, force=args.force, figures=_figures(args))
    files = "comparison.json" if args.no_plots else "comparison.png, comparison.json"
    print(f"results: {out} ({files}, one folder per arm)")
    return 0


def _run_ensemble(args: argparse.Namespace) -> int:
    """The experiment (each chosen arm, if it has arms) over ``--seeds`` seeds, then its summary."""
    from sim.study.ensemble import specs, write_ensembles
    from sim.study.output import check_destination
    from sim.study.progress import Progress
    from sim.study.workers import describe

    todo = specs(args.experiment, args.seeds, args.seed, args.overrides, args.arms, args.metric)
    out = args.out or Path("results") / f"{todo[0].name}-ensemble"
    check_destination(out, args.force)
    runs = len(todo) * args.seeds
    arms = f" × {len(todo)} arm{'s' * (len(todo) != 1)}" if todo[0].arm else ""
    seeds = f"{args.seeds} seed{'s' * (args.seeds != 1)}"
    print(
        f"{todo[0].name}: {seeds}{arms} = {runs} run{'s' * (runs != 1)} in {describe(args.jobs, args.dask)}", flush=True
    )
    progress = Progress(f"run {todo[0].name}", runs)
    try:
        done = write_ensembles(
            todo,
            out,
            args.force,
            _figures(args),
            args.jobs,
            args.dask,
            args.check_every_event,
            lambda spec, member: progress({"label": member.label(spec), "wall_s": member.wall_s}),
        )
    finally:
        progress.close()
    for ensemble in done:
        print(ensemble.line())
    files = f"ensemble.json, ensemble.csv{'' if args.no_plots else ', ensemble.png'}{', per arm' if arms else ''}"
    print(f"results: {out} (ensemble.md; {files}; a folder per seed)")
    return 0


def _figures(args: argparse.Namespace):
    """The figures hook, unless ``--no-plots``."""
    from sim.plots.figures import FIGURES

    return None if args.no_plots else FIGURES
