"""Arguments shared by the commands that load an experiment."""

from __future__ import annotations

import argparse


def experiment_arguments(p: argparse.ArgumentParser) -> None:
    """``EXPERIMENT [--seed N] [--set KEY=VALUE ...]``."""
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


def arm_argument(p: argparse.ArgumentParser) -> None:
    """``--arm NAME`` (repeatable): which of an experiment's [arms] to run (default: every one)."""
    p.add_argument(
        "--arm",
        dest="arms",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this arm of an experiment with [arms] (repeatable; default: every arm)",
    )
