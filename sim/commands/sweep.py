"""``perpsim sweep``: run an experiment over a grid of parameter values × seeds into sweep.csv."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands.common import arm_argument, experiment_arguments

NAME = "sweep"
HELP = "run an experiment over a grid of parameters and seeds, streaming a row per run into sweep.csv"


def executor_arguments(p: argparse.ArgumentParser) -> None:
    """``--seeds N --jobs N --dask ADDRESS|local``, shared with ``perpsim critical``."""
    p.add_argument("--seeds", type=int, help="runs per point, each with its own seed (default: [sweep] seeds or 1)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1: run here, one at a time)")
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on the Dask scheduler at ADDRESS (tcp://host:8786), or 'local' for a LocalCluster of --jobs workers",
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    experiment_arguments(p)
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=VALUES",
        help="a swept parameter: KEY=v1,v2,... or KEY=lo:hi:step, with units (e.g. "
        "link.hedge.latency=0ms:2s:100ms); repeatable; default: the experiment's [sweep] table",
    )
    p.add_argument("--zip", action="store_true", default=None, help="pair the grid's lists instead of crossing them")
    arm_argument(p)
    executor_arguments(p)
    p.add_argument("--out", type=Path, help="results folder (default results/NAME-sweep); an existing one is resumed")


def run(args: argparse.Namespace) -> int:
    """Check the arguments and the folder, lock it, run what is missing, say what was kept if interrupted."""
    from sim.core.errors import Interrupted
    from sim.core.interrupts import deferred
    from sim.core.locks import locked
    from sim.core.paths import output_folder
    from sim.study.progress import Progress, eta
    from sim.study.sweep import execute, load_study, open_store, pending, tasks
    from sim.study.workers import check_executor, describe, executor

    check_executor(args.jobs, args.dask)
    study = load_study(args.experiment, args.grid, args.zip, args.seeds, args.seed, args.overrides, args.arms)
    out = output_folder(args.out or Path("results") / f"{study.name}-sweep")
    pts = study.points()
    out.mkdir(parents=True, exist_ok=True)
    with locked(out):
        with deferred():  # sweep.json whole
            store = open_store(out, study)
        todo = pending(store, [t for p in pts for t in tasks(study, p)])
        total = len(pts) * study.seeds
        print(
            f"sweep {study.name}: {len(pts)} point{'s' * (len(pts) != 1)} × {study.seeds} "
            f"seed{'s' * (study.seeds != 1)} = {total} runs, {total - len(todo)} already in {store.path}; "
            f"{len(todo)} to run in {describe(args.jobs, args.dask)}",
            flush=True,
        )
        progress = Progress(f"sweep {study.name}", len(todo))
        try:
            if todo:
                with executor(args.jobs, args.dask) as run_all:
                    execute(run_all, store, todo, progress)
        except Interrupted as exc:
            kept = total - len(todo) + progress.done
            exc.kept = f"{kept} of {total} runs kept in {out}; run the same command to resume"
            raise
        finally:
            progress.close()
    print(
        f"sweep {study.name}: {progress.done} runs in {eta(progress.elapsed)}, {progress.errors} "
        f"error{'s' * (progress.errors != 1)}; table: {store.path}"
    )
    return 0
