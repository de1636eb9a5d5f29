"""``perpsim show``: an experiment's fully resolved config, as TOML."""

from __future__ import annotations

import argparse

from sim.commands.common import experiment_arguments
from sim.core.config import to_toml
from sim.study.experiments import load_experiment

NAME = "show"
HELP = "print an experiment's fully resolved config"


def add_arguments(p: argparse.ArgumentParser) -> None:
    experiment_arguments(p)


def run(args: argparse.Namespace) -> int:
    print(to_toml(load_experiment(args.experiment, args.seed, args.overrides)), end="")
    return 0
