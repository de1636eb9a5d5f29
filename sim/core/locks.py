"""One writer per results folder: an advisory lock held while a sweep or search writes into it.

The lock is ``fcntl.flock`` on ``FOLDER/.lock``, which holds the holder's description (pid,
host, command, start time) for the refusal message. The operating system releases it when
the holder exits, however it exits, so a stale lock never blocks a resume.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.core.errors import ConfigError

LOCK = ".lock"


@contextmanager
def locked(folder: Path, option: str = "--out") -> Iterator[None]:
    """Hold ``folder``'s lock while the block runs; ConfigError naming the holder if another process has it."""
    path = Path(folder) / LOCK
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            problem = f"{folder} is being written by {holder}; wait for it or use another --out"
            raise ConfigError(option, problem) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(holder_text() + "\n")
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def holder_text() -> str:
    """Who holds a lock: this process's id, host, command and start time."""
    command = " ".join(["perpsim", *sys.argv[1:]]) if sys.argv and sys.argv[0].endswith("perpsim") else "perpsim"
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return f"pid {os.getpid()} on {socket.gethostname()} ('{command}', since {started})"
