"""Progress of a sweep: a tqdm bar with ETA on a terminal, one plain line per run otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from sim.core.units import format_duration


def eta(seconds: float) -> str:
    """A rough duration for people: "45s", "3min 20s", "1h 05min"."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}min {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}min"


class Progress:
    """Counts finished runs out of ``total`` and reports each one."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.errors = 0
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.bar = None
        if total and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="run", file=self.stream, dynamic_ncols=True)

    def __call__(self, row: dict[str, Any]) -> None:
        """Count a finished run: a sweep row, or any dict with ``wall_s``, ``error`` and a ``label``."""
        self.done += 1
        self.errors += bool(row.get("error"))
        if self.bar is not None:
            self.bar.set_postfix(errors=self.errors, refresh=False)
            self.bar.update(1)
            return
        elapsed = time.perf_counter() - self.started
        left = elapsed / self.done * (self.total - self.done)
        what = f"error: {row['error']}" if row.get("error") else f"{format_duration(round(row['wall_s'], 3))}"
        run = row.get("label") or f"point {row['point']} replicate {row['replicate']}"
        print(
            f"{self.label}: {self.done}/{self.total} {run} ({what}), ETA {eta(left)}",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
