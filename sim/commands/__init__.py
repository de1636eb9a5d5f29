"""The ``perpsim`` subcommands, one module each.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``; adding a command is one new module and one line in ``COMMANDS``.
Every command module is imported at each start, so heavy imports (numpy, networkx and
matplotlib, which come with sim.core.trace, sim.engine.world and sim.plots) go inside ``run``: ``perpsim
list`` and ``perpsim show`` load none of them.
"""

from __future__ import annotations

from sim.commands import (
    compare_runs,
    critical,
    list_experiments,
    plot,
    report,
    rerun,
    run_experiment,
    show_experiment,
    sweep,
    topology_png,
    trace_chain,
)

COMMANDS = [
    list_experiments,
    show_experiment,
    run_experiment,
    topology_png,
    plot,
    rerun,
    trace_chain,
    compare_runs,
    report,
    sweep,
    critical,
]
