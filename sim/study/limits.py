"""Upper bounds on the work a command accepts, checked before anything runs or is written.

- runs: a sweep or a critical search takes at most ``MAX_RUNS`` runs (points × seeds);
- positions: a run's leveraged positions must fit in the memory this process may use, at
  about ``BYTES_PER_POSITION`` each (benchmarks/RESULTS.md: 1.5 GB peak at a million shorts);
  the limit is the smaller of the address-space limit (``ulimit -v``) left and the memory
  the system has available.
"""

from __future__ import annotations

import resource
from pathlib import Path

from sim.core.config import Config
from sim.core.errors import ConfigError

MAX_RUNS = 100_000
BYTES_PER_POSITION = 1600
GB = 1e9


def check_runs(points: int, seeds: int, key: str = "--seeds") -> None:
    """``points`` × ``seeds`` runs must be at most MAX_RUNS."""
    if points * seeds > MAX_RUNS:
        raise ConfigError(
            key, f"{points:,} points × {seeds:,} seeds = {points * seeds:,} runs, more than the {MAX_RUNS:,} allowed"
        )


def positions(config: Config) -> dict[str, int]:
    """The positions each population opens, by dotted key (a map's count is per row of its side)."""
    from sim.core import datafiles

    out = {}
    for pid, perp in config.perp.items():
        for name, pop in perp.populations.items():
            key = f"perp.{pid}.populations.{name}"
            rows = 1 if pop.map is None else len(datafiles.liquidation_levels(pop.map, f"{key}.map", pop.side)[0])
            out[key] = pop.count * rows
    return out


def check_memory(config: Config, available: float | None = None) -> None:
    """The run's positions must fit in ``available`` bytes (default: what this process may still use)."""
    counts = positions(config)
    need = sum(counts.values()) * BYTES_PER_POSITION
    room = memory_available() if available is None else available
    if room is None or need <= room:
        return
    key = max(counts, key=counts.get)
    raise ConfigError(
        f"{key}.count",
        f"{sum(counts.values()):,} positions need about {need / GB:.1f} GB, more than the "
        f"{room / GB:.1f} GB this process may use",
    )


def memory_available() -> float | None:
    """Bytes this process may still allocate: the address-space limit left, the system's available memory."""
    limits = []
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    status = _kib_fields(Path("/proc/self/status"))
    if soft != resource.RLIM_INFINITY and "VmSize" in status:
        limits.append(soft - status["VmSize"])
    meminfo = _kib_fields(Path("/proc/meminfo"))
    if "MemAvailable" in meminfo:
        limits.append(meminfo["MemAvailable"])
    return min(limits) if limits else None


def _kib_fields(path: Path) -> dict[str, int]:
    """``Name: N kB`` lines of a /proc file, in bytes (empty where there is no /proc)."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    fields = {}
    for line in lines:
        name, _, value = line.partition(":")
        parts = value.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            fields[name] = int(parts[0]) * 1024
    return fields
