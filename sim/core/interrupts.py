"""SIGINT and SIGTERM as one exception that commands report in one line, and workers that never outlive us.

``handled()`` turns either signal, in the main process, into ``Interrupted`` (a
BaseException, so ``except Exception`` does not swallow it; not a KeyboardInterrupt, whose
handling in Dask's client logs errors); signals that come during the clean-up are ignored.
``deferred()`` holds a signal while a block that must not be cut (a table row being
written) finishes. Worker processes run ``worker_init``: they
ignore both signals, which are the main process's to handle (it then ends them), and on
Linux they are killed when the main process dies, however it dies.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sim.core.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


_held: list[int] | None = None  # inside deferred(): the signals received so far


def _raise(signum: int, frame: object) -> None:
    if _held is not None:
        _held.append(signum)
        return
    for s in SIGNALS:  # one report: a second Ctrl-C must not cut the clean-up short
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


@contextmanager
def handled() -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM raise Interrupted; the old handlers come back after."""
    old = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, _raise)
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """Run the block whole: a signal that comes during it raises Interrupted when it ends."""
    global _held
    if _held is not None:  # already deferring
        yield
        return
    _held = []
    try:
        yield
    finally:
        held, _held = _held, None
        if held and signal.getsignal(held[0]) is _raise:
            _raise(held[0], None)


@contextmanager
def signals_ignored() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM while the block runs: processes started in it inherit that."""
    old = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def worker_init() -> None:
    """In a worker process: ignore SIGINT and SIGTERM (the main process ends us) and die with the main process."""
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    die_with_parent()


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (elsewhere: nothing to ask)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
