"""The ``perpsim`` command.

Exit status: 0 on success, 2 for bad input (one line on stderr naming the key and the
problem, nothing written) and for an operating-system error on a path or address (one line
naming it and the problem), 3 when a run breaks an invariant (one line naming it, the time
and the accounts; nothing written), 4 when ``rerun`` gets a different trace, 130 for SIGINT
and 143 for SIGTERM (one line saying what was kept), 1 for running out of memory (one line)
or anything unexpected. Subcommands live in sim/commands/.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from sim.commands import COMMANDS
from sim.core import interrupts
from sim.core.errors import ConfigError, Interrupted
from sim.core.paths import describe

EXIT_BAD_INPUT = 2
EXIT_INVARIANT = 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"perpsim: error: {message} (see 'perpsim --help')", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perpsim", description="Simulate liquidation cascades across perp and spot venues.")
    parser.add_argument("--version", action="version", version=f"perpsim {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        # argparse %-formats help strings but not descriptions
        command.add_arguments(
            sub.add_parser(command.NAME, help=command.HELP.replace("%", "%%"), description=command.HELP)
        )
    return parser


def _version() -> str:
    """The installed perpsim's version ("unknown" in a source tree that is not installed)."""
    try:
        return version("perpsim")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    with interrupts.handled():
        try:
            return _main(argv)
        except Interrupted as exc:
            print(f"perpsim: {exc.line()}", file=sys.stderr)
            return exc.status


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    run = next(c.run for c in COMMANDS if args.command == c.NAME)
    try:
        return run(args)
    except BrokenPipeError:  # output piped into e.g. `head`: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a path the user gave, or a cluster's address
        print(f"perpsim: error: {describe(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("perpsim: error: out of memory (make the experiment smaller: fewer positions, a shorter run)",
              file=sys.stderr)  # fmt: skip
        return 1
    except Exception as exc:
        status = _exit_status(exc)
        if status is None:
            raise
        print(f"perpsim: error: {exc}", file=sys.stderr)
        return status


def _exit_status(exc: Exception) -> int | None:
    """The exit status of an error reported in one line, or None for an unexpected one."""
    # here, not at the top: both modules import numpy, which `perpsim list` and `show` do not need
    from sim.core.errors import InvariantError, TraceFormatError

    if isinstance(exc, ConfigError | TraceFormatError):
        return EXIT_BAD_INPUT
    if isinstance(exc, InvariantError):
        return EXIT_INVARIANT
    return None
