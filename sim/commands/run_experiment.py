"""``perpsim run``: run an experiment and write its results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands.common import experiment_arguments
from sim.experiments import load_experiment
from sim.headline import headline

NAME = "run"
HELP = "run an experiment and write its results folder"


def add_arguments(p: argparse.ArgumentParser) -> None:
    experiment_arguments(p)
    p.add_argument("--out", type=Path, help="results folder (default results/NAME-seedN)")
    p.add_argument("--force", action="store_true", help="replace the results folder if it exists")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument(
        "--check-every-event",
        action="store_true",
        help="check the state invariants after every event, not only at the end (slow; for debugging)",
    )


def run(args: argparse.Namespace) -> int:
    from sim.output import check_destination, write_run
    from sim.world import World

    config = load_experiment(args.experiment, args.seed, args.overrides)
    out = args.out or Path("results") / f"{config.experiment.name}-seed{config.experiment.seed}"
    check_destination(out, args.force)
    if config.arms:
        return _run_arms(args, out)
    result = World(config).run(args.check_every_event)
    write_run(result, out, force=args.force, plots=not args.no_plots)
    print(headline(config.experiment.name, result.summary))
    print(f"results: {out}")
    return 0


def _run_arms(args: argparse.Namespace, out: Path) -> int:
    """Every arm of the experiment with the same seed, then the comparison."""
    from sim.arms import arm_configs
    from sim.experiments import raw_experiment, seed_override
    from sim.output import write_arms
    from sim.world import World

    configs = arm_configs(raw_experiment(args.experiment), [*args.overrides, *seed_override(args.seed)])
    results = {}
    for name, config in configs.items():
        results[name] = World(config).run(args.check_every_event)
        s = results[name].summary
        print(
            f"arm {name}: {s['liquidations']} perp liquidations, {s['events_processed']} events "
            f"in {s['wall_time_s']:.2f} s"
        )
    write_arms(results, out, force=args.force, plots=not args.no_plots)
    print(f"results: {out} (comparison.png, comparison.json, one folder per arm)")
    return 0
