"""Checks of the paths a user gives, made before any simulation runs.

Each check raises a ConfigError naming the option, the path and the problem (a file where a
folder is needed, a folder where a file is, a folder that cannot be written), so that a bad
``--out`` costs nothing. Writing is probed by creating and removing a temporary file, which
is what the later write will need (``os.access`` answers yes to root on a read-only folder).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.core.errors import ConfigError


def nearest_existing(path: Path) -> Path:
    """``path`` itself or its closest ancestor that exists."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def writable_parent(path: Path, option: str) -> None:
    """Whatever of ``path``'s ancestors exists must be a folder this process can create files in."""
    parent = nearest_existing(Path(path).parent)
    if not parent.is_dir():
        raise ConfigError(option, f"cannot create {path}: {parent} is a file, not a folder")
    probe(parent, option)


def probe(folder: Path, option: str) -> None:
    """Create and remove a file in ``folder``; ConfigError naming it if that fails."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".perpsim-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(option, f"cannot write in {folder}: {reason(exc)}") from None


def output_file(path: Path, option: str = "--out") -> Path:
    """Check a file to be written (a PNG or GIF): not a folder, in a folder that can be written."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(option, f"{path} is a folder; give a file name such as {path / 'plot.png'}")
    writable_parent(path, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(option, f"cannot write {path}: permission denied")
    return path


def output_folder(path: Path, option: str = "--out") -> Path:
    """Check a results folder to be created or written into: not a file, and writable."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(option, f"{path} exists and is not a folder")
    if path.is_dir():
        probe(path, option)
    writable_parent(path, option)
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Name ``path`` in an OSError raised without a file name while the block writes it (a full disk)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def reason(exc: OSError) -> str:
    """An OSError's problem in words ("disk full" for ENOSPC), without its path."""
    if exc.errno == errno.ENOSPC:
        return "disk full"
    return exc.strerror or type(exc).__name__


def describe(exc: OSError) -> str:
    """An OSError as one line: the path (or paths) and the problem."""
    where = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    if where:
        return f"{where}: {reason(exc)}"
    return reason(exc) if exc.strerror else str(exc)
