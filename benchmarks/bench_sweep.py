"""Sweep throughput: runs per second of a 40-run rocket sweep, serial and with ``--jobs 2``.

Run from the repo root: ``.venv/bin/python -m benchmarks.bench_sweep``. Each sweep is the
command line a user types, timed end to end (interpreter start-up and worker start-up
included) into a fresh results folder, the best of ``REPEATS`` (other jobs on the two cores
slow a sweep down by up to 2×):
``perpsim sweep rocket --grid link.hedge.latency=0ms:1950ms:50ms --seeds 1 [--jobs 2]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRID = "link.hedge.latency=0ms:1950ms:50ms"  # 40 points
RUNS = 40
REPEATS = 2


def command(out: Path, jobs: int) -> list[str]:
    """The sweep command line (one seed per point, so ``RUNS`` runs)."""
    cmd = [sys.executable, "-m", "sim", "sweep", "rocket", "--grid", GRID, "--seeds", "1", "--out", str(out)]
    return cmd + (["--jobs", str(jobs)] if jobs > 1 else [])


def sweep_seconds(jobs: int) -> float:
    """Wall seconds of one sweep with ``jobs`` workers."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            command(Path(tmp) / "sweep", jobs),
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        return time.perf_counter() - start


def main() -> dict[str, float]:
    """Runs per second, serial and with two jobs; printed and returned."""
    figures = {f"jobs_{jobs}_runs_per_s": RUNS / min(sweep_seconds(jobs) for _ in range(REPEATS)) for jobs in (1, 2)}
    print(
        f"sweep: {RUNS}-run rocket sweep, {figures['jobs_1_runs_per_s']:.2f} runs/s serial, "
        f"{figures['jobs_2_runs_per_s']:.2f} runs/s with --jobs 2"
    )
    return figures


if __name__ == "__main__":
    main()
