"""``perpsim list``: the experiments with a one-line description."""

from __future__ import annotations

import argparse

from sim.study.experiments import catalogue

NAME = "list"
HELP = "name the experiments with a one-line description"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """No arguments."""


def run(args: argparse.Namespace) -> int:
    rows = catalogue()
    width = max((len(name) for name, _ in rows), default=0)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0
