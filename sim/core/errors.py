"""The project's exceptions, in one module: what each means and who raises it.

- ConfigError: an experiment file, override or command-line value is wrong (exit status 2).
- TraceFormatError: an events.csv or events.parquet cannot be read as a perpsim trace.
- InvariantError: a run broke one of the invariants of sim/engine/invariants.py.
- Interrupted: SIGINT or SIGTERM arrived (sim/core/interrupts.py turns the signals into it).
"""

from __future__ import annotations

_SHOWN = 5  # accounts an InvariantError names


class ConfigError(Exception):
    """A problem with an experiment file or override, naming the dotted key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key


class TraceFormatError(ValueError):
    """An ``events.csv`` that cannot be read as a perpsim trace."""


class InvariantError(Exception):
    """A run broke an invariant: which one, at what simulated time, and the accounts involved."""

    def __init__(self, invariant: str, t: float, detail: str, accounts: tuple[str, ...] = ()) -> None:
        self.invariant, self.t, self.detail, self.accounts = invariant, t, detail, accounts
        names = ", ".join(accounts[:_SHOWN])
        if len(accounts) > _SHOWN:
            names += f" and {len(accounts) - _SHOWN} more"
        where = f" (accounts: {names})" if accounts else ""
        super().__init__(f"invariant {invariant} violated at t={t:.9g} s: {detail}{where}")


class Interrupted(BaseException):
    """A SIGINT or SIGTERM; ``kept`` says what the interrupted command kept (set by the command).

    Its only argument is the signal number: SimPy re-raises an exception from a process as
    ``type(exc)(*exc.args)``."""

    def __init__(self, signum: int, kept: str = "") -> None:
        super().__init__(int(signum))
        self.signum = int(signum)
        self.kept = kept

    @property
    def status(self) -> int:
        """The exit status a shell gives a process ended by the signal: 128 + its number."""
        return 128 + self.signum

    def line(self) -> str:
        return "interrupted" + (f"; {self.kept}" if self.kept else "")
