"""Reading a run's results folder back: its trace, summary and config."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sim.core import trace_parquet
from sim.core.contributors import read_contributors
from sim.core.errors import ConfigError
from sim.core.trace import TraceTable, read_events


@dataclass
class RunFolder:
    """A results folder: the trace, the summary (with node kinds) and the resolved config path."""

    path: Path
    trace: TraceTable
    summary: dict

    @property
    def nodes(self) -> dict[str, str]:
        return self.summary.get("nodes", {})

    @property
    def title(self) -> str:
        return f"{self.summary.get('experiment', self.path.name)} (seed {self.summary.get('seed', '?')})"


def open_run(path: str | Path) -> RunFolder:
    """Load a run folder; a missing or malformed file is a ConfigError/TraceFormatError naming it."""
    path = Path(path)
    if not path.is_dir():
        raise ConfigError("", f"{path}: no such run folder")
    summary_path = path / "summary.json"
    try:
        summary = json.loads(summary_path.read_text())
    except FileNotFoundError:
        raise ConfigError("", f"{summary_path}: missing (is {path} a perpsim run folder?)") from None
    except json.JSONDecodeError as exc:
        raise ConfigError("", f"{summary_path}: not valid JSON ({exc})") from None
    trace = read_trace(path)
    trace.contributors = read_contributors(path / "contributors.csv", len(trace))
    return RunFolder(path, trace, summary)


def read_trace(path: Path) -> TraceTable:
    """A run folder's trace: events.parquet when it is there and pyarrow is installed, else events.csv."""
    if (path / trace_parquet.PARQUET_NAME).is_file() and trace_parquet.available():
        return trace_parquet.read_parquet(path / trace_parquet.PARQUET_NAME)
    return read_events(path / "events.csv")
