"""Warnings about a valid config that probably does not do what was meant, one line each.

The ``run`` command prints them as ``perpsim: warning: ...`` before running;
``api.run`` issues them as Python warnings. Shortened test runs rely on such configs (a
rally igniter after an 8-hour run's end), so they are not errors.
"""

from __future__ import annotations

from sim.core.config import Config


def notices(config: Config) -> list[str]:
    """The warnings for ``config``: components that never act within the run, and a
    hyperliquid-style perp priced from a weighted-mean index (Hyperliquid's oracle is a
    weighted median, docs/MECHANICS.md §1)."""
    end = config.experiment.duration
    never = [
        f"igniter.{iid}.start: {igniter.start:g} s is not before the run's end ({end:g} s); it never fires"
        for iid, igniter in config.igniter.items()
        if igniter.start >= end
    ]
    mean_oracle = [
        f"index.{perp.index}.method: perp.{pid} is hyperliquid-style but its index is a weighted mean "
        f'(Hyperliquid\'s oracle is a weighted median: method = "median")'
        for pid, perp in config.perp.items()
        if perp.style == "hyperliquid" and config.index[perp.index].method == "mean"
    ]
    return never + mean_oracle
