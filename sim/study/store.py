"""``sweep.csv``: one row per run, appended whole line by whole line as runs finish.

Columns: ``point``, ``replicate``, ``seed``, one per swept parameter, ``wall_s``, ``error``,
then one per summary metric in the order they first appear. A row is written with a single
``write`` and flushed to disk (fsync) before the next, so a killed sweep leaves whole rows
and at most one truncated last line, which opening the store cuts off. When a row brings
metrics the header lacks (the first successful run after failed ones), the file is
rewritten with the wider header into a temporary file and renamed into place.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import Any

from sim.core.errors import ConfigError

FIRST = ("point", "replicate", "seed")
LAST = ("wall_s", "error")


def cell(value: Any) -> str:
    """A value as written in the table: exact floats, empty for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def repair(path: Path) -> None:
    """Cut a truncated last line (one not ended by a newline) off the file."""
    with open(path, "r+b") as fh:
        data = fh.read()
        if data and not data.endswith(b"\n"):
            fh.truncate(data.rfind(b"\n") + 1)


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a sweep table, as strings (a truncated last line repaired)."""
    repair(path)
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


class SweepStore:
    """The rows of one sweep, on disk; ``append`` adds a finished run."""

    def __init__(self, path: Path, params: list[str]) -> None:
        self.path = Path(path)
        self.params = list(params)
        self.columns = [*FIRST, *self.params, *LAST]
        self.rows: list[dict[str, str]] = []
        if self.path.exists() and self.path.stat().st_size:
            header, self.rows = read_rows(self.path)
            if header[: len(self.columns)] != self.columns:
                raise ConfigError(str(self.path), f"its columns {header[: len(self.columns)]} are not {self.columns}")
            self.columns = header
        if not self.rows:
            self._rewrite()

    def key(self, values: dict[str, Any], replicate: int) -> tuple[str, ...]:
        """What identifies a run: its parameter values and replicate number, as written."""
        return (*(cell(values[p]) for p in self.params), cell(replicate))

    def done(self) -> set[tuple[str, ...]]:
        """The keys of the runs already in the table."""
        return {(*(row[p] for p in self.params), row["replicate"]) for row in self.rows}

    def append(self, row: dict[str, Any]) -> None:
        """Write one finished run as a whole line, flushed to disk."""
        text = {k: cell(v) for k, v in row.items()}
        new = [k for k in text if k not in self.columns]
        self.rows.append(text)
        if new:
            self.columns += new
            self._rewrite()
            return
        with open(self.path, "a", newline="") as fh:
            fh.write(self._line(text))
            fh.flush()
            os.fsync(fh.fileno())

    def _line(self, row: dict[str, str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([row.get(c, "") for c in self.columns])
        return buf.getvalue()

    def _rewrite(self) -> None:
        """Write the header and every row to a temporary file, then rename it into place."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", newline="") as fh:
            fh.write(self._line({c: c for c in self.columns}))
            for row in self.rows:
                fh.write(self._line(row))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
